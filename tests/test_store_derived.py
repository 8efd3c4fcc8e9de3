"""Derived indexes: caught up from the committed batches in order, rebuilt, checked by verify."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from newsarchive.store import Store, _derived
from newsarchive.store._findings import Finding
from newsarchive.store._segment import Entry
from tests.store_driver import make_record


class _Toy:
    """A derived index kept in memory per store: the record ids it took in, batch by batch."""

    kept: ClassVar[dict[Path, list[tuple[int, list[str]]]]] = {}
    fail_check: ClassVar[bool] = False
    audited: ClassVar[bool] = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pending: list[tuple[int, list[str]]] = []
        self.closed = False

    @property
    def batches(self) -> list[tuple[int, list[str]]]:
        return self.kept.setdefault(self.root, [])

    def position(self) -> int:
        seen = self.batches + self.pending
        return seen[-1][0] if seen else 0

    def take(self, seq: int, entries: Sequence[Entry]) -> None:
        assert seq == self.position() + 1
        ids = [e.value["record"]["id"] for e in entries if e.kind == "record"]
        self.pending.append((seq, ids))

    def reset(self) -> None:
        self.kept[self.root] = []
        self.pending = []

    def commit(self) -> None:
        self.batches.extend(self.pending)
        self.pending = []

    def check(self, index: sqlite3.Connection) -> list[Finding]:
        (count,) = index.execute("SELECT count(*) FROM records").fetchone()
        taken = sum(len(ids) for _, ids in self.batches)
        if self.fail_check or taken > count:
            return [Finding("failure", "toy-ahead", "toy", f"{taken} taken, {count} stored")]
        return []

    def audit(self, index: sqlite3.Connection) -> _ToyAudit | None:
        return _ToyAudit() if self.audited else None

    def close(self) -> None:
        self.closed = True


def toy_value(value: dict[str, Any]) -> bytes:
    """The toy audit's entry function (run in the audit's processes): a record's id, else kinds."""
    if "record" in value:
        return str(value["record"]["id"]).encode()
    return ",".join(sorted(value)).encode()


class _ToyAudit:
    """Collects what verify feeds it."""

    entry_function = f"{__name__}:toy_value"
    fed: ClassVar[list[tuple[tuple[int, str, int, int], list[bytes]]]] = []

    def feed(self, place: tuple[int, str, int, int], values: Sequence[bytes]) -> None:
        self.fed.append((place, list(values)))

    def findings(self) -> list[Finding]:
        return [Finding("note", "toy-fed", "toy", str(len(self.fed)))]


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> type[_Toy]:
    monkeypatch.setitem(_derived.DERIVED, "toy", f"{__name__}:_Toy")
    _Toy.kept.clear()
    _Toy.fail_check = False
    _Toy.audited = False
    _ToyAudit.fed.clear()
    return _Toy


def _ids(batches: list[tuple[int, list[str]]]) -> list[str]:
    return [i for _, ids in batches for i in ids]


def _records(start: int, count: int) -> list[tuple[dict[str, Any], bool]]:
    return [(make_record(i), False) for i in range(start, start + count)]


def test_each_batch_is_taken_in_once_in_store_order(tmp_path: Path, toy: type[_Toy]) -> None:
    with Store.init(tmp_path / "s") as store:
        store.add(_records(0, 3))
        store.add(_records(3, 2))
        store.append_event({"type": "x-note", "record_id": None})
        store.add(_records(0, 1))  # a duplicate: no batch
        kept = toy.kept[store.root]
        assert [seq for seq, _ in kept] == [1, 2, 3]
        assert _ids(kept) == [make_record(i)["id"] for i in range(5)]


def test_a_group_commit_updates_it_once_the_index_is_committed(
    tmp_path: Path, toy: type[_Toy]
) -> None:
    with Store.init(tmp_path / "s") as store:
        with store.group_commit(batches=3):
            for i in range(4):
                store.add(_records(i, 1))
                taken = len(toy.kept.get(store.root, []))
                assert taken == (3 if i >= 2 else 0)
        assert len(toy.kept[store.root]) == 4


