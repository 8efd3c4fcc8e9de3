"""The store's near-duplicate index `similar.sqlite`: taken in on write, rebuilt, verified."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from newsarchive.errors import StoreCorrupted
from newsarchive.similarity import SimilarityIndex, sign
from newsarchive.similarity._storeindex import POSITION, SimilarStoreIndex, record_texts
from newsarchive.store import Store
from newsarchive.store._segment import BLOB_THRESHOLD, Entry
from tests.similar_corpus import START, paragraphs, record
from tests.store_driver import make_record

if TYPE_CHECKING:
    from pathlib import Path


def _add(store: Store, records: list[dict[str, Any]]) -> None:
    """Add, then bring the index up to date as the first query after a write does."""
    store.add([(r, False) for r in records])
    store.derived("similar")


def _index(root: Path) -> SimilarityIndex:
    return SimilarityIndex(root / "similar.sqlite")


def _verify(store: Store) -> list[tuple[str, str, str | None]]:
    report = store.verify(jobs=1, record_event=False)
    return [(f.severity, f.code, f.record_id) for f in report.findings]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    found = Store.init(tmp_path / "s")
    _add(found, [make_record(i) for i in range(6)])
    _add(found, [make_record(i) for i in range(6, 9)])
    return found


def test_every_record_is_indexed_under_its_id_with_its_content(store: Store) -> None:
    with store, _index(store.root) as index:
        assert index.meta(POSITION) == "2"
        assert sorted(index.keys()) == sorted(store.find())
        for record_id in store.find():
            content = store.get(record_id)["content"]
            assert index.get(record_id) == sign(content)
        blob = make_record(3)  # every 40th record's content is a blob
        assert blob["content_length"] > BLOB_THRESHOLD
        assert index.get(blob["id"]) == sign(blob["content"])


def test_a_blob_stored_in_an_earlier_batch_is_read_back(tmp_path: Path) -> None:
    big = " ".join(paragraphs(random.Random(1), count=2000))
    first = record("https://a.example/1", big, START)
    again = record("https://b.example/2", big, START + timedelta(hours=1))
    with Store.init(tmp_path / "s") as store:
        _add(store, [first])
        _add(store, [again])  # its content is the blob of the first batch
        with _index(store.root) as index:
            assert index.get(again["id"]) == sign(big)
        assert store.similar(first["id"]).copies[0].key == again["id"]
        store.reindex()  # lets go of what it read the blob through, and reads it again
        with _index(store.root) as index:
            assert index.get(again["id"]) == sign(big)
        assert _verify(store) == []


def test_a_damaged_blob_is_indexed_as_empty_and_left_to_the_audit(tmp_path: Path) -> None:
    big = " ".join(paragraphs(random.Random(1), count=2000))
    first = record("https://a.example/1", big, START)
    again = record("https://b.example/2", big, START + timedelta(hours=1))
    with Store.init(tmp_path / "s") as store:
        _add(store, [first])
    segment = tmp_path / "s" / "segments" / "00000001.jsonl"
    data = bytearray(segment.read_bytes())
    data[1000] ^= 1  # inside the blob's content
    segment.write_bytes(bytes(data))
    with Store(tmp_path / "s") as store:
        _add(store, [again])
        with _index(store.root) as index:
            assert index.get(again["id"]) == sign("")
        codes = {c for _, c, _ in _verify(store)}
        assert "damaged" in codes
        assert not any(c.startswith("similar") for c in codes)


def test_record_texts_of_a_batch() -> None:
    def entry(kind: str, value: dict[str, Any]) -> Entry:
        return Entry(kind, value, 0, b"")

    entries = [
        entry("blob", {"blob": {"content": "big text", "digest": "d1", "length": 8}}),
        entry("record", {"content_blob": "d1", "record": {"id": "a"}}),
        entry("record", {"content_blob": "d2", "record": {"id": "b"}}),
        entry("record", {"content_blob": "d3", "record": {"id": "c"}}),
        entry("record", {"record": {"id": "d", "content": "small"}}),
        entry("record", {"record": {"id": "e"}}),  # no content
        entry("record", {"record": {"content": "no id"}}),
        entry("event", {"event": {"record_id": "a"}}),
    ]
    earlier = {"d2": "from before"}
    assert record_texts(entries, earlier.get) == [
        ("a", "big text"),
        ("b", "from before"),
        ("c", ""),  # unreadable: the empty text
        ("d", "small"),
        ("e", ""),
    ]


def test_a_lost_index_is_rebuilt_by_the_first_query(store: Store) -> None:
    store.close()
    for path in store.root.glob("similar.sqlite*"):
        path.unlink()
    with Store(store.root) as reopened:
        assert _verify(reopened) == []  # lagging, even all the way, is no finding
        found = reopened.similar(make_record(0)["id"])
        assert found.copies  # the generated bodies share most of their words
        assert _verify(reopened) == []


def test_a_damaged_file_is_reported_then_replaced_by_the_next_writer(store: Store) -> None:
    store.close()
    for path in store.root.glob("similar.sqlite*"):
        path.unlink()
    (store.root / "similar.sqlite").write_bytes(b"not a database at all" * 100)
    with Store(store.root) as reopened:
        assert [c for _, c, _ in _verify(reopened)] == ["similar-corrupt"]
        _add(reopened, [make_record(20)])
        assert _verify(reopened) == []
        with _index(reopened.root) as index:
            assert len(index) == 10


def test_an_index_of_other_parameters_is_rebuilt(store: Store) -> None:
    from newsarchive.similarity import MinHashParams

    store.close()
    for path in store.root.glob("similar.sqlite*"):
        path.unlink()
    with SimilarityIndex(store.root / "similar.sqlite", params=MinHashParams(num_perm=64)):
        pass
    with Store(store.root) as reopened:
        assert [c for _, c, _ in _verify(reopened)] == ["similar-corrupt"]
        reopened.similar(make_record(1)["id"])
        assert _verify(reopened) == []


def test_verify_names_missing_extra_and_stale_records(store: Store) -> None:
    ids = sorted(store.find())
    with _index(store.root) as index:
        index.remove(ids[0])
        index.add("f" * 64, "a record the store does not have")
        index.add(ids[1], "another text than its content")
    found = _verify(store)
    assert sorted(found) == sorted(
        [
            ("failure", "similar-mismatch", ids[0]),
            ("failure", "similar-mismatch", "f" * 64),
            ("failure", "similar-mismatch", ids[1]),
        ]
    )
    store.reindex()
    assert _verify(store) == []


def test_many_mismatches_are_counted_past_the_first_ten(store: Store) -> None:
    with _index(store.root) as index:
        index.add_many((f"{i:064x}", "x") for i in range(25))
    found = store.verify(jobs=1, record_event=False).findings
    assert len(found) == 11
    assert found[-1].message.endswith("15 more like it")


def test_verify_finds_bucket_damage(store: Store) -> None:
    store.close()
    with sqlite3.connect(store.root / "similar.sqlite") as conn:
        conn.execute("DELETE FROM buckets WHERE doc = (SELECT min(doc) FROM buckets)")
    conn.close()
    assert {c for _, c, _ in _verify(store)} == {"similar-corrupt"}


def test_it_is_checked_up_to_its_position_and_ahead_is_a_note(store: Store) -> None:
    with _index(store.root) as index:
        index.add_many([], meta={POSITION: "1"})
    # Batch 2's records are indexed though the position says 1: they are extra.
    assert [(s, c) for s, c, _ in _verify(store)] == [("failure", "similar-mismatch")] * 3
    with _index(store.root) as index:
        index.add_many([], meta={POSITION: "7"})
    assert [(s, c) for s, c, _ in _verify(store)] == [("note", "similar-ahead")]


def test_an_empty_store_has_nothing_to_report(tmp_path: Path) -> None:
    with Store.init(tmp_path / "s") as store:
        assert _verify(store) == []


def test_a_symlink_in_its_place_is_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.sqlite"
    target.write_bytes(b"")
    with Store.init(tmp_path / "s") as store:
        (store.root / "similar.sqlite").symlink_to(target)
        with pytest.raises(StoreCorrupted, match="near-duplicate index"):
            _add(store, [make_record(0)])
        assert not any(c.startswith("similar") for _, c, _ in _verify(store))
    assert target.read_bytes() == b""


def test_damage_in_the_segments_is_reported_once_not_as_extra_records(store: Store) -> None:
    store.close()
    segment = store.root / "segments" / "00000001.jsonl"
    data = bytearray(segment.read_bytes())
    data[40] ^= 1  # inside batch 1: the walk from the segments stops there
    segment.write_bytes(bytes(data))
    codes = {c for _, c, _ in _verify(store)}
    assert "damaged" in codes
    assert not any(c.startswith("similar") for c in codes)
    derived = SimilarStoreIndex(store.root)
    try:
        assert derived.position() == 2
    finally:
        derived.close()


def test_a_lost_segment_is_the_audit_s_finding_not_the_index_s(store: Store) -> None:
    # Found in the suite: the walk from the segments raised FileNotFoundError (exit 2).
    store.close()
    (store.root / "segments" / "00000001.jsonl").unlink()
    codes = {c for _, c, _ in _verify(store)}
    assert "missing-segment" in codes
    assert not any(c.startswith("similar") for c in codes)


def test_the_writer_has_the_store_index_s_page_cache(store: Store) -> None:
    derived = SimilarStoreIndex(store.root)
    try:
        assert derived.index._db.execute("PRAGMA cache_size").fetchone() == (-65536,)
    finally:
        derived.close()
    with _index(store.root) as index:  # the library's default
        assert index._db.execute("PRAGMA cache_size").fetchone() == (-16384,)


def test_a_busy_index_is_never_deleted_as_if_damaged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.similarity import SimilarityError

    def busy(self: SimilarStoreIndex) -> SimilarityIndex:
        raise SimilarityError("not a similarity index (database is locked)", code="bad-index")

    monkeypatch.setattr(SimilarStoreIndex, "_open", busy)
    before = (store.root / "similar.sqlite").read_bytes()
    derived = SimilarStoreIndex(store.root)
    with pytest.raises(SimilarityError, match="locked"):
        derived.position()
    assert (store.root / "similar.sqlite").read_bytes() == before
