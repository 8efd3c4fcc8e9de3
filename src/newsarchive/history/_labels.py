"""What kind of change: labels for substantive content changes.

Labels: "byline" (the change touches a byline: a line of at most 120
characters starting with a byline word, among the first 12 or last 3 lines), "number" (a number
changed: `7 dead` -> `12 dead`), "quotation" (the change touches quoted
speech), "correction-notice" (a correction or update notice was added),
"sentence-added" / "sentence-removed" (whole sentences), "sentence-rewritten"
(half or more of a sentence's words replaced), and "wording" for any other
substantive change. A change can carry several labels.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING, Final

import attrs

from newsarchive.history._tokens import NOSPACE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from newsarchive.history._model import Change

__all__ = ["Labeller"]

_NUMBER: Final = re.compile(r"\d+(?:[.,\u066b\u066c]\d+)*")
_QUOTED: Final = re.compile(
    r"\u201c[^\u201d\n]*\u201d|\"[^\"\n]*\"|\u00ab[^\u00bb\n]*\u00bb|\u201e[^\u201c\u201d\n]*[\u201c\u201d]"
    r"|\u300c[^\u300d\n]*\u300d|\u300e[^\u300f\n]*\u300f"
)
# Sentences end at terminal punctuation or a line break; Thai, which has no full
# stop, separates sentences with a space, so a run of Thai text is one.
_SENTENCE: Final = re.compile(
    r"[\u0e00-\u0e7f][\u0e00-\u0e7f\d]*(?=[ \n]|$)"
    r"|[^\n.!?\u3002\uff01\uff1f\u061f\u06d4]+(?:[.!?\u3002\uff01\uff1f\u061f\u06d4]+|(?=\n)|$)"
)
_WORDISH: Final = re.compile(rf"[{NOSPACE}]|(?:(?![{NOSPACE}])\w)+")
_BYLINE: Final = re.compile(
    r"^\s*(?:By|From|Von|Par|Por|Di|Door|Av|Af|Автор|Авторы|作者|记者|記者|بقلم|نوشته|מאת|โดย)[\s:]",
    re.IGNORECASE,
)
_NOTICE: Final = re.compile(
    r"(?:^|[\n.!?]\s*|\s)\(?\*?(?:correction|corrections|clarification|update|updated"
    r"|editor['\u2019]s note|berichtigung|korrektur|aktualisierung|aktualisiert|correcci[oó]n"
    r"|fe de erratas|actualizaci[oó]n"
    r"|rectificatif|erratum|mise [àa] jour|corre[çc][ãa]o|atualiza[çc][ãa]o|исправление|обновлено"
    r"|تصحيح|تحديث|اصلاحیه|به‌روزرسانی|תיקון|עדכון|แก้ไข|ปรับปรุง)\s*[:\-\u2014\u2013(]"
    r"|(?:this|the) (?:article|story|report) (?:has been|was) (?:updated|corrected|amended)"
    r"|an earlier version of this|更正|訂正|修正しました|本文を更新",
    re.IGNORECASE,
)


def _spans(pattern: re.Pattern[str], text: str) -> _Spans:
    return _Spans([m.span() for m in pattern.finditer(text)])


def _byline_spans(text: str) -> _Spans:
    """Short lines starting with a byline word, among the first or last lines."""
    out: list[tuple[int, int]] = []
    pos = 0
    lines = text.split("\n")
    for n, line in enumerate(lines):
        near_edge = n < _BYLINE_TOP or n >= len(lines) - _BYLINE_BOTTOM
        if near_edge and len(line) <= _BYLINE_MAX and _BYLINE.match(line):
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return _Spans(out)


_BYLINE_TOP: Final = 12
_BYLINE_BOTTOM: Final = 3
_BYLINE_MAX: Final = 120


def _words(text: str) -> int:
    """Words about as the diff counts them (a Han or kana character is one)."""
    return len(_WORDISH.findall(text))


class _Spans:
    """Sorted, non-overlapping spans, searched by bisection."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.ends = [hi for _, hi in spans]

    def overlapping(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Spans sharing a character with [start, end); for an empty range, holding it inside."""
        for n in range(bisect_right(self.ends, start), len(self.spans)):
            lo, hi = self.spans[n]
            if lo >= end and not (start == end and lo < start):
                return
            if start < end or lo < start < hi:
                yield lo, hi

    def touches(self, start: int, end: int) -> bool:
        return next(self.overlapping(start, end), None) is not None


@attrs.define
class Labeller:
    """Labels changes between two fixed texts; spans of each text are found once."""

    a: str
    b: str
    _a_quotes: _Spans = attrs.field(init=False)
    _b_quotes: _Spans = attrs.field(init=False)
    _a_sent: _Spans = attrs.field(init=False)
    _b_sent: _Spans = attrs.field(init=False)
    _a_by: _Spans = attrs.field(init=False)
    _b_by: _Spans = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._a_quotes = _spans(_QUOTED, self.a)
        self._b_quotes = _spans(_QUOTED, self.b)
        self._a_sent = _spans(_SENTENCE, self.a)
        self._b_sent = _spans(_SENTENCE, self.b)
        self._a_by = _byline_spans(self.a)
        self._b_by = _byline_spans(self.b)

    def labels(self, c: Change) -> tuple[str, ...]:
        out: list[str] = []
        if self._a_by.touches(c.a_start, c.a_end) or self._b_by.touches(c.b_start, c.b_end):
            out.append("byline")
        if c.op == "replace":
            na, nb = _NUMBER.findall(c.a_text), _NUMBER.findall(c.b_text)
            if na and nb and na != nb:
                out.append("number")
        if (
            self._a_quotes.touches(c.a_start, c.a_end)
            or self._b_quotes.touches(c.b_start, c.b_end)
            or _QUOTED.search(c.a_text)
            or _QUOTED.search(c.b_text)
        ):
            out.append("quotation")
        if c.b_text and _NOTICE.search(c.b_text):
            out.append("correction-notice")
        added = self._whole(self._b_sent, self.b, c.b_start, c.b_end)
        removed = self._whole(self._a_sent, self.a, c.a_start, c.a_end)
        if added:
            out.append("sentence-added")
        if removed:
            out.append("sentence-removed")
        if not (added or removed) and c.op == "replace" and self._rewritten(c):
            out.append("sentence-rewritten")
        if not out:
            out.append("wording")
        return tuple(out)

    @staticmethod
    def _whole(sentences: _Spans, text: str, start: int, end: int) -> bool:
        """Whether [start, end) holds a whole sentence with at least two words."""
        if start == end:
            return False
        for lo, hi in sentences.overlapping(start, end):
            body = text[lo:hi]
            if start <= lo + len(body) - len(body.lstrip()) and hi <= end and _words(body) >= 2:
                return True
        return False

    def _rewritten(self, c: Change) -> bool:
        for lo, hi in self._a_sent.overlapping(c.a_start, c.a_end):
            total = _words(self.a[lo:hi])
            return 2 * max(c.words_removed, c.words_added) >= total >= 4
        return False
