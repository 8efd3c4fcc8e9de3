"""The query language of `find --text`: words, "quoted phrases" and prefixes (`elect*`).

A record matches when it holds every term (in its content or title). Case,
Latin diacritics and Arabic vowel marks are ignored (`_fold`). Punctuation
separates words; a quoted phrase matches its words in that order, side by
side. A word ending in `*` matches every word it begins. Nothing the user
types reaches SQLite's query syntax unquoted: each term becomes one FTS5
string, so `AND`, `NEAR` or a stray `:` are words like any other.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from newsarchive.errors import SearchError
from newsarchive.search._fold import fold

__all__ = ["Query", "Term", "parse_query"]

_TOKEN: Final = re.compile(r'"([^"]*)"|(\S+)')


@attrs.frozen
class Term:
    """One term of a query: a word or a phrase (folded), and whether it is a prefix."""

    text: str
    prefix: bool = False

    def fts(self) -> str:
        """The term as one FTS5 string (a phrase of the words SQLite finds in it)."""
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted


@attrs.frozen
class Query:
    """A parsed query: every term must match."""

    source: str
    terms: tuple[Term, ...]

    def fts(self) -> str:
        """The FTS5 MATCH expression."""
        return " AND ".join(t.fts() for t in self.terms)

    def words(self) -> list[str]:
        """The folded words of every term, for finding them again in a text."""
        return [w for t in self.terms for w in t.text.split()]


def _has_word(text: str) -> bool:
    return any(c.isalnum() for c in text)


def parse_query(text: str) -> Query:
    """Parse what a user typed; `SearchError` for an empty query or an unclosed quote."""
    if text.count('"') % 2:
        raise SearchError(f'{text!r}: a quoted phrase is not closed (add the closing ")')
    terms: list[Term] = []
    for match in _TOKEN.finditer(text):
        phrase, word = match.groups()
        if phrase is not None:
            folded = fold(phrase).strip()
            if _has_word(folded):
                terms.append(Term(" ".join(folded.split())))
            continue
        prefix = word.endswith("*") and _has_word(word.rstrip("*"))
        folded = fold(word.rstrip("*") if prefix else word).strip()
        if _has_word(folded):
            terms.append(Term(" ".join(folded.split()), prefix=prefix))
    if not terms:
        raise SearchError(f"{text!r}: the query has no word to search for")
    return Query(text, tuple(terms))
