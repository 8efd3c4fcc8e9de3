"""The article-text format: an article body, then `LINK: <url>` and `TAGS: <a, b>` lines.

Reading (`parse_article_text`), a contract:

1. A UTF-8 BOM at the start is removed (and reported in `has_bom`); the rest
   must be UTF-8 without NUL bytes (errors name line, column and byte offset).
2. Lines are split on LF only. `str.splitlines()` also splits on U+2028,
   U+0085, VT, FF and a lone CR, which legitimately occur inside article text
   and stay in the body untouched.
3. The trailer is found from the end of the file only: a last line starting
   `TAGS:` is the tags line and a line before it starting `LINK:` the link
   line; or a last line starting `LINK:` is the link line alone. So a body
   line that starts with `LINK:` stays in the body. Keywords are upper case at
   the start of the line; values are stripped of surrounding whitespace; a CR
   ending a trailer line is dropped (CRLF files are tolerated). One newline
   (LF or CRLF) after the trailer is tolerated.
4. `TAGS:` holds comma-separated tags, each stripped; empty ones are dropped
   (so an empty `TAGS:` means none).
5. The body is exactly the text before the trailer minus the one line break
   that separates them: CRLF when the first trailer line ended in CR, else LF.
   Nothing else is touched. With no trailer, the whole text is the body.

Writing (`format_article_text`) produces exactly
`BODY + "\\n" + "LINK: " + url + "\\n" + "TAGS:"`, then `" " + ", ".join(tags)`
when there are tags, with no newline at the end; it reproduces a canonical
input byte for byte, and refuses values that would not read back the same.
A body that itself starts with U+FEFF gets a BOM in front, because rule 1
removes one: without it, the reader would eat the body's first character.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs

from newsarchive.errors import ArticleTextError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["ArticleText", "format_article_text", "parse_article_text"]

_BOM: Final = b"\xef\xbb\xbf"


@attrs.frozen
class ArticleText:
    """A parsed article-text file; `tags` are as written (the record layer normalizes them)."""

    body: str
    link: str | None = None
    tags: tuple[str, ...] = ()
    has_bom: bool = False
    crlf: bool = False


def _locate(data: bytes, offset: int) -> tuple[int, int, str]:
    """1-based line and column (in characters) of a byte offset, and that line's text."""
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b"\n", offset)
    line_bytes = data[start : len(data) if end < 0 else end]
    column = len(data[start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column, line_bytes.decode("utf-8", "replace")


def _decode(data: bytes, path: str | None, bom: int) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column, text = _locate(data, nul)
        raise ArticleTextError(
            f"NUL byte at byte {nul + bom}: not a text file",
            code="nul-byte",
            path=path,
            line=line,
            column=column,
            source_line=text.replace("\x00", "\\0"),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column, text = _locate(data, exc.start)
        raise ArticleTextError(
            f"invalid UTF-8 at byte {exc.start + bom}",
            code="bad-utf8",
            path=path,
            line=line,
            column=column,
            source_line=text,
        ) from None


def _line_before(text: str, end: int) -> tuple[int, str]:
    """Start index and raw content of the line that ends just before index `end`."""
    start = text.rfind("\n", 0, end) + 1
    return start, text[start:end]


def _split(text: str, has_bom: bool) -> ArticleText | None:
    """Split off the trailer; None when the text has none."""
    start, last = _line_before(text, len(text))
    last_clean = last.removesuffix("\r")
    link: str | None = None
    tags: tuple[str, ...] = ()
    if last_clean.startswith("TAGS:"):
        tags = tuple(filter(None, map(str.strip, last_clean[5:].split(","))))
        first = last
        if start > 0:
            prev_start, prev = _line_before(text, start - 1)
            if prev.startswith("LINK:"):
                link = prev.removesuffix("\r")[5:].strip() or None
                start, first = prev_start, prev
    elif last_clean.startswith("LINK:"):
        link = last_clean[5:].strip() or None
        first = last
    else:
        return None
    crlf = first.endswith("\r")
    end = start
    if start > 0:  # drop the one separating line break
        end -= 2 if crlf and text.endswith("\r\n", 0, start) else 1
    return ArticleText(text[:end], link, tags, has_bom, crlf)


def parse_article_text(data: bytes, *, path: str | None = None) -> ArticleText:
    """Read an article-text file's bytes (rules 1-5 above)."""
    has_bom = data.startswith(_BOM)
    text = _decode(data[3:] if has_bom else data, path, 3 if has_bom else 0)
    parsed = None
    if text.endswith("\n"):  # rule 3: one newline after the trailer
        parsed = _split(text[:-1], has_bom)
    if parsed is None:
        parsed = _split(text, has_bom)
    return ArticleText(text, has_bom=has_bom) if parsed is None else parsed


def _unrepresentable(what: str, code: str = "unrepresentable") -> ArticleTextError:
    return ArticleTextError(f"cannot write article text: {what}", code=code)


def format_article_text(body: str, url: str, tags: Sequence[str]) -> bytes:
    """The canonical article-text bytes; raises `ArticleTextError` if they would not read back."""
    if "\n" in url or "\r" in url or url != url.strip() or not url:
        raise _unrepresentable(f"the url {url[:80]!r} must be one line without surrounding spaces")
    for tag in tags:
        if not tag or tag != tag.strip() or "," in tag or "\n" in tag or "\r" in tag:
            raise _unrepresentable(
                f"tag {tag[:80]!r} is empty, has surrounding spaces, or holds a comma or line break"
            )
    text = f"{body}\nLINK: {url}\nTAGS:" + (f" {', '.join(tags)}" if tags else "")
    if text.startswith("\ufeff"):
        text = "\ufeff" + text  # rule 1 strips one BOM; keep the body's own
    if "\x00" in text:
        raise _unrepresentable("NUL character", code="nul-byte")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _unrepresentable("lone surrogate (not Unicode text)", code="lone-surrogate") from None
