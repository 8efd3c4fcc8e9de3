"""Verifying that a copy is exactly what a record captured.

A copy is either the raw content or an article-text file (recognised by its
final `LINK:` line), which is compared by its body; its `LINK:` and `TAGS:`
must also name the record's url and tags, or the copy does not match. Only an exact byte match
passes. When the bytes differ, the verdict says whether the copy would match
after normalizing, and which normalizations: the smallest set that works,
trying sets by size and, within a size, in the order line endings, BOM,
Unicode NFC, trailing whitespace. A normalized match still fails, because the
bytes differ. Digests are compared in constant time.
"""

from __future__ import annotations

import itertools
import unicodedata
from typing import TYPE_CHECKING, Final, Literal

import attrs

from newsarchive._articletext import ArticleText, parse_article_text
from newsarchive._derive import normalize_tags
from newsarchive.digest import Digest, digest_equal
from newsarchive.errors import ArticleTextError

if TYPE_CHECKING:
    from collections.abc import Callable

    from newsarchive.record import ArchivedArticle

__all__ = ["NORMALIZATIONS", "CopyVerdict", "LineDifference", "verify_copy", "visible"]

Status = Literal["exact", "normalized", "mismatch"]
_BOM: Final = "\ufeff"


def _line_endings(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _bom(text: str) -> str:
    return text.removeprefix(_BOM)


def _unicode(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _trailing_whitespace(text: str) -> str:
    # Per line, whitespace other than the line break itself; then at the very end.
    lines = [
        line.rstrip(
            " \t\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
            "\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
        )
        for line in text.split("\n")
    ]
    return "\n".join(lines).rstrip()


#: Normalizations in the order they are tried.
NORMALIZATIONS: Final[tuple[tuple[str, Callable[[str], str]], ...]] = (
    ("line-endings", _line_endings),
    ("bom", _bom),
    ("unicode-nfc", _unicode),
    ("trailing-whitespace", _trailing_whitespace),
)


#: Characters a person cannot see or tell apart, spelled out when text is shown.
_INVISIBLE: Final = {
    "\r": "\\r",
    "\t": "\\t",
    "\n": "\\n",
    "\\": "\\\\",
    "\u00a0": "\\u00a0",  # no-break space
    "\u00ad": "\\u00ad",  # soft hyphen
    "\ufeff": "\\ufeff",  # BOM / zero-width no-break space
}
#: How many characters of context a window shows on each side of a difference.
WINDOW: Final = 20


def visible(text: str) -> str:
    """`text` with CR, tab, NBSP, zero-width and other invisible characters escaped."""
    out = []
    for char in text:
        escaped = _INVISIBLE.get(char)
        if escaped is None and (
            unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}
            or (char.isspace() and char != " ")
        ):
            escaped = f"\\u{ord(char):04x}"
        out.append(char if escaped is None else escaped)
    return "".join(out)


def _window(text: str, start: int) -> str:
    """A quoted excerpt of `text` from WINDOW characters before `start`, escaped."""
    begin = max(0, start - WINDOW)
    end = start + WINDOW
    inner = visible(text[begin:end])
    return f"{'…' if begin else ''}'{inner}'{'…' if end < len(text) else ''}"


@attrs.frozen
class LineDifference:
    """The first line where copy and original differ (1-based; None: that side has ended)."""

    line: int
    expected: str | None
    actual: str | None

    @property
    def column(self) -> int:
        """1-based position of the first differing character in the line."""
        want, got = self.expected or "", self.actual or ""
        for index, (a, b) in enumerate(zip(want, got, strict=False)):
            if a != b:
                return index + 1
        return min(len(want), len(got)) + 1

    def excerpts(self) -> tuple[str, str]:
        """Both sides around the first differing character, invisible characters escaped."""
        start = self.column - 1

        def show(side: str | None) -> str:
            return "end of text" if side is None else _window(side, start)

        return show(self.expected), show(self.actual)


@attrs.frozen
class CopyVerdict:
    """What `verify_copy` found."""

    status: Status
    form: Literal["raw", "article-text"]
    normalizations: tuple[str, ...] = ()
    first_difference: LineDifference | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Only an exact match passes."""
        return self.status == "exact"


def _copy_bytes(data: bytes) -> tuple[bytes, ArticleText | None]:
    """The bytes to compare with the content, and the parsed file if it is article text."""
    try:
        parsed = parse_article_text(data)
    except ArticleTextError:
        return data, None
    if parsed.link is None:
        return data, None
    body = parsed.body.encode("utf-8")
    return (b"\xef\xbb\xbf" + body if parsed.has_bom else body), parsed


def _trailer_difference(record: ArchivedArticle, parsed: ArticleText) -> str | None:
    if parsed.link != record.url:
        link, url = (f"'{visible(text)}'" for text in (parsed.link or "", record.url))
        return f"the LINK: line says {link}, the record's url is {url}"
    if normalize_tags(parsed.tags) != record.tags:
        return f"the TAGS: line says {list(parsed.tags)!r}, the record has {list(record.tags)!r}"
    return None


def _first_difference(expected: str, actual: str) -> LineDifference | None:
    want, got = expected.split("\n"), actual.split("\n")
    for number, (a, b) in enumerate(itertools.zip_longest(want, got), start=1):
        if a != b:
            return LineDifference(number, a, b)
    return None


def _normalized_match(expected: str | None, actual: str, digest: Digest) -> tuple[str, ...] | None:
    steps = range(len(NORMALIZATIONS))
    for size in range(1, len(NORMALIZATIONS) + 1):
        for chosen in itertools.combinations(steps, size):
            funcs = [NORMALIZATIONS[i][1] for i in chosen]
            copy = actual
            for func in funcs:
                copy = func(copy)
            if expected is not None:
                original = expected
                for func in funcs:
                    original = func(original)
                matched = original == copy
            else:
                matched = digest.matches(copy.encode("utf-8"))
            if matched:
                return tuple(NORMALIZATIONS[i][0] for i in chosen)
    return None


def verify_copy(record: ArchivedArticle, data: bytes) -> CopyVerdict:
    """Compare a copy's bytes with what the record captured.

    With the record's content at hand, normalizations are applied to both
    sides; without it, only to the copy, which is then hashed.
    """
    body, parsed = _copy_bytes(data)
    form: Literal["raw", "article-text"] = "raw" if parsed is None else "article-text"
    digest = record.content_digest
    if len(body) == record.content_length and digest_equal(
        digest, Digest.of_bytes(body, digest.algorithm)
    ):
        trailer = None if parsed is None else _trailer_difference(record, parsed)
        if trailer is not None:
            return CopyVerdict("mismatch", form, detail=f"the body matches but {trailer}")
        return CopyVerdict("exact", form, detail=f"{digest}")
    try:
        actual = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return CopyVerdict(
            "mismatch", form, detail=f"the copy is not UTF-8 text (byte {exc.start}) and differs"
        )
    expected = record.content
    difference = None if expected is None else _first_difference(expected, actual)
    chosen = _normalized_match(expected, actual, digest)
    if chosen is not None:
        return CopyVerdict(
            "normalized",
            form,
            chosen,
            difference,
            "matches only after normalizing " + ", ".join(chosen),
        )
    detail = (
        "content differs"
        if expected is not None
        else ("content differs (the record holds no content, so only digests were compared)")
    )
    return CopyVerdict("mismatch", form, (), difference, detail)
