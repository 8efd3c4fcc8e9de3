"""The index's rows: a second copy of an id stays unindexed; lookups go through the keys."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.record import ArchivedArticle
from newsarchive.store import Store, _index, _keys
from newsarchive.store._ids import resolve_id
from newsarchive.store._segment import Batch, Entry
from tests.store_driver import make_record


def _recapture(record: dict[str, Any]) -> dict[str, Any]:
    return ArchivedArticle.create(
        url=record["url"], content=record["content"], retrieved_at="2026-01-01T00:00:00Z"
    ).to_dict()


def _entry(offset: int, **record: Any) -> Entry:
    return Entry("record", {"record": record}, offset, b"x" * 10, "0" * 64)


def test_a_second_copy_of_an_id_stays_unindexed(tmp_path: Path) -> None:
    conn = _index.connect(tmp_path)
    first = _entry(0, id="a" * 64, canonical_url="https://one.example/")
    again = _entry(10, id="a" * 64, canonical_url="https://two.example/")
    other = _entry(20, id="a" * 8 + "b" * 56, canonical_url="https://one.example/")
    # No id: each indexed, as a text key let them be; tags without an id are not
    # indexed (they failed the batch's indexing, which catch-up took for a repeated batch).
    unnamed = [_entry(30, tags=["x"]), _entry(40)]
    conn.execute("BEGIN")
    _index.index_batch(conn, "s", Batch(0, 50, 1, "0" * 64, 5, (first, again, other, *unnamed)))
    conn.execute("COMMIT")
    later = _entry(50, id="a" * 8 + "b" * 56)  # a copy in a later batch
    conn.execute("BEGIN")
    _index.index_batch(conn, "s", Batch(50, 60, 2, "0" * 64, 1, (later,)))
    conn.execute("COMMIT")
    rows = conn.execute("SELECT id, offset FROM records ORDER BY offset").fetchall()
    assert rows == [("a" * 64, 0), ("a" * 8 + "b" * 56, 20), (None, 30), (None, 40)]
    assert conn.execute("SELECT count(*) FROM tags").fetchone() == (0,)
    by_url = f"SELECT offset FROM records WHERE {_keys.BY_URL} ORDER BY offset"
    assert conn.execute(by_url, _keys.by_hash("https://one.example/")).fetchall() == [(0,), (20,)]
    assert conn.execute(by_url, _keys.by_hash("https://two.example/")).fetchall() == []
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


def test_keys_that_collide_never_mix_records_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keys are short on purpose; a lookup must still answer by the full text.
    # With 1-character id keys and 2-bit hashes most records share their keys.
    def tiny_hash(value: object) -> int | None:
        return None if not isinstance(value, str) else len(value) % 4

    monkeypatch.setattr(_keys, "_ID_KEY_LENGTH", 1)
    monkeypatch.setattr(_keys, "hash_key", tiny_hash)
    monkeypatch.setattr(_index, "hash_key", tiny_hash)
    records = [make_record(i) for i in range(24)]
    with Store.init(tmp_path / "s") as store:
        assert list(store.add((r, True) for r in records)) == ["stored"] * 24
        again = _recapture(records[5])  # the same capture at another time: a duplicate...
        assert list(store.add([(again, True), (records[7], False)])) == ["duplicate"] * 2
        assert list(store.add([(again, False)])) == ["stored"]  # ...unless asked to keep it
        for r in records:
            assert store.get(r["id"]) == r
            assert resolve_id(store, r["id"][:8]) == r["id"]
            mine = [r["id"]] + ([again["id"]] if r is records[5] else [])
            assert list(store.find(url=r["url"])) == mine
            assert list(store.find(content_digest=r["content_digest"])) == mine
        first = records[0]["id"]
        assert [row[0] for row in _keys.rows_by_id(store.index, "", [first])] == [first]
        assert store.verify(jobs=1, record_event=False).ok
