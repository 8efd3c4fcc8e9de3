"""Fuzzing of the public parsers (issue 10): a short run per target, the saved crashers, a soak.

The short run is deterministic (seed 0) and takes seconds; the soak
(`pytest -m soak tests/fuzz`, or `python -m tests.fuzz` for counts and rates)
runs `FUZZ_INPUTS` inputs per target, a million by default.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.engine import CRASHERS, Mutator, fuzz, run_one, saved_crashers
from tests.fuzz.targets import targets

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fuzz.engine import Target

NAMES = (
    "json",
    "validate",
    "validate-v2",
    "articletext",
    "urls",
    "timestamps",
    "digest",
    "archiveurls",
    "jsonl",
    "warc",
    "bag",
    "cli",
)
#: Inputs per target in the default suite: a few seconds in all on a shared machine.
SHORT = {
    "warc": 400,
    "bag": 150,
    "cli": 150,
    "validate": 1500,
    "validate-v2": 1500,
    "timestamps": 1500,
}
SHORT_DEFAULT = 3000


@pytest.fixture(scope="module")
def all_targets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Target]:
    return targets(tmp_path_factory.mktemp("fuzz"))


def _describe(found: dict[str, object]) -> str:
    return "\n".join(f"{key}: {crash!r}" for key, crash in found.items())


def test_every_target_is_listed(all_targets: dict[str, Target]) -> None:
    assert set(all_targets) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_short_fuzz_finds_no_crash(all_targets: dict[str, Target], name: str) -> None:
    report = fuzz(all_targets[name], SHORT.get(name, SHORT_DEFAULT), seed=0)
    assert not report.crashes, _describe(dict(report.crashes))
    # The mutations reach more than one kind of answer (not every input refused alike).
    assert len(report.outcomes) > 1, report.outcomes


#: Crashers in modules other helpers own, kept as failing cases until fixed there
#: (strict: the suite says so when one starts to pass). None open now.
OPEN: dict[str, str] = {}
CASES = [
    pytest.param(
        name,
        path,
        id=f"{name}/{path.name}",
        marks=[pytest.mark.xfail(strict=True, reason=OPEN[f"{name}/{path.name}"])]
        if f"{name}/{path.name}" in OPEN
        else [],
    )
    for name in NAMES
    for path in saved_crashers(name)
]


@pytest.mark.parametrize(("name", "path"), CASES)
def test_saved_crasher_is_handled(all_targets: dict[str, Target], name: str, path: Path) -> None:
    outcome, crash = run_one(all_targets[name], path.read_bytes())
    assert crash is None, crash.trace
    assert outcome != "crash"


def test_crashers_are_kept_for_the_defects_of_issue_10() -> None:
    # The inputs of defect 18 stay in the suite whatever the fuzzer's seed finds.
    for name in ("timestamps", "urls", "validate", "cli", "archiveurls"):
        assert saved_crashers(name), f"no crasher kept under {CRASHERS / name}"


@given(st.randoms(use_true_random=False), st.sampled_from(["json", "urls", "timestamps"]))
def test_hypothesis_driven_mutation_finds_no_crash(
    all_targets: dict[str, Target], rng: object, name: str
) -> None:
    # Hypothesis picks the mutations, so a failure shrinks to a small edit of a seed.
    target = all_targets[name]
    mutator = Mutator(rng, target.tokens)  # type: ignore[arg-type]
    seeds = list(target.seeds)
    data = mutator.mutate(seeds[0], seeds[-1])
    _, crash = run_one(target, data)
    assert crash is None, crash.trace


@pytest.mark.soak
@pytest.mark.parametrize("name", NAMES)
def test_soak_fuzz(all_targets: dict[str, Target], name: str) -> None:
    inputs = int(os.environ.get("FUZZ_INPUTS", "1000000"))
    seed = int(os.environ.get("FUZZ_SEED", "1"))
    report = fuzz(all_targets[name], inputs, seed=seed)
    assert report.inputs == inputs
    assert not report.crashes, _describe(dict(report.crashes))
