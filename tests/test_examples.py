"""Every script under examples/ runs here and shows what it claims."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.test_cli import cli

EXAMPLES = Path(__file__).parent.parent / "examples"
#: The scripts this file runs; a new example must be added here (and tested below, or in
#: the test file named beside it).
COVERED = {
    "archive_examples.py",
    "check_segments.py",
    "check_log.py",  # tests/test_proofs_check_log.py
}


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_every_example_is_run_here() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == COVERED


def test_archive_examples_catches_the_edit(tmp_path: Path) -> None:
    done = _run("archive_examples.py", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert sum(line.endswith("copy: exact") for line in lines) == 3
    assert "wrote 3 records" in done.stdout
    edit = next(line for line in lines if line.startswith("after a one-character edit:"))
    # The edit is caught by validation: the digest and the id no longer match.
    assert "/content_digest content-digest-mismatch" in edit
    assert "/id id-mismatch" in edit
    assert "verify the edited copy: mismatch" in lines
    assert (tmp_path / "examples.jsonl").read_bytes().count(b"\n") == 3


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "st"
    imported = DATA / "import"
    code, _, err = cli(
        "import", "--store", str(path), str(imported / "ferry.txt"), str(imported / "records.jsonl")
    )
    assert code == 0, err
    return path


def test_check_segments_passes_a_good_store(store: Path) -> None:
    done = _run("check_segments.py", str(store))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip().endswith("3 records; 0 bad batches")


def test_check_segments_finds_a_changed_byte(store: Path) -> None:
    (segment,) = (store / "segments").glob("*.jsonl")
    data = segment.read_bytes()
    segment.write_bytes(data.replace(b"ferry", b"ferrY", 1))
    done = _run("check_segments.py", str(store))
    assert done.returncode == 1
    assert "does NOT match its commit" in done.stdout


@pytest.mark.parametrize("args", [(), ("a", "b")])
def test_check_segments_without_one_argument_is_a_usage_error(args: tuple[str, ...]) -> None:
    done = _run("check_segments.py", *args)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: ")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["nosuch", "empty"])
def test_check_segments_refuses_what_is_not_a_store(tmp_path: Path, name: str) -> None:
    (tmp_path / "empty").mkdir()
    done = _run("check_segments.py", str(tmp_path / name))
    assert (done.returncode, done.stdout) == (2, "")
    assert "is not a store" in done.stderr
    assert "Traceback" not in done.stderr
