"""Mutation testing of the contract modules with mutmut, one module at a time.

    nice -n 15 .venv/bin/python tests/mutation.py _json urls ... [--tests tests/test_x.py ...]
    nice -n 15 .venv/bin/python tests/mutation.py _json --recheck /tmp/mutmut-_json-.../project
    nice -n 15 .venv/bin/python tests/mutation.py history._engine --functions trim raw_changes

A module in a package is named with a dot (`store._segment`); `--functions`
limits a run to the mutants of some functions of it (`Class.method` for a
method), counted on their own.

For each module it copies the project (without .git, .venv and caches) to a
temporary directory, names that one module in the copy's `[tool.mutmut]`, runs
`mutmut run --max-children 1` there with this virtualenv, and prints killed,
survived, timeout and the score (killed + timeout over all mutants), then the
names of the surviving mutants (`mutmut show NAME` in the printed directory
shows each diff). By default each mutant runs against the module's own test
files (CONTRACT below), of which mutmut runs those that reach the mutated
function: a lower bound of the score against the whole suite, which
`--whole-suite` measures when there is time (hours on a shared machine).
Not part of .ci/run; docs/testing.md has the results and the equivalent mutants.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"
#: The contract modules, each with the test files run against its mutants by default.
CONTRACT = {
    "_json": ["tests/test_json.py", "tests/test_jsonl.py", "tests/test_derive.py"],
    "_articletext": ["tests/test_articletext.py"],
    "timestamps": ["tests/test_timestamps.py"],
    "urls": ["tests/test_urls.py"],
    "digest": ["tests/test_digest.py", "tests/test_derive.py"],
    "_derive": ["tests/test_derive.py", "tests/test_record.py"],
    "validation": ["tests/test_validation.py", "tests/test_record.py"],
    "_fastschema": ["tests/test_fastschema.py", "tests/test_validation.py"],
    "_fastvalid": ["tests/test_fastvalid.py", "tests/test_validation.py"],
    "_semantic": ["tests/test_validation.py", "tests/test_record.py", "tests/test_semantic_v2.py"],
    "_semantic_v2": ["tests/test_semantic_v2.py", "tests/test_validation.py"],
    "archiveurls": ["tests/test_archiveurls.py"],
    "store._segment": [
        "tests/test_store_segment.py",
        "tests/test_store.py",
        "tests/test_store_damage.py",
        "tests/test_store_repair.py",
    ],  # not test_store_crash.py: its kill loop costs 25 s per mutant
    "store._keys": [
        "tests/test_store_keys.py",
        "tests/test_store_index.py",
        "tests/test_store_ids.py",
    ],
    "store._layout": [
        "tests/test_store_layout.py",
        "tests/test_store.py",
        "tests/test_store_damage.py",
        "tests/test_store_faults.py",
    ],
    "proofs._merkle": ["tests/test_proofs_merkle.py"],
    "proofs._leaf": ["tests/test_proofs_leaf.py"],
    "proofs._note": ["tests/test_proofs_note.py"],
    "proofs._checkpoint": ["tests/test_proofs_note.py", "tests/test_proofs_check_log.py"],
    "history._engine": ["tests/test_history_engine.py", "tests/test_history_diff.py"],
    "history._jsonshape": ["tests/test_history_jsonshape.py", "tests/test_history_diff.py"],
    "similarity._minhash": ["tests/test_similarity_minhash.py"],
    "similarity._shingle": ["tests/test_similarity_shingle.py"],
    "similarity._normalize": ["tests/test_similarity_normalize.py"],
}
#: tests/conftest.py empties the validation caches before each test when this is set:
#: mutmut forks its mutant runs from a process whose caches are full (see there).
_ENV = {**os.environ, "NEWSARCHIVE_MUTATION": "1"}
_SKIP = shutil.ignore_patterns(
    ".git", ".venv", "mutants", "__pycache__", ".mypy_cache", ".ruff_cache", ".hypothesis", "bench"
)


def _config(module: str, tests: list[str]) -> str:
    lines = [
        "",
        "[tool.mutmut]",
        'source_paths = ["src"]',
        f'only_mutate = ["src/newsarchive/{module.replace(".", "/")}.py"]',
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]',
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        # what the whole suite reads besides tests/ and src/ (docs link to bench/README.md)
        'also_copy = ["schemas", "examples", "docs", "README.md", "CHANGELOG.md", "bench"]',
        "use_git_change_detection = false",
        "",
    ]
    return "\n".join(lines)


def _results(copy: Path, *, every: bool = False) -> str:
    return subprocess.run(
        [MUTMUT, "results", *(["--all", "true"] if every else [])],
        cwd=copy,
        check=False,
        capture_output=True,
        text=True,
    ).stdout


def _patterns(module: str, functions: list[str]) -> list[str]:
    """mutmut's names of the mutants of these functions (`Class.method` for a method)."""
    out = []
    for function in functions:
        owner, _, method = function.rpartition(".")
        name = f"x\u01c1{owner}\u01c1{method}" if owner else f"x_{function}"
        out.append(f"newsarchive.{module}.{name}__mutmut_*")
    return out


