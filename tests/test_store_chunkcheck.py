"""The per-chunk audit: index rows read through indexes by place, chunk bytes read whole."""

from __future__ import annotations

import shutil
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from newsarchive.store import Store, _chunkcheck, _verify
from newsarchive.store._chunkcheck import BLOB_REFERENCED, CHUNK_QUERIES, Chunk
from tests.store_driver import make_record

if TYPE_CHECKING:
    from pathlib import Path

    from newsarchive.store import VerifyReport

# The indexes by place (version 4; tags' since 6); without them each chunk scanned whole tables.
_PLACE_INDEXES = (
    "records_place",
    "records_blob",
    "tags_place",
    "blobs_place",
    "events_place",
    "batches_place",
)


def _filled(tmp_path: Path) -> Store:
    """A store of several batches with records, tags, a blob and events."""
    store = Store.init(tmp_path / "s")
    for first in range(0, 12, 2):
        records = [make_record(first), make_record(first + 1)]  # record 3 is a blob
        list(store.add((r, False) for r in records))
        event = {"type": "note", "record_id": records[0]["id"], "at": "2025-01-01T00:00:00Z"}
        store.append_event(event)
    return store


def _chunks(store: Store) -> list[Chunk]:
    conn = sqlite3.connect(store.root / "index.sqlite")
    try:
        return list(_verify._chunks(store.root, conn, ["00000001.jsonl"]))
    finally:
        conn.close()


def test_each_per_chunk_query_is_answered_through_an_index(tmp_path: Path) -> None:
    store = _filled(tmp_path)
    conn = sqlite3.connect(store.root / "index.sqlite")
    # (The index is never ANALYZEd: without statistics SQLite prefers an index
    # over a scan, as it should for a store of any size.)
    queries: list[tuple[str, tuple[Any, ...]]] = [
        (sql, ("00000001.jsonl", 0, 10**9)) for sql in CHUNK_QUERIES.values()
    ]
    queries.append((BLOB_REFERENCED, ("sha256:00",)))
    for sql, params in queries:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        assert plan, sql
        assert not [step for step in plan if step.startswith("SCAN")], (sql, plan)
        assert all("USING" in step for step in plan if step.startswith("SEARCH")), (sql, plan)
    conn.close()


def _rows(conn: sqlite3.Connection, chunk: Chunk) -> dict[str, list[Any]]:
    span = (chunk.segment, chunk.start, chunk.stop)
    return {
        name: sorted(conn.execute(sql, span).fetchall(), key=repr)
        for name, sql in CHUNK_QUERIES.items()
    }


def test_the_rows_of_each_chunk_are_those_a_whole_table_scan_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _filled(tmp_path)
    store.close()
    monkeypatch.setattr(_verify, "_CHUNK_BYTES", 5_000)  # many chunks
    scanned = tmp_path / "scanned.sqlite"
    shutil.copy(store.root / "index.sqlite", scanned)
    plain = sqlite3.connect(scanned)
    for name in _PLACE_INDEXES:
        plain.execute(f"DROP INDEX {name}")
    indexed = sqlite3.connect(store.root / "index.sqlite")
    chunks = _chunks(store)
    assert len(chunks) > 3
    total = 0
    for chunk in chunks:
        expected = _rows(plain, chunk)
        assert _rows(indexed, chunk) == expected
        total += len(expected["records"])
    assert total == 12
    for digest in [make_record(3)["content_digest"], "sha256:00"]:
        assert (
            indexed.execute(BLOB_REFERENCED, (digest,)).fetchall()
            == plain.execute(BLOB_REFERENCED, (digest,)).fetchall()
        )
    plain.close()
    indexed.close()


