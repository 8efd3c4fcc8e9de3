"""Decoding an HTTP payload to text for WARC import: chunked transfer coding, gzip/deflate
content codings, byte order marks and web charsets.

Pure functions over bytes, kept apart from the WARC reading so the decoding rules (what is
refused, and why) can be read on their own. A payload that cannot be decoded raises `Refused`.
"""

from __future__ import annotations

import codecs
import re
import zlib
from typing import Any, Final

import attrs

from newsarchive.warc import _frame

__all__ = ["HttpHead", "Refused", "decode_text", "decode_transfer", "split_http"]

_CHARSET: Final = re.compile(r""";\s*charset\s*=\s*"?([^";\s]+)"?""", re.IGNORECASE)
_CHUNK_SIZE: Final = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?")
_GZIP_MAGIC: Final = b"\x1f\x8b"
#: The text encodings a payload may declare (Python codec names, after `codecs.lookup`):
#: those of the WHATWG Encoding Standard that Python has. Codecs that are not text
#: encodings (base64, hex, zlib, rot13, ...) and those no browser decodes web pages
#: with (utf-7, idna, unicode_escape, utf-32, ...) are refused.
_WEB_ENCODINGS: Final = frozenset(
    {
        "utf-8",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "ascii",
        "cp866",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "cp874",
        "tis-620",
        "shift_jis",
        "cp932",
        "euc_jp",
        "iso2022_jp",
        "euc_kr",
        "cp949",
        "gbk",
        "gb2312",
        "gb18030",
        "big5",
        "big5hkscs",
        "cp950",
        *(f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)),
        *(f"cp{n}" for n in range(1250, 1259)),
    }
)
#: WHATWG labels Python does not know by that name.
_ENCODING_ALIASES: Final = {
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-roman": "mac-roman",
    "iso-8859-8-i": "iso8859-8",
    "windows-31j": "cp932",
    "x-sjis": "shift_jis",
}
#: The decoder the WHATWG Encoding Standard (what browsers do) uses for an encoding
#: Python knows under its own, narrower name: pages labelled latin-1 or us-ascii are
#: read as windows-1252, GB2312 as GB18030, and so on, or their text would come out
#: as C1 controls or be refused.
_WHATWG_DECODERS: Final = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


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

    def get_header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def split_http(block: bytes, *, response: bool) -> tuple[HttpHead, bytes] | None:
    """(head, payload) of an HTTP message in a WARC block, or None if it is not one.

    Header bytes are ISO-8859-1 (RFC 9110 section 5.5); lines end in CRLF or
    LF; a line starting with a space or tab continues the previous header
    (obsolete line folding). A response must start with HTTP/1.0 or HTTP/1.1.
    """
    ends = [i for i in (block.find(b"\r\n\r\n"), block.find(b"\n\n")) if i >= 0]
    if ends:
        cut = min(ends)
        payload = block[cut + (4 if block.startswith(b"\r\n\r\n", cut) else 2) :]
    else:
        cut, payload = len(block), b""
    lines = block[:cut].decode("iso-8859-1").replace("\r\n", "\n").split("\n")
    protocol, _, statusline = lines[0].strip().partition(" ")
    if not protocol or (response and protocol not in ("HTTP/1.0", "HTTP/1.1")):
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


def _dechunk(data: bytes) -> bytes:
    """Remove HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1; trailers ignored).

    Strict: a chunk size is hex digits only (no sign, `0x` or `_`, which
    Python's `int` would take), and every chunk must be followed by CRLF.
    """
    out = bytearray()
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
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
        if len(data) < start + size:
            raise Refused("bad-http", "chunked body: truncated chunk")
        if data[start + size : start + size + 2] != b"\r\n":
            raise Refused("bad-http", f"chunked body: no CRLF after the chunk at byte {pos}")
        out += data[start : start + size]
        pos = start + size + 2


def _inflate(data: bytes, wbits: int, coding: str) -> bytes:
    """Decode a zlib/deflate/gzip body; every gzip member, as browsers do, and nothing after."""
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


def decode_transfer(head: Any, payload: bytes) -> bytes:
    body = payload
    if "chunked" in (head.get_header("Transfer-Encoding") or "").lower():
        body = _dechunk(body)
    coding = (head.get_header("Content-Encoding") or "identity").strip().lower()
    if coding in {"gzip", "x-gzip"}:
        return _inflate(body, 16 + zlib.MAX_WBITS, coding)
    if coding == "deflate":
        try:
            return _inflate(body, zlib.MAX_WBITS, coding)
        except Refused as exc:
            if exc.code == "too-large":
                raise
            return _inflate(body, -zlib.MAX_WBITS, coding)  # raw deflate, as some servers send
    if coding in {"identity", ""}:
        return body
    raise Refused("bad-content-encoding", f"unsupported Content-Encoding {coding!r}")


def _encoding(label: str) -> str:
    """The Python codec for a declared charset, if it is a web text encoding; else refuse."""
    lowered = label.strip().lower()
    try:
        name = codecs.lookup(_ENCODING_ALIASES.get(lowered, lowered)).name
    except LookupError:
        raise Refused("bad-charset", f"unknown charset {label[:40]!r}") from None
    if name not in _WEB_ENCODINGS:
        raise Refused("bad-charset", f"charset {label[:40]!r} is not a web text encoding")
    # WHATWG: the label utf-16 means UTF-16LE when no byte order mark says otherwise.
    if name == "utf-16":
        return "utf-16-le"
    return _WHATWG_DECODERS.get(name, name)


def decode_text(body: bytes, content_type: str) -> str:
    """Decode a payload: a byte order mark first (it wins, as in WHATWG), then the charset."""
    for bom, bom_encoding in _BOMS:
        if body.startswith(bom):
            encoding, data, why = bom_encoding, body[len(bom) :], f"{bom_encoding} (by its BOM)"
            break
    else:
        match = _CHARSET.search(content_type)
        if match is None:
            encoding, data, why = "utf-8", body, "UTF-8 (no charset declared)"
        else:
            encoding, data, why = _encoding(match.group(1)), body, match.group(1)[:40]
    try:
        text = data.decode(encoding)
    except (UnicodeError, LookupError) as exc:
        where = f"byte {exc.start}: {exc.reason}" if isinstance(exc, UnicodeDecodeError) else exc
        raise Refused("bad-charset", f"not valid {why} ({where})") from None
    if "\x00" in text:
        raise Refused("binary-content", "binary content (NUL characters) in a text payload")
    return text
