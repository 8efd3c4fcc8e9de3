"""From the entity body to the page's text: content coding undone, then the text encoding.

Content codings (RFC 9110 section 8.4.1): `gzip` (every member, as browsers read it),
`deflate` (zlib, or the raw deflate some servers send), `br` (Brotli), `identity`, and
a list of them applied in order. The decoded size is held to the same limit as the body,
so a small compressed body cannot expand without bound. The text encoding is found as
browsers find it, by the code the WARC import uses (`newsarchive._encoding`).
"""

from __future__ import annotations

import zlib
from typing import Any, Final

from newsarchive._encoding import Sniffed, TextDecodingError, decode_document
from newsarchive.capture._result import Failure

__all__ = ["decode_content", "decode_text", "is_html"]

_GZIP_MAGIC: Final = b"\x1f\x8b"
_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})


def _too_large(limit: int) -> Failure:
    return Failure("too-large", f"the decoded body is over the limit of {limit:,} bytes")


def _inflate(data: bytes, wbits: int, coding: str, limit: int) -> bytes:
    out = bytearray()
    rest = data
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            out += inflater.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise Failure("bad-content-encoding", f"the {coding} body is corrupt: {exc}") from None
        if len(out) > limit:
            raise _too_large(limit)
        if not inflater.eof:
            raise Failure("bad-content-encoding", f"the {coding} body is truncated")
        rest = inflater.unused_data
        if not rest or wbits <= zlib.MAX_WBITS or rest[:2] != _GZIP_MAGIC:
            return bytes(out)


def _brotli() -> Any:
    try:
        import brotli  # noqa: PLC0415 (the capture extra, imported when needed)
    except ImportError:  # pragma: no cover (installed with the capture extra)
        raise Failure("bad-content-encoding", "Content-Encoding br needs brotli") from None
    return brotli


def _unbrotli(data: bytes, limit: int) -> bytes:
    brotli = _brotli()
    decompressor = brotli.Decompressor()
    out = bytearray()
    step = 1 << 16
    for start in range(0, len(data), step):
        try:
            out += decompressor.process(data[start : start + step])
        except brotli.error as exc:
            raise Failure("bad-content-encoding", f"the br body is corrupt: {exc}") from None
        if len(out) > limit:
            raise _too_large(limit)
    if not decompressor.is_finished():
        raise Failure("bad-content-encoding", "the br body is truncated")
    return bytes(out)


def decode_content(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """`body` with its content codings undone (last applied, first undone)."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    data = body
    for coding in reversed(codings):
        if coding in {"gzip", "x-gzip"}:
            data = _inflate(data, 16 + zlib.MAX_WBITS, coding, limit)
        elif coding == "deflate":
            try:
                data = _inflate(data, zlib.MAX_WBITS, coding, limit)
            except Failure as exc:
                if exc.reason == "too-large":
                    raise
                data = _inflate(data, -zlib.MAX_WBITS, coding, limit)  # raw deflate
        elif coding == "br":
            data = _unbrotli(data, limit)
        elif coding != "identity":
            raise Failure("bad-content-encoding", f"unsupported Content-Encoding {coding[:40]!r}")
    if len(data) > limit:
        raise _too_large(limit)
    return data


def is_html(content_type: str | None, body: bytes) -> bool:
    """Whether a response is an HTML page: by its Content-Type, or, when it names no type,
    by the body starting (after white space) with `<`."""
    essence = (content_type or "").split(";")[0].strip().lower()
    if essence:
        return essence in _HTML_TYPES
    return body.lstrip()[:1] == b"<"


def decode_text(body: bytes, content_type: str | None) -> tuple[str, Sniffed]:
    """The page as text, decoded as browsers choose its encoding; strict."""
    try:
        return decode_document(body, content_type)
    except TextDecodingError as exc:
        raise Failure("bad-charset", exc.message) from None