def test_a_derived_index_that_lags_is_caught_up_by_the_first_query(
    tmp_path: Path, toy: type[_Toy]
) -> None:
    with Store.init(tmp_path / "s") as store:
        store.add(_records(0, 2))
    toy.kept[tmp_path / "s"] = []  # lost, as a crash before its commit would lose it
    with Store(tmp_path / "s") as store:
        found = store.derived("toy")
        assert isinstance(found, _Toy)
        assert _ids(found.batches) == [make_record(i)["id"] for i in range(2)]
        with pytest.raises(KeyError):
            store.derived("nothing")


def test_reindex_rebuilds_it_and_close_lets_it_go(tmp_path: Path, toy: type[_Toy]) -> None:
    with Store.init(tmp_path / "s") as store:
        store.add(_records(0, 2))
        toy.kept[store.root] = [(1, ["bogus"])]
        store.reindex()
        assert _ids(toy.kept[store.root]) == [make_record(i)["id"] for i in range(2)]
        found = store.derived("toy")
    assert isinstance(found, _Toy)
    assert found.closed


def test_it_stops_at_bytes_that_no_longer_check_out(tmp_path: Path, toy: type[_Toy]) -> None:
    with Store.init(tmp_path / "s") as store:
        store.add(_records(0, 1))
        store.add(_records(1, 1))
        toy.kept[store.root] = []
    segment = tmp_path / "s" / "segments" / "00000001.jsonl"
    data = bytearray(segment.read_bytes())
    second = data.index(b'{"commit"') + 20
    second = data.index(b"\n", second) + 1  # the second batch starts here
    data[second + 5] ^= 1
    segment.write_bytes(bytes(data))
    with Store(tmp_path / "s") as store:
        store.derived("toy")
    assert [seq for seq, _ in toy.kept[tmp_path / "s"]] == [1]


def test_verify_reports_what_it_finds_except_in_a_fixity_only_audit(
    tmp_path: Path, toy: type[_Toy]
) -> None:
    with Store.init(tmp_path / "s") as store:
        store.add(_records(0, 2))
        assert store.verify(jobs=1, record_event=False).ok
        toy.fail_check = True
        report = store.verify(jobs=1, record_event=False)
        assert [(f.code, f.where) for f in report.findings] == [("toy-ahead", "toy")]
        assert not report.ok
        assert store.verify(jobs=1, record_event=False, fixity_only=True).ok


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_full_audit_feeds_an_entry_audit_every_batch_in_store_order(
    tmp_path: Path, toy: type[_Toy], jobs: int
) -> None:
    toy.audited = True
    with Store.init(tmp_path / "s") as store:
        for i in range(3):
            store.add(_records(2 * i, 2))
        store.append_event({"type": "x-note", "record_id": None})
        with sqlite3.connect(store.root / "index.sqlite") as conn:
            rows = conn.execute(
                'SELECT seq, segment, start, "end", entries FROM batches ORDER BY seq'
            ).fetchall()
        report = store.verify(jobs=jobs, record_event=False)
        assert [(f.code, f.message) for f in report.findings] == [("toy-fed", "4")]
        assert [place for place, _ in _ToyAudit.fed] == [tuple(row[:4]) for row in rows]
        assert [len(values) for _, values in _ToyAudit.fed] == [row[4] for row in rows]
        values = [v for _, batch in _ToyAudit.fed for v in batch]
        ids = [make_record(i)["id"].encode() for i in range(6)]
        assert [v for v in values if v not in (b"blob", b"event")] == ids
        assert values[-1] == b"event"
        _ToyAudit.fed.clear()
        # A sampled or fixity-only audit does not parse every batch: the index checks itself.
        toy.fail_check = True
        sampled = store.verify(jobs=jobs, record_event=False, sample=0.5)
        assert [f.code for f in sampled.findings] == ["toy-ahead"]
        assert store.verify(jobs=jobs, record_event=False, fixity_only=True).ok
        assert _ToyAudit.fed == []
