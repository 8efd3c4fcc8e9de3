"""Shared test configuration: Hypothesis profiles, a fixed clock, fresh caches under mutmut."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

# "ci" (default) keeps the suite quick and derandomized, so a green commit stays
# green; "soak" explores many more random examples:
#   HYPOTHESIS_PROFILE=soak pytest
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "soak", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# "mutation" (tests/mutation.py sets NEWSARCHIVE_MUTATION=1): "ci"'s examples, but a
# failing one is not shrunk. A killed mutant needs only the failure, and shrinking it
# could run past mutmut's timeout.
settings.register_profile(
    "mutation",
    settings.get_profile("ci"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    database=None,
)
#: Set by tests/mutation.py in the copy it runs mutmut in (see `clear_validation_caches`).
MUTATION = os.environ.get("NEWSARCHIVE_MUTATION") == "1"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "mutation" if MUTATION else "ci"))

DATA = Path(__file__).parent / "data"
#: The clock the tests pass in, so records and "future" checks are reproducible.
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def data_dir() -> Path:
    return DATA


def clear_validation_caches() -> None:
    """Empty every per-process cache of the validation layers: the one list of them.

    `validation` builds the schema validator, the `FastSchema` and the fused
    check (`_fastvalid.fused_check`) once per format version and process, and
    `_fastvalid` caches its date check. mutmut links a test to a function only
    when the test calls it, and forks its mutant runs from a process whose
    caches are full: a mutant in a builder would never run. `_semantic` and
    `_semantic_v2` hold no cache (they run on every record the fused check
    declines). See docs/testing.md, "Mutation testing".
    """
    from newsarchive import _fastvalid, validation  # here: only a mutmut run needs them

    validation._load_schema.cache_clear()
    validation._schema_validator.cache_clear()
    validation._fast_schema.cache_clear()
    validation._FUSED.clear()
    _fastvalid._real_date.cache_clear()


# Only under mutmut: the normal suite defines no such fixture, so its speed does not change.
if MUTATION:

    @pytest.fixture(autouse=True)
    def _fresh_validation_caches() -> None:
        """Before every test: each test that validates rebuilds the checks (see above)."""
        clear_validation_caches()
