"""The index's keys (version 7): short keys find records as their full texts did."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsarchive.errors import NewsArchiveError
from newsarchive.store import _index
from newsarchive.store._segment import Batch, Entry
from newsarchive.timestamps import Timestamp

if TYPE_CHECKING:
    from pathlib import Path

_INT64 = range(-(2**63), 2**63)


def _entry(offset: int, **record: Any) -> Entry:
    return Entry("record", {"record": record}, offset, b"x" * 10, "0" * 64)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=30))
@example(["abcdefgh", "abcdefg", "abcdefgh\x00", "abcdefghi", "abcdefgg\U0001f600", "\x00"])
def test_a_walk_by_id_key_then_id_is_a_walk_in_id_order(ids: list[str]) -> None:
    # The text index's check walks the store's ids in this order beside its own.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE r (id TEXT, id_key TEXT)")
    conn.execute("CREATE INDEX r_key ON r (id_key)")
    conn.executemany("INSERT INTO r VALUES (?, ?)", [(i, _index.id_key(i)) for i in ids])
    by_key = [row[0] for row in conn.execute("SELECT id FROM r ORDER BY id_key, id")]
    assert by_key == [row[0] for row in conn.execute("SELECT id FROM r ORDER BY id")]


@given(st.text(), st.text())
def test_hash_keys_are_stable_signed_64_bit_and_tell_texts_apart(a: str, b: str) -> None:
    assert _index.hash_key(a) == _index.hash_key(a)
    assert _index.hash_key(a) in _INT64
    if a != b:
        assert _index.hash_key(a) != _index.hash_key(b)  # 2**-64 a pair by chance


def test_known_keys() -> None:
    # The key bytes are part of the index version: a change here needs a new version.
    assert _index.id_key("ab12cd34" + "0" * 56) == "ab12cd34"
    assert _index.id_key("short") == "short"
    # printf 'https://news.example/a' | b2sum -l 64
    b2sum = bytes.fromhex("b619b23d6dc1ac12")
    assert _index.hash_key("https://news.example/a") == int.from_bytes(b2sum, "big", signed=True)
    assert [_index.id_key(None), _index.hash_key(7), _index.hash_key(None)] == [None, None, None]
    assert _index.hash_key("\ud800") is not None  # a lone surrogate (from a damaged entry)


def test_a_second_copy_of_an_id_stays_unindexed(tmp_path: Path) -> None:
    conn = _index.connect(tmp_path)
    first = _entry(0, id="a" * 64, canonical_url="https://one.example/")
    again = _entry(10, id="a" * 64, canonical_url="https://two.example/")
    other = _entry(20, id="a" * 8 + "b" * 56, canonical_url="https://one.example/")
    unnamed = [_entry(30), _entry(40)]  # no id: each indexed, as a text key let them be
    conn.execute("BEGIN")
    _index.index_batch(conn, "s", Batch(0, 50, 1, "0" * 64, 5, (first, again, other, *unnamed)))
    conn.execute("COMMIT")
    later = _entry(50, id="a" * 8 + "b" * 56)  # a copy in a later batch
    conn.execute("BEGIN")
    _index.index_batch(conn, "s", Batch(50, 60, 2, "0" * 64, 1, (later,)))
    conn.execute("COMMIT")
    rows = conn.execute("SELECT id, offset FROM records ORDER BY offset").fetchall()
    assert rows == [("a" * 64, 0), ("a" * 8 + "b" * 56, 20), (None, 30), (None, 40)]
    by_url = f"SELECT offset FROM records WHERE {_index.BY_URL} ORDER BY offset"
    assert conn.execute(by_url, _index.by_url("https://one.example/")).fetchall() == [(0,), (20,)]
    assert conn.execute(by_url, _index.by_url("https://two.example/")).fetchall() == []
    conn.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (f"SELECT 1 FROM records WHERE {_index.BY_ID}", "records_id"),
        (f"SELECT 1 FROM records WHERE {_index.BY_URL}", "records_url"),
        (f"SELECT 1 FROM records WHERE {_index.BY_DIGEST}", "records_digest"),
    ],
)
def test_lookups_go_through_their_key_index(tmp_path: Path, query: str, index: str) -> None:
    conn = _index.connect(tmp_path)
    plan = " ".join(str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {query}", (1, "x")))
    assert f"USING INDEX {index} " in plan, plan
    conn.close()


def _slow_time_key(text: str) -> str | None:
    try:
        stamp = Timestamp.parse(text)
    except NewsArchiveError:
        return None
    return f"{stamp.seconds:%Y-%m-%dT%H:%M:%S}.{stamp.fraction.ljust(9, '0')}Z"


@settings(max_examples=500)
@given(
    st.datetimes(timezones=st.just(UTC)),
    st.text("0123456789", max_size=10),
    st.sampled_from(["Z", "z", "+00:00", ""]),
)
@example(datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC), "", "Z")
@example(datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC), "120", "Z")
def test_time_keys_agree_with_parsed_instants(when: datetime, fraction: str, zone: str) -> None:
    # The index's time key takes a shortcut for the usual shapes: same key as the parse.
    text = f"{when:%Y-%m-%dT%H:%M:%S}" + (f".{fraction}" if fraction else "") + zone
    assert _index.time_key(text) == _slow_time_key(text)
    if _slow_time_key(text) is not None:
        assert len(_index.time_key(text) or "") == 30  # fixed width: text order is time order


def test_time_keys_of_what_is_not_an_instant() -> None:
    assert [_index.time_key(v) for v in (None, 7, "", "yesterday", "2026-01-01")] == [None] * 5
    # Other digits than ASCII take the parse (which reads them); the key is ASCII.
    assert _index.time_key("٢٠٢٦-01-01T00:00:00Z") == "2026-01-01T00:00:00.000000000Z"
