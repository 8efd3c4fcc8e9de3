"""Issue 10, items 7-9: a store with lost, damaged or replaced data is read past and audited.

Stored data that fails its check is `StoreCorrupted` (exit 1, pointing to
`store verify`), never "unreadable input"; intact records stay readable; the
audit reports each damage once and never stops at what it finds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from newsarchive.errors import StoreCorrupted
from newsarchive.store import Store, VerifyReport
from tests.store_driver import make_record

if TYPE_CHECKING:
    from pathlib import Path

SEGMENT = "00000001.jsonl"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Two batches in one segment: records 0-1, then records 2-3."""
    store = Store.init(tmp_path / "s")
    store.add((make_record(i), False) for i in (0, 1))
    store.add((make_record(i), False) for i in (2, 3))
    return store


def _ids(*numbers: int) -> list[str]:
    return [make_record(i)["id"] for i in numbers]


def _segment(store: Store) -> Path:
    return store.root / "segments" / SEGMENT


def _damage_first_batch(store: Store) -> None:
    data = bytearray(_segment(store).read_bytes())
    data[100] ^= 0x20
    _segment(store).write_bytes(bytes(data))


def _audit(store: Store, **kwargs: Any) -> VerifyReport:
    return store.verify(jobs=1, **kwargs)


def _findings(report: VerifyReport) -> list[tuple[str, str, str]]:
    return [(f.severity, f.code, f.where) for f in report.findings]


def test_a_lost_segment_is_stored_data_failing_its_check(store: Store) -> None:
    _segment(store).unlink()
    with Store(store.root) as again, pytest.raises(StoreCorrupted) as caught:
        again.get(_ids(0)[0])
    message = str(caught.value)
    assert "store verify" in message
    assert message.count(SEGMENT) == 1  # named once, by its path


def test_damage_fails_only_the_records_it_touches(store: Store) -> None:
    _damage_first_batch(store)  # a byte of record 0's line: batch 1 no longer checks out
    with Store(store.root) as again:
        assert list(again.find()) == _ids(0, 1, 2, 3)  # find reads the index only
        for i in (1, 2, 3):  # each line is checked against its own SHA-256
            assert again.get(_ids(i)[0]) == make_record(i)
        with pytest.raises(StoreCorrupted) as caught:
            again.get(_ids(0)[0])
    message = str(caught.value)
    assert message.count(SEGMENT) == 1, message
    assert "at byte 0" in message
    assert "store verify" in message


def test_one_damage_is_reported_once(store: Store) -> None:
    _damage_first_batch(store)
    report = _audit(store, record_event=False)
    assert _findings(report) == [("failure", "damaged", f"{SEGMENT}@0")]


def test_a_symlink_where_a_segment_was_is_a_failure_and_the_audit_goes_on(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "outside").write_bytes(_segment(store).read_bytes())
    _segment(store).unlink()
    _segment(store).symlink_to(tmp_path / "outside")
    with Store(store.root) as again:
        report = _audit(again)  # appending the event is refused: a note, not a stop
        assert not report.ok
        assert _findings(report) == [
            ("failure", "symlink", f"segments/{SEGMENT}"),
            ("note", "event-not-recorded", str(store.root)),
        ]
        with pytest.raises(StoreCorrupted, match="symlink"):
            again.get(_ids(0)[0])  # never followed, even to identical bytes


def test_a_symlink_segment_blocks_writing_as_damage(store: Store, tmp_path: Path) -> None:
    (tmp_path / "outside").write_bytes(b"")
    (store.root / "segments" / "00000002.jsonl").symlink_to(tmp_path / "outside")
    with Store(store.root) as again, pytest.raises(StoreCorrupted, match="symlink"):
        again.add([(make_record(9), False)])
    assert (tmp_path / "outside").read_bytes() == b""