def _selected_stats(copy: Path, patterns: list[str]) -> dict[str, int]:
    """The statuses of the mutants named by `patterns`, counted as export-cicd-stats does."""
    stats = dict.fromkeys(("killed", "survived", "total", "no_tests", "skipped", "timeout"), 0)
    for line in _results(copy, every=True).splitlines():
        name, _, status = line.strip().rpartition(": ")
        if any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
            key = status.replace(" ", "_")
            stats[key] = stats.get(key, 0) + 1
            stats["total"] += 1
    return stats


def mutate(module: str, tests: list[str], keep: bool, functions: list[str]) -> dict[str, int]:
    work = Path(tempfile.mkdtemp(prefix=f"mutmut-{module}-"))
    copy = work / "project"
    shutil.copytree(ROOT, copy, ignore=_SKIP, symlinks=True)
    (copy / "bench").mkdir()
    shutil.copy2(ROOT / "bench" / "README.md", copy / "bench" / "README.md")
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + _config(module, tests))
    patterns = _patterns(module, functions)
    if patterns:  # mutmut runs named mutants again on every run: one run
        subprocess.run(
            [MUTMUT, "run", "--max-children", "1", *patterns], cwd=copy, env=_ENV, check=False
        )
        stats = _selected_stats(copy, patterns)
    else:
        for _ in range(3):  # a run can stop early (seen under heavy load): it resumes
            subprocess.run([MUTMUT, "run", "--max-children", "1"], cwd=copy, env=_ENV, check=False)
            subprocess.run(
                [MUTMUT, "export-cicd-stats"], cwd=copy, check=False, capture_output=True
            )
            stats_file = copy / "mutants" / "mutmut-cicd-stats.json"
            if stats_file.exists() and "not checked" not in _results(copy):
                break
        stats = json.loads((copy / "mutants" / "mutmut-cicd-stats.json").read_text())
    survivors = "".join(
        line + "\n"
        for line in _results(copy).splitlines()
        if not patterns or "not checked" not in line
    )
    tested = stats["total"] - stats.get("skipped", 0)
    score = 100 * (stats["killed"] + stats.get("timeout", 0)) / max(tested, 1)
    sys.stdout.write(f"\n== {module}: {json.dumps(stats)}\n== {module}: score {score:.1f}%\n")
    sys.stdout.write(survivors)
    sys.stdout.write(f"== {module}: work directory {copy}\n")
    if not keep:
        shutil.rmtree(work)
    return dict(stats)


def recheck(copy: Path, tests: list[str], timeout: float = 30) -> None:
    """Run the survivors of a kept copy again, against this checkout's tests as they are now.

    Survivors include the mutants that no test reached ("no tests"). A mutant
    whose tests run past `timeout` seconds (a loop that never ends) counts as
    killed, as mutmut counts a timeout.

    For a survivor killed by a test written since: each runs in one pytest
    process with the mutant switched on (mutmut's MUTANT_UNDER_TEST), so a
    recheck costs seconds where a new run costs minutes.
    """
    mutants = copy / "mutants"
    shutil.rmtree(mutants / "tests")
    shutil.copytree(ROOT / "tests", mutants / "tests", ignore=_SKIP)
    names = [
        line.split(":")[0].strip()
        for line in _results(copy).splitlines()
        if line.endswith((": survived", ": no tests"))
    ]
    env = {**_ENV, "PYTHONPATH": f"{mutants / 'src'}{os.pathsep}{mutants}"}
    alive = []
    for name in names:
        try:
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                cwd=mutants,
                env={**env, "MUTANT_UNDER_TEST": name},
                check=False,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:  # a mutant that loops: killed by timeout, as in a run
            continue
        if run.returncode == 0:
            alive.append(name)
    sys.stdout.write(f"{len(names) - len(alive)} of {len(names)} survivors now killed\n")
    sys.stdout.write("".join(f"    {name}: survived\n" for name in alive))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tests/mutation.py")
    parser.add_argument("modules", nargs="*", default=list(CONTRACT), metavar="MODULE")
    parser.add_argument(
        "--tests", nargs="*", default=None, metavar="FILE", help="default: the module's own"
    )
    parser.add_argument(
        "--whole-suite", action="store_true", help="every test that reaches the mutant"
    )
    parser.add_argument("--keep", action="store_true", help="keep the copy (mutmut show NAME)")
    parser.add_argument(
        "--functions",
        nargs="*",
        default=[],
        metavar="NAME",
        help="only the mutants of these functions (Class.method for a method)",
    )
    parser.add_argument(
        "--recheck", type=Path, metavar="COPY", help="a kept copy: run its survivors again"
    )
    args = parser.parse_args(argv)
    if args.recheck is not None:
        # Without the module (or --tests) the whole suite would run against each
        # survivor and pass the timeout, which counts as killed: every survivor
        # "killed", whatever the tests.
        if len(args.modules) != 1 and not args.tests:
            parser.error("--recheck needs the copy's MODULE (or --tests)")
        recheck(args.recheck, args.tests or CONTRACT.get(args.modules[0], ["tests"]))
        return 0
    for module in args.modules:
        if module not in CONTRACT:
            parser.error(f"{module} is not a contract module ({', '.join(CONTRACT)})")
        tests = [] if args.whole_suite else (args.tests or CONTRACT[module])
        mutate(module, tests, args.keep, args.functions)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
