"""The store: what goes in comes back exactly, lookups, crash traces, containment."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle
from newsarchive.errors import InvalidRecord, RecordNotFound, StoreCorrupted, StoreError
from newsarchive.store import Store, VerifyReport
from newsarchive.store._layout import MARKER, TEMP_PREFIX
from newsarchive.store._segment import BLOB_THRESHOLD
from tests.store_driver import forget_index, make_record
from tests.strategies import records


def _add(store: Store, records: list[dict[str, Any]]) -> list[str]:
    return list(store.add((r, False) for r in records))


def _recapture(record: dict[str, Any], when: str) -> dict[str, Any]:
    """The same article and content, captured at another time: another id."""
    return ArchivedArticle.create(
        url=record["url"], content=record["content"], retrieved_at=when, tags=record["tags"]
    ).to_dict()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.init(tmp_path / "s")


def _segment(store: Store) -> Path:
    return store.root / "segments" / "00000001.jsonl"


def _audit(store: Store) -> VerifyReport:
    return store.verify(jobs=1, record_event=False)


def _codes(store: Store) -> dict[str, str]:
    return {f.code: f.severity for f in store.verify(jobs=1, record_event=False).findings}


def test_init_is_idempotent_and_refuses_a_foreign_directory(tmp_path: Path) -> None:
    Store.init(tmp_path / "s").close()
    first = (tmp_path / "s" / MARKER).read_bytes()
    Store.init(tmp_path / "s").close()
    assert (tmp_path / "s" / MARKER).read_bytes() == first  # the origin made once is kept
    assert first.startswith(b'{"format":"newsarchive-store","layout":2,"origin":"')
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not empty"):
        Store.init(tmp_path / "other")
    with pytest.raises(StoreError, match="not a newsarchive store"):
        Store(tmp_path / "other")


def test_records_come_back_exactly(store: Store) -> None:
    records = [make_record(i) for i in range(10)]
    assert _add(store, records) == ["stored"] * 10
    for record in records:
        assert store.get(record["id"]) == record
        assert store.content(record["id"]) == record["content"].encode()
    assert len(store) == 10


def test_the_segment_is_plain_json_lines_with_commit_digests(store: Store) -> None:
    import hashlib

    _add(store, [make_record(0), make_record(1)])
    lines = _segment(store).read_bytes().splitlines(keepends=True)
    assert [next(iter(json.loads(line))) for line in lines] == ["record", "record", "commit"]
    commit = json.loads(lines[-1])["commit"]
    assert commit == {
        "entries": 2,
        "seq": 1,
        "sha256": hashlib.sha256(b"".join(lines[:2])).hexdigest(),
    }
    assert json.loads(lines[0])["record"] == make_record(0)


def test_duplicates_by_id_and_by_capture(store: Store) -> None:
    record = make_record(1)
    assert _add(store, [record, record]) == ["stored", "duplicate"]
    assert _add(store, [record]) == ["duplicate"]
    # Same canonical url and content, another retrieval time: a new capture...
    later = _recapture(record, "2025-01-01T00:00:00Z")
    assert list(store.add([(later, True)])) == ["duplicate"]  # ...unless asked to collapse
    assert list(store.add([(later, False)])) == ["stored"]


def test_invalid_records_are_refused_before_anything_is_written(store: Store) -> None:
    good, bad = make_record(0), dict(make_record(1), title="changed after sealing")
    with pytest.raises(InvalidRecord, match="record_digest"):
        _add(store, [good, bad])
    assert len(store) == 0
    assert _segment(store).exists() is False


def test_large_content_is_stored_once_per_digest(store: Store) -> None:
    big = make_record(3)
    assert big["content_length"] > BLOB_THRESHOLD
    twin = _recapture(big, "2025-01-01T00:00:00Z")
    _add(store, [big, twin])
    assert store.stats()["blobs"] == 1
    assert store.get(big["id"]) == big
    assert store.get(twin["id"])["content"] == big["content"]
    kinds = [next(iter(json.loads(x))) for x in _segment(store).read_bytes().splitlines()]
    assert kinds == ["blob", "content_blob", "content_blob", "commit"]  # sorted keys


def test_find_by_url_tag_and_dates(store: Store) -> None:
    records = [make_record(i) for i in range(12)]
    _add(store, records)
    by_url = list(store.find(url="HTTPS://NEWS.example:443/1/story-1#top"))
    assert by_url == [records[1]["id"]]
    tagged = list(store.find(tag="  Batch-2 "))
    assert tagged == [r["id"] for r in records if "batch-2" in r["tags"]]
    window = list(store.find(since="2024-03-01T08:00:02Z", until="2024-03-01T08:00:04Z"))
    assert window == [records[i]["id"] for i in (2, 3, 4)]
    assert list(store.find(content_digest=records[5]["content_digest"])) == [records[5]["id"]]
    with pytest.raises(StoreError, match="RFC 3339"):
        list(store.find(since="yesterday"))


def test_unknown_id(store: Store) -> None:
    with pytest.raises(RecordNotFound):
        store.get("0" * 64)
    assert "0" * 64 not in store


def test_events_are_appended_not_merged(store: Store) -> None:
    record = make_record(0)
    _add(store, [record])
    event = {"type": "correction", "record_id": record["id"], "at": "2025-01-01T00:00:00Z"}
    store.append_event(event)
    assert store.events(record["id"]) == [event]
    assert store.get(record["id"]) == record  # the record itself never changes
    with pytest.raises(RecordNotFound):
        store.append_event({"type": "x", "record_id": "1" * 64})


def test_the_index_is_rebuilt_when_missing_or_damaged(tmp_path: Path) -> None:
    records = [make_record(i) for i in range(5)]
    with Store.init(tmp_path / "s") as store:
        _add(store, records)
    for path in (tmp_path / "s").iterdir():
        if path.name.startswith("index.sqlite"):
            path.unlink()
    with Store(tmp_path / "s") as store:
        assert [store.get(r["id"]) for r in records] == records
    (tmp_path / "s" / "index.sqlite").write_bytes(b"this is not a database" * 100)
    with Store(tmp_path / "s") as store:
        assert len(store) == 5


def test_an_index_of_another_version_is_rebuilt(tmp_path: Path) -> None:
    records = [make_record(i) for i in range(3)]
    with Store.init(tmp_path / "s") as store:
        _add(store, records)
    conn = sqlite3.connect(tmp_path / "s" / "index.sqlite")
    conn.execute("UPDATE meta SET value='2' WHERE key='version'")
    conn.commit()
    conn.close()
    with Store(tmp_path / "s") as store:
        assert [store.get(r["id"]) for r in records] == records
        version = store.index.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        assert version != ("2",)
        assert _codes(store) == {}


def test_a_lagging_index_catches_up(tmp_path: Path) -> None:
    with Store.init(tmp_path / "s") as store:
        _add(store, [make_record(0)])
        _add(store, [make_record(1)])
        # Forget the last batch, as if the process died between fsync and index update.
        conn = sqlite3.connect(store.root / "index.sqlite")
        conn.execute("DELETE FROM records WHERE id=?", (make_record(1)["id"],))
        conn.execute("DELETE FROM tags WHERE record_id=?", (make_record(1)["id"],))
        conn.execute("DELETE FROM entries WHERE offset>0")
        conn.execute("DELETE FROM batches WHERE seq=2")
        row = conn.execute('SELECT "end" FROM batches WHERE seq=1').fetchone()
        conn.execute("UPDATE segments SET indexed=?", (row[0],))
        conn.commit()
        conn.close()
    with Store(tmp_path / "s") as store:
        assert store.get(make_record(1)["id"]) == make_record(1)
        assert _codes(store) == {}


def test_torn_tail_is_a_note_and_the_next_writer_removes_it(store: Store) -> None:
    _add(store, [make_record(0)])
    good = _segment(store).read_bytes()
    with _segment(store).open("ab") as f:
        f.write(b'{"record":{"id":"half-writ')
    assert _codes(store) == {"torn-tail": "note", "index-lags": "note"}
    _add(store, [make_record(1)])
    assert _segment(store).read_bytes().startswith(good)
    assert b"half-writ" not in _segment(store).read_bytes()
    assert _codes(store) == {}


def test_temp_files_are_notes_and_cleaned_up(store: Store) -> None:
    (store.root / f"{TEMP_PREFIX}abc").write_bytes(b"partial")
    assert _codes(store) == {"temp-file": "note"}
    _add(store, [make_record(0)])
    assert not any(p.name.startswith(TEMP_PREFIX) for p in store.root.iterdir())


def test_unknown_files_and_symlinks_are_failures(store: Store, tmp_path: Path) -> None:
    (store.root / "segments" / "stray.txt").write_text("x")
    (tmp_path / "outside").write_text("secret")
    (store.root / "segments" / "00000009.jsonl").symlink_to(tmp_path / "outside")
    findings = {f.where: (f.severity, f.code) for f in _audit(store).findings}
    assert findings["segments/stray.txt"] == ("failure", "unknown-file")
    assert findings["segments/00000009.jsonl"] == ("failure", "symlink")
    with pytest.raises(StoreError, match="symlink"):
        _add(store, [make_record(0)])  # never follows it to write outside the store


def test_a_file_beside_the_store_files_is_a_note(store: Store) -> None:
    # Issue 10: as BagIt allows tag files beside data/, a user's notes at the top
    # of a store are named in the report but fail nothing.
    _add(store, [make_record(0)])
    (store.root / "notes.txt").write_text("fetched for the harbour story")
    (store.root / ".DS_Store").write_bytes(b"\0")
    (store.root / "extra").mkdir()
    report = _audit(store)
    assert report.ok
    notes = {f.where: (f.severity, f.code) for f in report.findings}
    assert notes == dict.fromkeys(("notes.txt", ".DS_Store", "extra"), ("note", "unknown-file"))


def test_unknown_files_where_the_store_keeps_its_data_are_failures(store: Store) -> None:
    # Inside a managed directory, or under one of the store's own names, nothing is the user's.
    _add(store, [make_record(0)])
    (store.root / "segments" / ".DS_Store").write_bytes(b"\0")
    (store.root / "index.sqlite-journal").mkdir()  # a store name, but not a file
    findings = {f.where: (f.severity, f.code) for f in _audit(store).findings}
    assert findings["segments/.DS_Store"] == ("failure", "unknown-file")
    assert findings["index.sqlite-journal"] == ("failure", "unknown-file")


def test_a_symlinked_segments_directory_is_refused(tmp_path: Path) -> None:
    # Refused as damage (reads and writes), never followed; the audit reports it.
    Store.init(tmp_path / "s").close()
    (tmp_path / "s" / "segments").rmdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "s" / "segments").symlink_to(tmp_path / "elsewhere")
    with Store(tmp_path / "s") as store:
        with pytest.raises(StoreCorrupted, match="symlink"):
            list(store.find())
        with pytest.raises(StoreCorrupted, match="symlink"):
            store.add([(make_record(0), False)])
        assert ("failure", "symlink") in {
            (f.severity, f.code) for f in store.verify(jobs=1).findings
        }
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_corruption_is_found_and_never_read_as_data(store: Store) -> None:
    _add(store, [make_record(0), make_record(1)])
    data = bytearray(_segment(store).read_bytes())
    data[100] ^= 0x20
    _segment(store).write_bytes(bytes(data))
    assert _codes(store)["damaged"] == "failure"
    with pytest.raises(StoreCorrupted):
        store.get(make_record(0)["id"])
    # Appending after an indexed, damaged batch is safe; the damage stays reported.
    _add(store, [make_record(2)])
    assert store.get(make_record(2)["id"]) == make_record(2)
    assert _codes(store)["damaged"] == "failure"


def test_unindexed_damage_blocks_writing(store: Store) -> None:
    _add(store, [make_record(0)])
    with _segment(store).open("ab") as f:
        f.write(b'{"commit":{"entries":5,"seq":9,"sha256":"00"}}\n')  # not a crash trace
    with Store(store.root) as again, pytest.raises(StoreCorrupted, match="refused"):
        _add(again, [make_record(1)])


def test_truncation_is_found_through_the_index(store: Store) -> None:
    _add(store, [make_record(0)])
    _add(store, [make_record(1)])
    data = _segment(store).read_bytes()
    # The last commit loses its line feed: a crash could leave that, but the
    # index knew the batch was committed.
    _segment(store).write_bytes(data[:-1])
    assert _codes(store)["index-ahead"] == "failure"
    # Cut inside the last batch: what is left looks torn, but the index knew more.
    _segment(store).write_bytes(data[:-300])
    assert _codes(store)["index-ahead"] == "failure"
    # Cut exactly after the first batch: what is left is whole, but the index knew more.
    first = data.index(b"\n", data.index(b'{"commit"')) + 1
    _segment(store).write_bytes(data[:first])
    assert _codes(store) == {"index-ahead": "failure"}


def test_dangling_events_and_orphan_content_are_failures(store: Store) -> None:
    big = make_record(3)
    _add(store, [big])
    conn = sqlite3.connect(store.root / "index.sqlite")
    conn.execute("UPDATE records SET content_blob=NULL")  # the index no longer points at it
    conn.commit()
    conn.close()
    assert _codes(store)["orphan-content"] == "failure"


def test_stats_report_the_last_full_check(store: Store) -> None:
    _add(store, [make_record(0)])
    assert store.stats()["last_full_check"] is None
    report = store.verify(jobs=1, sample=0.5)
    assert not report.full or report.unchecked_batches == 0
    store.verify(jobs=1)
    stats = store.stats()
    assert stats["records"] == 1
    assert stats["last_full_check"]["outcome"] == "success"
    assert stats["last_full_check"]["detail"]["records"] == 1
    assert stats["last_check"]["full"] is True


def test_segments_check_out_without_newsarchive(store: Store) -> None:
    import subprocess
    import sys

    script = Path(__file__).parents[1] / "examples" / "check_segments.py"
    _add(store, [make_record(i) for i in range(3)])

    def check() -> subprocess.CompletedProcess[str]:
        # -I: isolated mode, so the script cannot lean on newsarchive being importable
        return subprocess.run(
            [sys.executable, "-I", str(script), str(store.root)],
            capture_output=True,
            text=True,
            check=False,
        )

    assert check().stdout == "3 records; 0 bad batches\n"
    data = bytearray(_segment(store).read_bytes())
    data[60] ^= 1
    _segment(store).write_bytes(bytes(data))
    assert check().returncode == 1


def test_an_altered_final_line_feed_is_damage_not_a_tear(store: Store) -> None:
    # Found in review: the last commit line, whole and matching, minus its LF
    # cannot be a crash trace; calling it torn would let the next writer cut
    # off acknowledged records.
    _add(store, [make_record(0)])
    data = bytearray(_segment(store).read_bytes())
    data[-1] = ord(" ")
    _segment(store).write_bytes(bytes(data))
    forget_index(store)  # an index rebuilt without the damaged batch
    assert _codes(store)["damaged"] == "failure"
    with pytest.raises(StoreCorrupted):
        _add(store, [make_record(1)])
    assert _segment(store).read_bytes() == bytes(data)  # nothing was cut off


def test_a_missing_segment_is_not_recreated(store: Store) -> None:
    _add(store, [make_record(0)])
    _segment(store).unlink()
    with Store(store.root) as again, pytest.raises(StoreCorrupted):
        _add(again, [make_record(1)])
    assert _codes(store)["missing-segment"] == "failure"


def test_an_index_row_that_disagrees_is_found_and_not_trusted(store: Store) -> None:
    first, second = make_record(0), make_record(1)
    _add(store, [first, second])
    conn = sqlite3.connect(store.root / "index.sqlite")
    row = conn.execute("SELECT offset, length FROM records WHERE id=?", (second["id"],)).fetchone()
    conn.execute("UPDATE records SET offset=?, length=? WHERE id=?", (*row, first["id"]))
    conn.execute(
        "UPDATE records SET canonical_url='https://elsewhere.example/' WHERE id=?", (second["id"],)
    )
    conn.commit()
    conn.close()
    with Store(store.root) as again:
        with pytest.raises(StoreCorrupted, match="another record"):
            again.get(first["id"])  # never returns the other record
        findings = again.verify(jobs=1, record_event=False).findings
    assert {f.record_id for f in findings if f.code in {"index-mismatch", "duplicate-id"}} == {
        first["id"],
        second["id"],
    }


def _fixity(store: Store) -> Any:
    return store.verify(jobs=1, record_event=False, fixity_only=True)


def test_fixity_only_rehashes_every_batch_and_is_not_a_full_audit(store: Store) -> None:
    _add(store, [make_record(0), make_record(1)])
    _add(store, [make_record(2)])
    report = store.verify(jobs=1, fixity_only=True)
    assert report.ok
    assert (report.batches, report.entries, report.records) == (2, 3, 0)
    assert not report.full
    assert store.stats()["last_full_check"] is None
    store.verify(jobs=1)
    assert store.stats()["last_full_check"] is not None


def test_fixity_only_finds_every_flipped_byte_of_a_segment(store: Store) -> None:
    _add(store, [make_record(0), make_record(1)])
    pristine = _segment(store).read_bytes()
    for where in range(0, len(pristine), 7):
        data = bytearray(pristine)
        data[where] ^= 0x01
        _segment(store).write_bytes(bytes(data))
        assert not _fixity(store).ok, where
    _segment(store).write_bytes(pristine[:-1])
    assert not _fixity(store).ok
    _segment(store).unlink()
    assert "missing-segment" in {f.code for f in _fixity(store).findings}


def test_fixity_only_does_not_revalidate_a_resealed_batch(store: Store) -> None:
    # What it leaves to the full audit: a batch rewritten with its digest recomputed
    # and the index rebuilt from it (the index's copy of the digest catches less).
    _add(store, [make_record(0)])
    entry, commit = _segment(store).read_bytes().splitlines(keepends=True)
    entry = entry.replace(b'"store-driver"', b'"STORE-DRIVER"')  # the agent: same length
    commit = commit.replace(
        json.loads(commit)["commit"]["sha256"].encode(), hashlib.sha256(entry).hexdigest().encode()
    )
    _segment(store).write_bytes(entry + commit)
    assert "index-mismatch" in {f.code for f in _fixity(store).findings}
    with pytest.raises(StoreCorrupted):
        store.reindex()  # the index is the evidence that the batch was changed: kept
    forget_index(store)  # an index rebuilt from the rewritten batch
    assert _fixity(store).ok
    assert _codes(store)["invalid-record"] == "failure"


@given(records(), st.booleans())
def test_entry_lines_are_the_canonical_lines(record: ArchivedArticle, as_blob: bool) -> None:
    from newsarchive.jsonl import dumps_line
    from newsarchive.store._write import entry_line as _entry_line

    d = record.to_dict()
    if as_blob:
        entry = {"blob": {"content": d["content"], "digest": d["content_digest"], "length": 1}}
        assert _entry_line("blob", entry) == dumps_line(entry)
    bare = {k: v for k, v in d.items() if k != "content"}
    for entry in ({"record": d}, {"content_blob": d["content_digest"], "record": bare}):
        assert _entry_line("record", entry) == dumps_line(entry)
    d["content_length"] = float(d["content_length"])  # schema-valid, written as RFC 8785 does
    assert _entry_line("record", {"record": d}) == dumps_line({"record": d})


# -- group commit: the index committed once per several durable batches ----------------


def _indexed_ids(store: Store) -> set[str]:
    """What another reader of the index sees (its last committed state)."""
    conn = sqlite3.connect(f"file:{store.root / 'index.sqlite'}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM records")}
    finally:
        conn.close()


def test_a_group_commits_the_index_once_per_group_and_every_batch_is_durable(
    store: Store,
) -> None:
    records = [make_record(i) for i in range(7)]
    with store.group_commit(3):
        for i, record in enumerate(records):
            assert _add(store, [record]) == ["stored"]
            # Durable at once: the segment holds the batch before `add` returns.
            assert record["id"].encode() in _segment(store).read_bytes()
            committed = {r["id"] for r in records[: (i + 1) // 3 * 3]}
            assert _indexed_ids(store) == committed
            assert record["id"] in store  # the writer sees its own open transaction
    assert _indexed_ids(store) == {r["id"] for r in records}
    assert _codes(store) == {}


def test_duplicates_are_found_across_the_uncommitted_batches_of_a_group(store: Store) -> None:
    first, other = make_record(0), make_record(1)
    with store.group_commit(10):
        assert _add(store, [first]) == ["stored"]
        assert list(store.add([(_recapture(first, "2025-02-02T00:00:00Z"), True)])) == ["duplicate"]
        assert _add(store, [first, other]) == ["duplicate", "stored"]
    assert len(store) == 2


def test_a_group_left_by_an_error_leaves_a_lagging_index_that_catches_up(tmp_path: Path) -> None:
    records = [make_record(i) for i in range(5)]
    store = Store.init(tmp_path / "s")

    def interrupted() -> None:
        with store.group_commit(10):
            for record in records:
                _add(store, [record])
            raise RuntimeError  # e.g. an interrupted import: none of the index was committed

    with pytest.raises(RuntimeError):
        interrupted()
    assert _indexed_ids(store) == set()
    store.close()
    with Store(tmp_path / "s") as again:  # opening catches the index up from the segments
        assert [again.get(r["id"]) for r in records] == records
        assert _codes(again) == {}


def test_writing_an_event_inside_a_group_does_not_wait_for_its_own_lock(store: Store) -> None:
    record = make_record(0)
    with store.group_commit(10):
        _add(store, [record])
        event = {"type": "note", "record_id": record["id"], "at": "2025-01-01T00:00:00Z"}
        store.append_event(event)  # ends the group's part first (lock and transaction)
        _add(store, [make_record(1)])
    assert store.events(record["id"]) == [event]
    assert _codes(store) == {}