def _damage(store: Store, how: str) -> None:
    path = store.root / "segments" / "00000001.jsonl"
    data = bytearray(path.read_bytes())
    if how == "flip":
        data[len(data) // 3] ^= 0x20
    elif how == "cut":
        del data[len(data) // 2 : len(data) // 2 + 500]
    elif how == "torn":
        data += b'{"record":{"id":'
    elif how == "garbage":
        data[len(data) // 2 : len(data) // 2] = b"not json\n"
    elif how == "index":
        conn = sqlite3.connect(store.root / "index.sqlite")
        conn.execute("UPDATE records SET canonical_url='x' WHERE rowid=2")
        conn.execute("DELETE FROM tags WHERE rowid=3")
        conn.execute("UPDATE entries SET line_sha256='0' WHERE rowid=5")
        conn.commit()
        conn.close()
    path.write_bytes(bytes(data))


def _audit(store: Store, sample: float) -> VerifyReport:
    return _verify.verify_store(store.root, jobs=1, sample=sample, seed=7)


@pytest.mark.parametrize("how", ["clean", "flip", "cut", "torn", "garbage", "index"])
@pytest.mark.parametrize("sample", [1.0, 0.5])
def test_reading_a_chunk_whole_finds_what_streaming_it_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, sample: float
) -> None:
    store = _filled(tmp_path)
    store.close()
    monkeypatch.setattr(_verify, "_CHUNK_BYTES", 5_000)
    _damage(store, how)
    store = Store(store.root)  # opening catches the index up, as an audit finds it
    whole = _audit(store, sample)
    monkeypatch.setattr(_chunkcheck, "PREAD_MAX", 0)  # every chunk streamed, as before
    streamed = _audit(store, sample)
    store.close()
    assert whole.to_dict() == streamed.to_dict()
    assert (how in ("clean", "torn")) == whole.ok  # a torn tail is a crash's trace: a note
    assert (how == "clean") == (not whole.findings)


def test_a_version_3_index_is_rebuilt_with_the_indexes_by_place(tmp_path: Path) -> None:
    store = _filled(tmp_path)
    store.close()
    conn = sqlite3.connect(store.root / "index.sqlite")
    for name in _PLACE_INDEXES:  # what a version-3 index lacks
        conn.execute(f"DROP INDEX {name}")
    conn.execute("UPDATE meta SET value='3' WHERE key='version'")
    conn.commit()
    conn.close()
    with Store(store.root) as again:
        names = {row[0] for row in again.index.execute("SELECT name FROM sqlite_master")}
        assert set(_PLACE_INDEXES) <= names
        version = again.index.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        assert version == ("7",)  # the current version
        assert len(again) == 12
        assert _verify.verify_store(again.root, jobs=1).ok


def test_a_version_5_index_is_rebuilt_with_tags_found_by_place(tmp_path: Path) -> None:
    store = _filled(tmp_path)
    store.close()
    conn = sqlite3.connect(store.root / "index.sqlite")
    conn.executescript(  # the tags of version 5: by record id, without places
        "DROP TABLE tags; CREATE TABLE tags (record_id TEXT NOT NULL, tag TEXT NOT NULL);"
        "CREATE INDEX tags_tag ON tags (tag); CREATE INDEX tags_record ON tags (record_id);"
        "UPDATE meta SET value='5' WHERE key='version';"
    )
    conn.close()
    with Store(store.root) as again:
        names = {row[0] for row in again.index.execute("SELECT name FROM sqlite_master")}
        assert "tags_place" in names
        assert "tags_record" not in names
        tagged = again.index.execute("SELECT count(*) FROM tags WHERE segment IS NOT NULL")
        assert tagged.fetchone()[0] > 0
        assert len(list(again.find(tag="harbour"))) == 12
        assert _verify.verify_store(again.root, jobs=1).ok


def test_the_audit_opens_the_index_of_a_store_whose_path_holds_uri_characters(
    tmp_path: Path,
) -> None:
    # The index is opened by URI (read-only): '?', '#' and '%' in the path must not cut it.
    store = Store.init(tmp_path / "odd?name#with%20")
    store.add([(make_record(0), False)])
    report = store.verify(jobs=2, record_event=False)
    assert report.ok, report.findings
    assert report.records == 1
    store.close()
