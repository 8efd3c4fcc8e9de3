"""examples/check_log.py (standard library only) agrees with the library's leaves and root."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from newsarchive.jsonl import dumps_line
from newsarchive.proofs import entry_leaf_hash, root_of
from tests.strategies import event_objects

SCRIPT = Path(__file__).parents[1] / "examples" / "check_log.py"

ENTRIES: list[dict[str, Any]] = [
    {"record": {"id": "a", "title": 'Ünïcode \u2028 \x1f "q" \\', "content": "x\ny", "n": 3}},
    {"blob": {"content": "big" * 100, "digest": "sha256:00", "length": 300}},
    {"content_blob": "sha256:00", "record": {"id": "b", "tags": ["€", "😀"], "ok": True}},
    {"event": {"\ue000": 1, "\U0001f600": 2, "a": None}},  # UTF-16 order: astral before U+E000
    {"event": {"record_id": None, "type": "note", "text": "\t"}},
]


def _run(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=False
    )


def test_script_matches_the_library(tmp_path: Path) -> None:
    path = tmp_path / "entries.jsonl"
    commit = {"commit": {"entries": 5, "seq": 1, "sha256": "00" * 32}}
    path.write_bytes(b"".join(dumps_line(e) for e in [*ENTRIES, commit]))
    result = _run(path)
    assert result.returncode == 0, result.stderr
    want = root_of(entry_leaf_hash(e) for e in ENTRIES)
    assert result.stdout == f"5\n{base64.b64encode(want).decode()}\n"


def test_script_refuses_fractions(tmp_path: Path) -> None:
    path = tmp_path / "entries.jsonl"
    path.write_text('{"event": {"score": 1.5}}\n')
    result = _run(path)
    assert result.returncode == 2
    assert "non-integer number" in result.stderr


def test_empty_log(tmp_path: Path) -> None:
    path = tmp_path / "entries.jsonl"
    path.write_text("")
    assert _run(path).stdout == "0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"


@given(st.lists(event_objects, max_size=5))
def test_leaf_rule_agrees_on_any_text(events: list[dict[str, object]]) -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import check_log
    finally:
        sys.path.remove(str(SCRIPT.parent))
    for event in events:
        assert check_log.leaf({"event": dict(event)}) == entry_leaf_hash({"event": event})
