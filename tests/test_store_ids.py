"""Record ids by prefix: at least 8 hex digits, never a guess between several records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.errors import RecordNotFound, StoreError
from newsarchive.store._ids import AmbiguousId, resolve_id
from newsarchive.store._keys import id_key

IDS = ["ab12cd34" + "0" * 56, "ab12cd34" + "1" * 56, "ab12cd35" + "2" * 56, "ff" * 32]


class FakeStore:
    """An index with only the records' ids and id keys: all `resolve_id` reads."""

    def __init__(self, ids: list[str]) -> None:
        self.root = Path("/st")
        self.index = sqlite3.connect(":memory:")
        self.index.execute("CREATE TABLE records (id TEXT, id_key TEXT)")
        self.index.execute("CREATE INDEX records_id ON records (id_key)")
        self.index.executemany("INSERT INTO records VALUES (?, ?)", [(i, id_key(i)) for i in ids])


@pytest.mark.parametrize(
    ("text", "full"),
    [("ab12cd35", IDS[2]), ("AB12CD35", IDS[2]), ("ab12cd340", IDS[0]), (IDS[3], IDS[3])],
)
def test_a_unique_prefix_names_its_record(text: str, full: str) -> None:
    assert resolve_id(FakeStore(IDS), text) == full


def test_an_ambiguous_prefix_is_refused_with_candidates() -> None:
    with pytest.raises(AmbiguousId) as caught:
        resolve_id(FakeStore(IDS), "ab12cd34")
    assert caught.value.candidates == (IDS[0], IDS[1])
    assert "'ab12cd34' is ambiguous" in str(caught.value)
    assert "give more digits" in str(caught.value)
    assert caught.value.code == "ambiguous-id"


def test_many_candidates_are_cut_short() -> None:
    ids = ["abcdef01" + f"{n:056x}" for n in range(10)]
    with pytest.raises(AmbiguousId) as caught:
        resolve_id(FakeStore(ids), "abcdef01")
    assert len(caught.value.candidates) == 3
    assert str(caught.value).count(",") == 3  # three named, then "..."


@pytest.mark.parametrize("text", ["ab12cd3", "", "xyz12345", "ab12cd34-", "a" * 65, "ab12 cd34"])
def test_what_is_not_a_prefix_is_a_clear_error(text: str) -> None:
    with pytest.raises(StoreError) as caught:
        resolve_id(FakeStore(IDS), text)
    assert caught.value.code == "bad-id"
    assert "at least its first 8 hex digits" in str(caught.value)


def test_no_match_is_not_found() -> None:
    with pytest.raises(RecordNotFound, match="no record id starts with '00000000'"):
        resolve_id(FakeStore(IDS), "00000000")
    with pytest.raises(RecordNotFound, match="no record with id"):
        resolve_id(FakeStore(IDS), "0" * 64)


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(st.text("01", min_size=1, max_size=12), min_size=1, max_size=12, unique=True),
    prefix=st.text("01", min_size=8, max_size=14),
)
def test_a_prefix_finds_what_a_walk_of_every_id_finds(ids: list[str], prefix: str) -> None:
    # Ids from two digits, padded: they share long prefixes, within and past the id key.
    full = sorted({(i + "0" * 64)[:64] for i in ids})
    matches = [i for i in full if i.startswith(prefix)]
    store = FakeStore(full)
    if not matches:
        with pytest.raises(RecordNotFound):
            resolve_id(store, prefix)
    elif len(matches) > 1:
        with pytest.raises(AmbiguousId) as caught:
            resolve_id(store, prefix)
        assert caught.value.candidates == tuple(matches[:3])
    else:
        assert resolve_id(store, prefix) == matches[0]


def test_a_prefix_is_looked_up_through_the_id_keys() -> None:
    store = FakeStore(IDS)
    statements: list[str] = []
    store.index.set_trace_callback(statements.append)  # the SQL run, its values filled in
    resolve_id(store, "ab12cd35")
    (lookup,) = statements
    plan = " ".join(row[-1] for row in store.index.execute(f"EXPLAIN QUERY PLAN {lookup}"))
    assert "USING INDEX records_id (id_key>? AND id_key<?)" in plan, plan
