"""Full-text search, store-free: folding, the query language, snippets."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.errors import SearchError
from newsarchive.search import Term, fold, parse_query, snippet
from newsarchive.search._fold import fold_with_offsets
from newsarchive.search._index import _SCHEMA


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for statement in _SCHEMA:
        conn.execute(statement)
    return conn


def _matches(fts: sqlite3.Connection, body: str, query: str) -> bool:
    row = fts.execute("INSERT INTO text (title, body) VALUES ('', ?)", (fold(body),)).lastrowid
    sql = "SELECT rowid FROM text WHERE text MATCH ? AND rowid = ?"
    return bool(fts.execute(sql, (parse_query(query).fts(), row)).fetchall())


@pytest.mark.parametrize(
    ("body", "query", "found"),
    [
        ("The lighthouse reopens", "LIGHTHOUSE", True),
        ("The lighthouse reopens", "lighthouse reopens", True),
        ("The lighthouse reopens", '"reopens lighthouse"', False),
        ("The lighthouse reopens", '"lighthouse reopens"', True),
        ("The lighthouse reopens", "light*", True),
        ("The lighthouse reopens", "light", False),
        ("The lighthouse reopens", "lighthouse harbour", False),  # every term must match
        ("Un café près du port", "cafe pres", True),
        ("STRASSE", "straße", True),
        ("\uff46\uff55\uff4c\uff4c width", "full", True),  # full-width letters
        ("新闻报道说", '"新闻"', True),  # text without spaces: characters are words
        ("新闻报道说", '"闻报"', True),
        ("新闻报道说", '"报新"', False),
        ("สวัสดีครับ", "สวัสดี", True),  # Thai too: a word is found inside a run
        ("สวัสดีครับ", "ครับสวัสดี", False),
        ("کتاب‌خانه شهر", "کتابخانه", True),  # ZWNJ ignored
        ("کتاب‌خانه شهر", "کتاب‌خانه", True),
        ("الْكِتَابُ مفيد", "الكتاب", True),  # harakat ignored
        ("a AND b NEAR c", "AND", True),  # FTS5 operators are words like any other
        ("x: y", "x:", True),
        ('say "hello"', "hello", True),
    ],
)
def test_what_a_query_finds(fts: sqlite3.Connection, body: str, query: str, found: bool) -> None:
    assert _matches(fts, body, query) is found


@pytest.mark.parametrize("query", ["", "   ", "...", '""', '" "', "*", "-- ;"])
def test_a_query_without_a_word_is_refused(query: str) -> None:
    with pytest.raises(SearchError, match="no word") as caught:
        parse_query(query)
    assert caught.value.code == "bad-query"


def test_an_unclosed_quote_is_refused() -> None:
    with pytest.raises(SearchError, match="not closed"):
        parse_query('"river data')


def test_terms_are_folded_and_quoted_for_fts5() -> None:
    query = parse_query('River "Data  Agreement" elect* x"y"')
    assert query.terms == (
        Term("river"),
        Term("data agreement"),
        Term("elect", prefix=True),
        Term('x"y"'),
    )
    assert query.fts() == '"river" AND "data agreement" AND "elect"* AND "x""y"""'


@given(st.text(max_size=40))
def test_any_text_is_refused_cleanly_or_runs_in_sqlite(text: str) -> None:
    conn = sqlite3.connect(":memory:")
    for statement in _SCHEMA:
        conn.execute(statement)
    try:
        query = parse_query(text)
    except SearchError:
        return
    conn.execute("SELECT rowid FROM text WHERE text MATCH ?", (query.fts(),)).fetchall()


@given(st.text(max_size=60))
def test_folding_with_offsets_is_folding(text: str) -> None:
    folded, origin = fold_with_offsets(text)
    assert folded == fold(text)
    assert len(origin) == len(folded)
    assert origin == sorted(origin)
    assert all(0 <= i < len(text) for i in origin)


def test_a_snippet_marks_the_words_around_the_first_match() -> None:
    content = "Intro. " + "filler " * 40 + "the Lighthouse reopens in spring. " + "more " * 40
    line = snippet(content, parse_query("lighthouse spring"))
    assert "the [Lighthouse] reopens in [spring]." in line
    assert line.startswith("…")
    assert line.endswith("…")
    assert "\n" not in line
    assert len(line) <= 162


def test_a_snippet_of_a_short_text_is_the_text() -> None:
    assert snippet("Un café\nprès du port", parse_query("port")) == "Un café près du [port]"


def test_a_snippet_marks_prefixes_and_text_without_spaces() -> None:
    assert snippet("Elections today", parse_query("elect*")) == "[Elections] today"
    assert snippet("据新闻报道", parse_query('"新闻"')) == "据[新闻]报道"


def test_a_snippet_without_a_literal_match_starts_at_the_beginning() -> None:
    # SQLite also ignores Latin diacritics; the snippet search does not.
    assert snippet("Un café", parse_query("cafe")) == "Un café"


def test_a_snippet_escapes_controls() -> None:
    assert snippet("a \x1b[31mred\x1b[0m word", parse_query("word")) == (
        "a \\x1b[31mred\\x1b[0m [word]"
    )
