"""The leaf rule: an entry without its content, RFC 8785, hashed with the 0x00 prefix."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from newsarchive import ArchivedArticle
from newsarchive._json import canonical_dumps
from newsarchive.errors import ProofError
from newsarchive.jsonl import dumps_line
from newsarchive.proofs import entry_leaf_hash, leaf_bytes, line_leaf_hash

RECORD = ArchivedArticle.create(
    url="https://news.example/a", content="Text ✓\n", retrieved_at="2024-01-01T00:00:00Z"
).to_dict()
BARE = {k: v for k, v in RECORD.items() if k != "content"}
ENTRIES: list[dict[str, Any]] = [
    {"record": RECORD},
    {"blob": {"content": "big" * 10, "digest": "sha256:00", "length": 30}},
    {"content_blob": "sha256:00", "record": BARE},
    {"event": {"record_id": RECORD["id"], "type": "note", "content": "an event's own member"}},
]


def test_content_is_removed_from_records_and_blobs_only() -> None:
    assert leaf_bytes(ENTRIES[0]) == canonical_dumps({"record": BARE})
    assert leaf_bytes(ENTRIES[1]) == canonical_dumps(
        {"blob": {"digest": "sha256:00", "length": 30}}
    )
    assert leaf_bytes(ENTRIES[2]) == canonical_dumps(ENTRIES[2])
    assert leaf_bytes(ENTRIES[3]) == canonical_dumps(ENTRIES[3])  # events keep every member
    assert "content" in ENTRIES[0]["record"]  # the caller's entry is not changed


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: next(iter(e)))
def test_leaf_hash_is_sha256_of_0x00_and_the_leaf(entry: dict[str, Any]) -> None:
    want = hashlib.sha256(b"\x00" + leaf_bytes(entry)).digest()
    assert entry_leaf_hash(entry) == want
    assert line_leaf_hash(dumps_line(entry)) == want


def test_commit_lines_are_not_leaves() -> None:
    commit = {"commit": {"entries": 1, "seq": 1, "sha256": "00"}}
    assert line_leaf_hash(dumps_line(commit)) is None
    with pytest.raises(ProofError, match="commit lines") as caught:
        leaf_bytes(commit)
    assert caught.value.code == "not-a-leaf"
    for line in (b"[1]\n", b'"record"', b"null\n"):
        with pytest.raises(ProofError, match="JSON object") as caught:
            line_leaf_hash(line)
        assert caught.value.code == "not-a-leaf"
