"""Shared test configuration: Hypothesis profiles and a fixed clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DATA = Path(__file__).parent / "data"
#: The clock the tests pass in, so records and "future" checks are reproducible.
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def data_dir() -> Path:
    return DATA
