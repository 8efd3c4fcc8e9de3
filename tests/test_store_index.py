"""The index's rows: a second copy of an id stays unindexed; lookups go through the keys."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.store import _index, _keys
from newsarchive.store._segment import Batch, Entry


def _entry(offset: int, **record: Any) -> Entry:
    return Entry("record", {"record": record}, offset, b"x" * 10, "0" * 64)


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
    by_url = f"SELECT offset FROM records WHERE {_keys.BY_URL} ORDER BY offset"
    assert conn.execute(by_url, _keys.by_url("https://one.example/")).fetchall() == [(0,), (20,)]
    assert conn.execute(by_url, _keys.by_url("https://two.example/")).fetchall() == []
    conn.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (f"SELECT 1 FROM records WHERE {_keys.BY_ID}", "records_id"),
        (f"SELECT 1 FROM records WHERE {_keys.BY_URL}", "records_url"),
        (f"SELECT 1 FROM records WHERE {_keys.BY_DIGEST}", "records_digest"),
    ],
)
def test_lookups_go_through_their_key_index(tmp_path: Path, query: str, index: str) -> None:
    conn = _index.connect(tmp_path)
    plan = " ".join(str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {query}", (1, "x")))
    assert f"USING INDEX {index} " in plan, plan
    conn.close()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.sampled_from(["a" * 64, "a" * 8 + "b" * 56, "c" * 64])),
            max_size=6,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_first_copy_of_each_id_is_indexed_as_a_primary_key_kept_it(
    batches: list[list[str | None]],
) -> None:
    # The reference: a table whose id is its primary key, rows added with INSERT OR IGNORE
    # (index version 6); ids without text are each kept, as a text key let them be.
    conn = _index.connect(Path(tempfile.mkdtemp()))
    reference = sqlite3.connect(":memory:")
    reference.execute("CREATE TABLE r (id TEXT PRIMARY KEY, offset INTEGER)")
    offset = 0
    for seq, ids in enumerate(batches, start=1):
        entries = []
        for record_id in ids:
            entries.append(_entry(offset, **({} if record_id is None else {"id": record_id})))
            reference.execute("INSERT OR IGNORE INTO r VALUES (?, ?)", (record_id, offset))
            offset += 10
        conn.execute("BEGIN")
        batch = Batch(
            entries[0].offset if entries else offset,
            offset,
            seq,
            "0" * 64,
            len(entries),
            tuple(entries),
        )
        _index.index_batch(conn, "s", batch)
        conn.execute("COMMIT")
    ours = conn.execute("SELECT id, offset FROM records ORDER BY offset").fetchall()
    assert ours == reference.execute("SELECT id, offset FROM r ORDER BY offset").fetchall()
    conn.close()
