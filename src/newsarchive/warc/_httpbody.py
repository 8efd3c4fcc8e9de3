"""Decoding an HTTP payload to text for WARC import: chunked transfer coding, gzip/deflate
content codings, then the text encoding (chosen as browsers choose it, `newsarchive._encoding`).

Pure functions over bytes, kept apart from the WARC reading so the decoding rules (what is
refused, and why) can be read on their own. A payload that cannot be decoded raises `Refused`.
"""

from __future__ import annotations

import re
import zlib
from typing import Any, Final

import attrs

from newsarchive._encoding import Sniffed, TextDecodingError, decode_document
from newsarchive.warc import _frame

__all__ = ["HttpHead", "Refused", "decode_text", "decode_transfer", "split_http"]

_CHUNK_SIZE: Final = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?")
_GZIP_MAGIC: Final = b"\x1f\x8b"
#: The HTTP-version of a status line: HTTP/1.0 and HTTP/1.1 (RFC 9112), and the
#: `HTTP/2` and `HTTP/3` (or `HTTP/2.0`) that tools write for HTTP/2 and HTTP/3 exchanges.
_STATUS: Final = re.compile(r"[0-9]{3}")
_HTTP_VERSION: Final = re.compile(r"HTTP/[0-9](?:\.[0-9])?")


class Refused(Exception):
    """A record the WARC import refuses: `code` is stable, `reason` for people.

    Raised by the decoders here and by the importer (`_read`, `_own`, `_foreign`) for its
    own checks.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@attrs.frozen
class HttpHead:
    """The status (or request) line and the headers of an HTTP message, in order."""

    protocol: str  # "HTTP/1.1" for a response; the method for a request
    statusline: str  # the rest of the first line, "200 OK"
    headers: tuple[tuple[str, str], ...]

    @property
    def status(self) -> int | None:
        """The status code of a response (`404` of `404 Not Found`), None if there is none."""
        code, _, _ = self.statusline.partition(" ")
        return int(code) if _STATUS.fullmatch(code) else None

    def get_header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def split_http(block: bytes, *, response: bool) -> tuple[HttpHead, bytes] | None:
    """(head, payload) of an HTTP message in a WARC block, or None if it is not one.

    Header bytes are ISO-8859-1 (RFC 9110 section 5.5); lines end in CRLF or
    LF; a line starting with a space or tab continues the previous header
    (obsolete line folding). A response must start with an HTTP version: HTTP/1.0,
    HTTP/1.1, or as written for later versions HTTP/2 (HTTP/2.0), HTTP/3.
    """
    ends = [i for i in (block.find(b"\r\n\r\n"), block.find(b"\n\n")) if i >= 0]
    if ends:
        cut = min(ends)
        payload = block[cut + (4 if block.startswith(b"\r\n\r\n", cut) else 2) :]
    else:
        cut, payload = len(block), b""
    lines = block[:cut].decode("iso-8859-1").replace("\r\n", "\n").split("\n")
    protocol, _, statusline = lines[0].strip().partition(" ")
    if not protocol or (response and not _HTTP_VERSION.fullmatch(protocol)):
        return None
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return HttpHead(protocol, statusline.strip(), tuple(headers)), payload


def _dechunk(data: bytes, *, partial: bool = False) -> bytes:
    """Remove HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1; trailers ignored).

    Strict: a chunk size is hex digits only (no sign, `0x` or `_`, which
    Python's `int` would take), and every chunk must be followed by CRLF.
    With `partial` (a truncated capture), what is there when the data ends is kept.
    """
    out = bytearray()
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0 and partial:
            return bytes(out)
        if end < 0:
            raise Refused("bad-http", f"chunked body: no chunk-size line at byte {pos}")
        match = _CHUNK_SIZE.fullmatch(data, pos, end)
        if match is None:
            raise Refused("bad-http", f"chunked body: bad chunk size {bytes(data[pos:end][:20])!r}")
        size = int(match.group(1), 16)
        if size == 0:
            return bytes(out)
        start = end + 2
        if len(out) + size > _frame.MAX_BLOCK:
            raise Refused("too-large", f"the decoded body is larger than {_frame.MAX_BLOCK} bytes")
        if len(data) < start + size + 2 and partial:
            return bytes(out + data[start : start + size])
        if len(data) < start + size:
            raise Refused("bad-http", "chunked body: truncated chunk")
        if data[start + size : start + size + 2] != b"\r\n":
            raise Refused("bad-http", f"chunked body: no CRLF after the chunk at byte {pos}")
        out += data[start : start + size]
        pos = start + size + 2


def _inflate(data: bytes, wbits: int, coding: str, *, partial: bool = False) -> bytes:
    """Decode a zlib/deflate/gzip body; every gzip member, as browsers do, and nothing after.

    With `partial` (a truncated capture), a body that ends early gives what it holds.
    """
    out = bytearray()
    rest = data
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            out += inflater.decompress(rest, _frame.MAX_BLOCK + 1 - len(out))
        except zlib.error as exc:
            raise Refused(
                "bad-content-encoding", f"{coding} body cannot be decoded: {exc}"
            ) from None
        if len(out) > _frame.MAX_BLOCK:
            raise Refused("too-large", f"the decoded body is larger than {_frame.MAX_BLOCK} bytes")
        if not inflater.eof and partial:
            return bytes(out)
        if not inflater.eof:
            raise Refused("bad-content-encoding", f"the {coding} body is truncated")
        rest = inflater.unused_data
        if not rest:
            return bytes(out)
        if wbits <= zlib.MAX_WBITS or rest[:2] != _GZIP_MAGIC:
            raise Refused(
                "bad-content-encoding",
                f"{len(rest)} bytes of other data after the {coding} body",
            )


def decode_transfer(head: Any, payload: bytes, *, partial: bool = False) -> bytes:
    """The body of an HTTP response: transfer and content codings removed.

    With `partial` (a truncated capture), codings that end early give what they hold.
    """
    body = payload
    if "chunked" in (head.get_header("Transfer-Encoding") or "").lower():
        body = _dechunk(body, partial=partial)
    coding = (head.get_header("Content-Encoding") or "identity").strip().lower()
    if coding in {"gzip", "x-gzip"}:
        return _inflate(body, 16 + zlib.MAX_WBITS, coding, partial=partial)
    if coding == "deflate":
        try:
            return _inflate(body, zlib.MAX_WBITS, coding, partial=partial)
        except Refused as exc:
            if exc.code == "too-large":
                raise
            # raw deflate, as some servers send
            return _inflate(body, -zlib.MAX_WBITS, coding, partial=partial)
    if coding in {"identity", ""}:
        return body
    raise Refused("bad-content-encoding", f"unsupported Content-Encoding {coding!r}")


def decode_text(
    body: bytes, content_type: str | None, *, partial: bool = False
) -> tuple[str, Sniffed]:
    """Decode a payload as a browser would choose its encoding (`newsarchive._encoding`).

    Returns the text and how its encoding was decided; NUL characters are refused.
    With `partial` (a truncated capture), a character cut off at the end is left out.
    """
    try:
        text, sniffed = decode_document(body, content_type, final=not partial)
    except TextDecodingError as exc:
        raise Refused(exc.code, exc.message) from None
    if "\x00" in text:
        raise Refused("binary-content", "binary content (NUL characters) in a text payload")
    return text, sniffed
