"""`store repair --from`: byte-identical restores from a replica, and nothing else."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newsarchive.errors import StoreCorrupted
from newsarchive.store import Store
from tests.store_driver import forget_index, make_record

SEGMENT = Path("segments") / "00000001.jsonl"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Store, Store, list[dict[str, Any]]]:
    records = [make_record(i, size=500) for i in range(8)] + [make_record(3)]
    with Store.init(tmp_path / "main") as store:
        store.add((r, False) for r in records[:4])
        store.add((r, False) for r in records[4:])
    shutil.copytree(tmp_path / "main", tmp_path / "replica")
    return Store(tmp_path / "main"), Store(tmp_path / "replica"), records


def _entries(root: Path) -> list[tuple[Any, ...]]:
    """What the index knows of each entry line (repair's source)."""
    with contextlib.closing(sqlite3.connect(root / "index.sqlite")) as conn:
        return conn.execute("SELECT * FROM entries ORDER BY segment, offset").fetchall()


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x04
    path.write_bytes(bytes(data))


def test_a_damaged_batch_is_restored_byte_for_byte(pair: tuple[Store, Store, Any]) -> None:
    store, replica, records = pair
    original = (store.root / SEGMENT).read_bytes()
    _flip(store.root / SEGMENT, 10)
    assert not store.verify(jobs=1, record_event=False).ok
    report = store.repair(replica)
    assert report.unrepaired == []
    assert len(report.restored) == 1
    assert (store.root / SEGMENT).read_bytes() == original
    assert store.verify(jobs=1, record_event=False).ok
    assert [store.get(r["id"]) for r in records] == records


def test_a_missing_segment_is_restored(pair: tuple[Store, Store, Any]) -> None:
    store, replica, records = pair
    original = (store.root / SEGMENT).read_bytes()
    (store.root / SEGMENT).unlink()
    assert store.repair(replica).unrepaired == []
    assert (store.root / SEGMENT).read_bytes() == original
    assert [store.get(r["id"]) for r in records] == records


def test_a_replica_that_stores_the_records_differently_still_serves(
    pair: tuple[Store, Store, Any], tmp_path: Path
) -> None:
    # The same records imported in another order and batching: lines match by digest.
    store, _, records = pair
    with Store.init(tmp_path / "other") as other:
        for record in reversed(records):
            other.add([(record, False)])
    original = (store.root / SEGMENT).read_bytes()
    _flip(store.root / SEGMENT, len(original) - 200)
    report = store.repair(other)
    assert report.unrepaired == []
    assert (store.root / SEGMENT).read_bytes() == original


def test_a_bad_replica_copy_is_not_taken(pair: tuple[Store, Store, Any]) -> None:
    store, replica, _ = pair
    _flip(store.root / SEGMENT, 10)
    _flip(replica.root / SEGMENT, 10)
    damaged = (store.root / SEGMENT).read_bytes()
    report = store.repair(replica)
    assert len(report.unrepaired) == 1
    assert "no sound copy" in report.unrepaired[0]
    assert (store.root / SEGMENT).read_bytes() == damaged  # left for a better replica


def test_good_data_is_never_overwritten(pair: tuple[Store, Store, Any]) -> None:
    store, replica, _ = pair
    before = (store.root / SEGMENT).read_bytes()
    _flip(replica.root / SEGMENT, 10)  # the replica is the damaged one
    report = store.repair(replica)
    assert (report.restored, report.unrepaired) == ([], [])
    assert (store.root / SEGMENT).read_bytes() == before


def test_a_replica_record_that_fails_validation_is_refused(
    pair: tuple[Store, Store, Any], tmp_path: Path
) -> None:
    # Craft a replica whose line has the right bytes digest but an invalid record:
    # impossible by construction, so check the validation step directly instead.
    from newsarchive.store._repair import _line_is_sound

    _store, replica, records = pair
    bad = dict(records[0], content="tampered")
    line = json.dumps({"record": bad}).encode()
    assert not _line_is_sound(replica, line)
    good = json.dumps({"record": records[0]}).encode()
    assert _line_is_sound(replica, good)


def test_a_lost_range_is_never_filled_with_padding(
    pair: tuple[Store, Store, Any], tmp_path: Path
) -> None:
    # Found in review: restoring one of two lost batches wrote NUL bytes for the other.
    store, _, records = pair
    with Store.init(tmp_path / "partial") as partial:
        partial.add((r, False) for r in records[:4])  # only the first batch's records
    data = (store.root / SEGMENT).read_bytes()
    (store.root / SEGMENT).write_bytes(b"")  # both batches lost
    report = store.repair(partial)
    assert report.restored == []
    text = " | ".join(report.unrepaired)
    assert "no sound copy" in text  # the second batch
    assert "found but not written" in text  # the first, which alone would leave a hole
    assert (store.root / SEGMENT).read_bytes() == b""  # untouched, no padding
    assert data


def test_damage_the_index_never_saw_is_reported(pair: tuple[Store, Store, Any]) -> None:
    store, replica, _ = pair
    _flip(store.root / SEGMENT, 10)
    forget_index(store)  # the rebuilt index stops before the damage
    report = store.repair(replica)
    assert report.unrepaired
    assert "not in the index" in " ".join(report.unrepaired)


@pytest.mark.parametrize("damage", ["flip", "lose"])
def test_reindex_keeps_the_index_that_repair_needs(
    pair: tuple[Store, Store, Any], damage: str
) -> None:
    # Found in review: `store reindex` after damage rebuilt the index from what was
    # left, so a lost segment's records vanished without a word (verify then said OK)
    # and `store repair` could no longer know what to restore.
    store, replica, records = pair
    original = (store.root / SEGMENT).read_bytes()
    if damage == "flip":
        _flip(store.root / SEGMENT, 10)
    else:
        (store.root / SEGMENT).unlink()
    index_before = _entries(store.root)
    with pytest.raises(StoreCorrupted, match="store repair") as caught:
        store.reindex()
    assert "00000001.jsonl" in caught.value.message
    assert _entries(store.root) == index_before
    assert not [p for p in store.root.iterdir() if p.name.startswith(".newsarchive-tmp-")]
    assert len(store) == len(records)  # the index still lists every record
    assert store.repair(replica).unrepaired == []
    assert (store.root / SEGMENT).read_bytes() == original
    store.reindex()  # nothing is lost now
    assert [store.get(r["id"]) for r in records] == records
