"""The leaf rule: an entry without its content, RFC 8785, hashed with the 0x00 prefix."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle
from newsarchive._json import canonical_dumps
from newsarchive.errors import ProofError
from newsarchive.jsonl import dumps_line
from newsarchive.proofs import entry_leaf_hash, leaf_bytes, line_leaf_hash
from newsarchive.proofs._leaf import canonical_line_leaf_hash
from tests import strategies

RECORD = ArchivedArticle.create(
    url="https://news.example/a", content="Text ✓\n", retrieved_at="2024-01-01T00:00:00Z"
).to_dict()
BARE = {k: v for k, v in RECORD.items() if k != "content"}
ENTRIES: list[dict[str, Any]] = [
    {"record": RECORD},
    {"blob": {"content": "big" * 10, "digest": "sha256:00", "length": 30}},
    {"content_blob": "sha256:00", "record": BARE},
    {"event": {"record_id": RECORD["id"], "type": "note", "content": "an event's own member"}},
    {"evidence": {"content": "<html>…</html>", "digest": "sha256:01", "record_id": RECORD["id"]}},
]


def test_content_is_removed_from_records_blobs_and_evidence_only() -> None:
    assert leaf_bytes(ENTRIES[0]) == canonical_dumps({"record": BARE})
    assert leaf_bytes(ENTRIES[1]) == canonical_dumps(
        {"blob": {"digest": "sha256:00", "length": 30}}
    )
    assert leaf_bytes(ENTRIES[2]) == canonical_dumps(ENTRIES[2])
    assert leaf_bytes(ENTRIES[3]) == canonical_dumps(ENTRIES[3])  # events keep every member
    assert leaf_bytes(ENTRIES[4]) == canonical_dumps(
        {"evidence": {"digest": "sha256:01", "record_id": RECORD["id"]}}
    )
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


@given(strategies.records(), st.booleans())
def test_the_writers_shortcut_gives_the_leaf_of_the_rule(
    record: ArchivedArticle, blob: bool
) -> None:
    value = record.to_dict()
    entries: list[dict[str, Any]] = [{"record": value}, {"event": {"record_id": value["id"]}}]
    if blob:
        bare = {k: v for k, v in value.items() if k != "content"}
        digest, content = value["content_digest"], value["content"]
        entries = [
            {"blob": {"content": content, "digest": digest, "length": len(content)}},
            {"content_blob": digest, "record": bare},
        ]
    for entry in entries:
        line = dumps_line(entry)
        kind = "record" if "content_blob" in entry else next(iter(entry))
        assert canonical_line_leaf_hash(kind, entry, line) == entry_leaf_hash(entry)


def test_the_writers_shortcut_declines_what_it_does_not_know() -> None:
    evidence = {"evidence": {"content": "x", "digest": "sha256:01"}}
    assert canonical_line_leaf_hash("evidence", evidence, dumps_line(evidence)) is None
    bare = {k: v for k, v in RECORD.items() if k != "content"}
    assert (
        canonical_line_leaf_hash("record", {"record": bare}, dumps_line({"record": bare})) is None
    )
    tricky = dict(RECORD, content='a "quoted" \\ text,"content":"x",')
    assert canonical_line_leaf_hash(
        "record", {"record": tricky}, dumps_line({"record": tricky})
    ) == entry_leaf_hash({"record": tricky})
    plain = {k: v for k, v in RECORD.items() if k != "canonical_url"}  # content comes first
    assert canonical_line_leaf_hash(
        "record", {"record": plain}, dumps_line({"record": plain})
    ) == entry_leaf_hash({"record": plain})
