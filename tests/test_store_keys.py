"""The keys the index finds records by (version 7), and its time keys."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsarchive.errors import NewsArchiveError
from newsarchive.store import _keys
from newsarchive.timestamps import Timestamp

_INT64 = range(-(2**63), 2**63)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=30))
@example(["abcdefgh", "abcdefg", "abcdefgh\x00", "abcdefghi", "abcdefgg\U0001f600", "\x00"])
def test_a_walk_by_id_key_then_id_is_a_walk_in_id_order(ids: list[str]) -> None:
    # The text index's check walks the store's ids in this order beside its own.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE r (id TEXT, id_key TEXT)")
    conn.execute("CREATE INDEX r_key ON r (id_key)")
    conn.executemany("INSERT INTO r VALUES (?, ?)", [(i, _keys.id_key(i)) for i in ids])
    by_key = [row[0] for row in conn.execute("SELECT id FROM r ORDER BY id_key, id")]
    assert by_key == [row[0] for row in conn.execute("SELECT id FROM r ORDER BY id")]


@given(st.text(), st.text())
def test_hash_keys_are_stable_signed_64_bit_and_tell_texts_apart(a: str, b: str) -> None:
    assert _keys.hash_key(a) == _keys.hash_key(a)
    assert _keys.hash_key(a) in _INT64
    if a != b:
        assert _keys.hash_key(a) != _keys.hash_key(b)  # 2**-64 a pair by chance


def test_known_keys() -> None:
    # The key bytes are part of the index version: a change here needs a new version.
    assert _keys.id_key("ab12cd34" + "0" * 56) == "ab12cd34"
    assert _keys.id_key("short") == "short"
    # printf 'https://news.example/a' | b2sum -l 64
    b2sum = bytes.fromhex("b619b23d6dc1ac12")
    assert _keys.hash_key("https://news.example/a") == int.from_bytes(b2sum, "big", signed=True)
    assert [_keys.id_key(None), _keys.hash_key(7), _keys.hash_key(None)] == [None, None, None]
    assert _keys.hash_key("\ud800") is not None  # a lone surrogate (from a damaged entry)


def _slow_time_key(text: str) -> str | None:
    try:
        stamp = Timestamp.parse(text)
    except NewsArchiveError:
        return None
    d = stamp.seconds
    seconds = f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
    return f"{seconds}.{stamp.fraction.ljust(9, '0')}Z"


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
    assert _keys.time_key(text) == _slow_time_key(text)
    if _slow_time_key(text) is not None:
        assert len(_keys.time_key(text) or "") == 30  # fixed width: text order is time order


@settings(max_examples=500)
@given(st.from_regex(_keys._PLAIN_INSTANT, fullmatch=True))
@example("2026-02-30T00:00:00.1Z")  # no such day
@example("2026-13-45T99:99:99.5Z")
@example("2016-12-31T23:59:60.5Z")  # a leap second: not representable, refused by the parse
@example("2016-12-31T23:59:60Z")
@example("0000-01-01T00:00:00Z")
def test_the_shortcut_refuses_what_the_parse_refuses(text: str) -> None:
    # Any text of the shortcut's shape, possible or not: the same key (or None) as the parse.
    assert _keys.time_key(text) == _slow_time_key(text)


def test_time_keys_of_what_is_not_an_instant() -> None:
    assert [_keys.time_key(v) for v in (None, 7, "", "yesterday", "2026-01-01")] == [None] * 5
    # Other digits than ASCII take the parse (which reads them); the key is ASCII.
    assert _keys.time_key("٢٠٢٦-01-01T00:00:00Z") == "2026-01-01T00:00:00.000000000Z"
    assert _keys.time_key("٢٠٢٦-01-01T00:00:00.5Z") == "2026-01-01T00:00:00.500000000Z"


def test_lookups_by_many_ids_take_each_row_once() -> None:
    # More ids than one statement takes: each record comes back once, with its columns.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE records (id TEXT, id_key TEXT, canonical_url TEXT)")
    ids = [f"{n:08x}" + "0" * 56 for n in range(1_201)]  # 1,201 keys: three statements
    rows = [(i, _keys.id_key(i), f"https://e.example/{n}") for n, i in enumerate(ids)]
    conn.executemany("INSERT INTO records VALUES (?, ?, ?)", rows)
    found = list(_keys.rows_by_id(conn, "canonical_url", [*ids[:1_100], "f" * 64]))
    assert sorted(found) == sorted((i, url) for i, _, url in rows[:1_100])
    assert [row[0] for row in _keys.rows_by_id(conn, "", ids[5:6])] == [ids[5]]
