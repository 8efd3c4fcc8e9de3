"""Full-text search in a store: the derived text index, its upkeep and audit, `find --text`."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle
from newsarchive.errors import SearchError, StoreCorrupted
from newsarchive.search._index import _merged
from newsarchive.store import Store
from newsarchive.store._segment import BLOB_THRESHOLD
from tests.test_cli import assert_one_line_error, cli

_TEXTS = {
    "harbour": "The harbour authority said the old lighthouse would reopen next spring.",
    "river": "Neighbouring countries agreed to share river-level data every hour.",
    "news-zh": "据新闻报道新的图书馆周一开放",
    "library-fa": "کتاب‌خانه‌ی شهر پس از بازسازی دوباره باز می‌شود.",
}


def _record(name: str, text: str, when: str = "2024-05-01T10:00:00Z") -> dict[str, Any]:
    return ArchivedArticle.create(
        url=f"https://news.example.org/{name}", content=text, retrieved_at=when, title=name
    ).to_dict()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.init(tmp_path / "s")
    store.add((_record(n, t), False) for n, t in _TEXTS.items())
    return store


def _ids(store: Store, *names: str) -> set[str]:
    return {_record(n, _TEXTS[n])["id"] for n in names}


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("lighthouse", ["harbour"]),
        ("HARBOUR spring", ["harbour"]),
        ('"river-level data"', ["river"]),
        ("neighbour*", ["river"]),
        ('"新闻"', ["news-zh"]),
        ("کتابخانه*", ["library-fa"]),
        ("harbour river", []),
        ("title:river", []),  # no field syntax: "title" is a word of the query
    ],
)
def test_search_finds_by_content(store: Store, query: str, names: list[str]) -> None:
    assert set(store.search(query)) == _ids(store, *names)


def test_search_finds_by_title_and_ranks_best_first(tmp_path: Path) -> None:
    with Store.init(tmp_path / "s") as store:
        once = _record("once", "storm " + "calm " * 200)
        many = _record("many", "storm storm storm storm")
        titled = ArchivedArticle.create(
            url="https://news.example.org/t",
            content="nothing here",
            retrieved_at="2024-05-01T10:00:00Z",
            title="Storm warning",
        ).to_dict()
        store.add([(once, False), (many, False), (titled, False)])
        found = store.search("storm")
        assert set(found) == {once["id"], many["id"], titled["id"]}
        assert found.index(many["id"]) < found.index(once["id"])


def test_find_combines_text_with_the_other_options(store: Store) -> None:
    later = _record("harbour-2", "The lighthouse opened today.", "2024-06-01T10:00:00Z")
    store.add([(later, False)])
    assert list(store.find(text="lighthouse")) == [
        *_ids(store, "harbour"),
        later["id"],
    ]  # oldest retrieval first, as find lists
    assert list(store.find(text="lighthouse", since="2024-05-15T00:00:00Z")) == [later["id"]]
    with pytest.raises(SearchError):
        list(store.find(text="..."))


def test_large_content_kept_as_a_blob_is_searchable(tmp_path: Path) -> None:
    big = "filler " * (BLOB_THRESHOLD // 7 + 10) + "needle"
    with Store.init(tmp_path / "s") as store:
        first = _record("big", big)
        store.add([(first, False)])
        again = _record("big", big, "2024-07-01T10:00:00Z")  # the blob is stored once
        store.add([(again, False)])
        assert set(store.search("needle")) == {first["id"], again["id"]}


def test_reindex_rebuilds_a_lost_text_index(store: Store) -> None:
    store.close()
    for name in ("text.sqlite", "text.sqlite-wal", "text.sqlite-shm"):
        (store.root / name).unlink(missing_ok=True)
    with Store(store.root) as again:
        assert set(again.search("lighthouse")) == _ids(again, "harbour")  # caught up on use
        again.reindex()
        assert set(again.search("lighthouse")) == _ids(again, "harbour")
        assert again.verify(jobs=1, record_event=False).ok


def test_an_unreadable_text_index_is_a_finding_a_clear_error_and_rebuilt(store: Store) -> None:
    store.search("lighthouse")
    store.close()
    for name in ("text.sqlite-wal", "text.sqlite-shm"):
        (store.root / name).unlink(missing_ok=True)
    (store.root / "text.sqlite").write_bytes(b"not a database at all, not even close")
    with Store(store.root) as again:
        report = again.verify(jobs=1, record_event=False)
        assert [(f.severity, f.code, f.where) for f in report.findings] == [
            ("failure", "derived-corrupt", "text")
        ]
        with pytest.raises(StoreCorrupted, match="store reindex"):
            again.search("lighthouse")
        code, _, err = cli("find", "--store", str(store.root), "--text", "lighthouse")
        assert_one_line_error(code, err, "derived index 'text' cannot be read", 1)
        again.reindex()
        assert set(again.search("lighthouse")) == _ids(again, "harbour")
        assert again.verify(jobs=1, record_event=False).ok
    code, _, err = cli("find", "--store", str(store.root), "--text", "lighthouse")
    assert code == 0, err


def _codes(store: Store) -> list[tuple[str, str | None]]:
    report = store.verify(jobs=1, record_event=False)
    return [(f.code, f.record_id) for f in report.findings]


def test_verify_finds_a_row_lost_from_the_text_index(store: Store) -> None:
    (river,) = _ids(store, "river")
    store.search("river")
    conn = sqlite3.connect(store.root / "text.sqlite")
    with conn:
        conn.execute("DELETE FROM docs WHERE record_id=?", (river,))
    conn.close()
    assert _codes(store) == [("text-index-mismatch", river)]


def test_verify_finds_a_row_that_holds_other_words(store: Store) -> None:
    (harbour,) = _ids(store, "harbour")
    (river,) = _ids(store, "river")
    store.search("river")
    conn = sqlite3.connect(store.root / "text.sqlite")
    with conn:  # swap the two records' rows: every id is still there
        rows = dict(conn.execute("SELECT record_id, rowid FROM docs").fetchall())
        conn.execute("UPDATE docs SET rowid=-1 WHERE record_id=?", (harbour,))
        conn.execute("UPDATE docs SET rowid=? WHERE record_id=?", (rows[harbour], river))
        conn.execute("UPDATE docs SET rowid=? WHERE record_id=?", (rows[river], harbour))
    conn.close()
    assert sorted(_codes(store)) == sorted(
        [("text-index-mismatch", harbour), ("text-index-mismatch", river)]
    )


def test_find_text_on_the_command_line(store: Store) -> None:
    store.close()
    path = str(store.root)
    code, out, err = cli("find", "--store", path, "--text", "lighthouse")
    assert code == 0, err
    lines = out.decode().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(next(iter(_ids(store, "harbour"))))
    assert lines[1] == (
        "    The harbour authority said the old [lighthouse] would reopen next spring."
    )
    code, out, _ = cli("find", "--store", path, "--text", "lighthouse", "--count")
    assert (code, out.decode().strip()) == (0, "1")
    code, _, err = cli("find", "--store", path, "--text", "nothing-like-this")
    assert code == 0
    assert "no records match" in err


@pytest.mark.parametrize(("query", "words"), [("...", "no word"), ('"open', "not closed")])
def test_a_bad_text_query_is_a_usage_error(tmp_path: Path, query: str, words: str) -> None:
    code, _, err = cli("find", "--store", str(tmp_path / "none"), "--text", query)
    assert_one_line_error(code, err, words)
    assert not (tmp_path / "none").exists()


def test_verify_with_a_text_index_and_segments_replaced_by_a_file(store: Store) -> None:
    store.search("river")  # the text index exists and holds every record
    store.close()
    segments = store.root / "segments"
    for child in segments.iterdir():
        child.unlink()
    segments.rmdir()
    segments.write_bytes(b"")
    code, out, err = cli("store", "verify", "--store", str(store.root))
    assert (code, err) == (1, "")
    assert "unknown-file segments" in out.decode()


@given(st.sets(st.text(max_size=4)), st.sets(st.text(max_size=4)))
def test_the_check_walks_both_id_columns_as_sets_would(left: set[str], right: set[str]) -> None:
    walked = list(_merged([(x,) for x in sorted(left)], [(x,) for x in sorted(right)]))
    assert [x for x, _, _ in walked] == sorted(left | right)
    assert {x for x, a, b in walked if a and not b} == left - right
    assert {x for x, a, b in walked if b and not a} == right - left
    assert {x for x, a, b in walked if a and b} == left & right
