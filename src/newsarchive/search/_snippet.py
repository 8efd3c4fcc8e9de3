"""A snippet: the stored text around the first place a query's words occur.

The index holds no text (it is contentless: content is not stored twice), so
the snippet is cut from the record's own content: the first occurrence of
the query's first word found there, folded as the index folds (`_fold`),
mapped back to the original characters, with `width` characters around it
on one line. Matched words are marked `[...]` so the mark does not depend on
a terminal's colours.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsarchive.errors import printable

if TYPE_CHECKING:
    from newsarchive.search._query import Query

from newsarchive.search._fold import fold_with_offsets

__all__ = ["snippet"]

_SPACE = re.compile(r"\s+")


def _spans(folded: str, words: list[str], prefix_words: set[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for word in words:
        tail = r"\w*" if word in prefix_words else ""
        pattern = rf"(?<!\w){re.escape(word)}{tail}(?!\w)" if word.isalnum() else re.escape(word)
        spans.extend(m.span() for m in re.finditer(pattern, folded))
    return sorted(spans)


def snippet(content: str, query: Query, width: int = 160) -> str:
    """One line of `content` around the query's first match, the matched words in brackets.

    The start of the text if no word is found literally (SQLite's tokenizer
    also ignores Latin diacritics, which this search does not).
    """
    folded, origin = fold_with_offsets(content)
    prefix_words = {t.text.split()[-1] for t in query.terms if t.prefix}
    spans: list[tuple[int, int]] = []
    for a, b in _spans(folded, query.words(), prefix_words):
        if b <= a:
            continue
        start, end = origin[a], origin[b - 1] + 1
        if spans and start <= spans[-1][1]:  # touching (characters of a phrase): one mark
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    if start:  # begin at a word, not inside one
        space = content.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(content), start + width)
    if end < len(content):  # and end after one
        space = content.rfind(" ", max(first, end - 30), end)
        end = space if space > first else end
    parts: list[str] = []
    at = start
    for a, b in spans:
        if a < at or b > end:
            continue
        parts.extend((content[at:a], "[", content[a:b], "]"))
        at = b
    parts.append(content[at:end])
    text = _SPACE.sub(" ", "".join(parts)).strip()
    return printable(("…" if start else "") + text + ("…" if end < len(content) else ""))
