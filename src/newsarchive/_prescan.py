"""The HTML Standard's "prescan a byte stream to determine its encoding", step for step.

https://html.spec.whatwg.org/multipage/parsing.html#prescan-a-byte-stream-to-determine-its-encoding
with its helpers "get an attribute", "algorithm for extracting a character encoding from a
meta element" and "get an XML encoding". The caller gives the bytes to scan (the first
1,024, as the standard advises); running out of them ends the scan, as the end condition.
"""

from __future__ import annotations

import string
from typing import Final

import attrs

from newsarchive._webencodings import web_encoding

__all__ = ["Declared", "prescan"]

_SPACE: Final = frozenset(b"\t\n\x0c\r ")
_SPACE_OR_SLASH: Final = _SPACE | {0x2F}
_SPACE_OR_GT: Final = _SPACE | {0x3E}
_LETTER_BYTES: Final = frozenset(c.encode() for c in string.ascii_letters)
_META_ENDS: Final = frozenset(bytes([c]) for c in b"\t\n\x0c\r /")
_ASCII_WHITESPACE: Final = "\t\n\x0c\r "


@attrs.frozen
class Declared:
    """An encoding found by the prescan, and the label that named it."""

    encoding: str
    label: str


class _End(Exception):
    """The bytes ran out: the prescan's end condition."""


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise _End
        return self.data[self.pos]

    def at(self, prefix: bytes, *, nocase: bool = False) -> bool:
        part = self.data[self.pos : self.pos + len(prefix)]
        return (part.lower() if nocase else part) == prefix

    def skip_to(self, needle: bytes, start: int) -> None:
        """Point at the last byte of the first `needle` found from `start`."""
        found = self.data.find(needle, start)
        if found < 0:
            raise _End
        self.pos = found + len(needle) - 1


def prescan(data: bytes) -> Declared | None:
    """The encoding `data` declares (a `<meta>`, or an XML declaration), or None."""
    if data.startswith(b"<\x00?\x00x\x00"):
        return Declared("UTF-16LE", "UTF-16LE")
    if data.startswith(b"\x00<\x00?\x00x"):
        return Declared("UTF-16BE", "UTF-16BE")
    try:
        return _scan(_Bytes(data))
    except _End:
        return _xml_encoding(data)


def _scan(s: _Bytes) -> Declared | None:
    """The loop: tag by tag until a usable `<meta>`; raise `_End` when the bytes run out."""
    while True:
        s.skip_to(b"<", s.pos)  # "any other byte: do nothing with that byte"
        if s.at(b"<!--"):
            # The ">" of the first "-->" after the "<" (the dashes may be those of "<!--").
            s.skip_to(b"-->", s.pos + 2)
        elif s.at(b"<meta", nocase=True) and s.data[s.pos + 5 : s.pos + 6] in _META_ENDS:
            s.pos += 6
            found = _meta(s)
            if found is not None:
                return found
        elif _tag_start(s):
            s.pos += 2 if s.at(b"</") else 1
            while s.byte() not in _SPACE_OR_GT:
                s.pos += 1
            while _attribute(s) is not None:
                pass
        elif s.at(b"<!") or s.at(b"</") or s.at(b"<?"):
            s.skip_to(b">", s.pos + 1)
        s.pos += 1  # "next byte"


def _tag_start(s: _Bytes) -> bool:
    """`<` then an ASCII letter, or `</` then an ASCII letter."""
    data, pos = s.data, s.pos
    letter = pos + 2 if data[pos : pos + 2] == b"</" else pos + 1
    return data[pos : pos + 1] == b"<" and data[letter : letter + 1] in _LETTER_BYTES


def _meta(s: _Bytes) -> Declared | None:
    """The attributes of a `<meta`, and what they declare; None to go on scanning.

    Leaves the position on the `>` (or what ended the attributes), for "next byte".
    """
    seen: set[str] = set()
    got_pragma = False
    need_pragma: bool | None = None
    charset: Declared | None = None
    charset_failed = False
    while (attribute := _attribute(s)) is not None:
        name, value = attribute
        if name in seen:
            continue
        seen.add(name)
        if name == "http-equiv":
            got_pragma = got_pragma or value == "content-type"
        elif name == "content":
            label = _charset_in_content(value)
            encoding = web_encoding(label) if label is not None else None
            if encoding is not None and charset is None and not charset_failed:
                charset, need_pragma = Declared(encoding, label or ""), True
        elif name == "charset":
            encoding = web_encoding(value)
            charset = Declared(encoding, value) if encoding is not None else None
            charset_failed, need_pragma = encoding is None, False
    if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
        return None
    if charset.encoding in {"UTF-16BE", "UTF-16LE"}:
        return Declared("UTF-8", charset.label)
    if charset.encoding == "x-user-defined":
        return Declared("windows-1252", charset.label)
    return charset


def _attribute(s: _Bytes) -> tuple[str, str] | None:
    """The standard's "get an attribute": (name, value) lower-cased, or None at `>`."""
    while s.byte() in _SPACE_OR_SLASH:
        s.pos += 1
    if s.byte() == 0x3E:
        return None
    name = bytearray()
    while True:
        b = s.byte()
        if b == 0x3D and name:
            s.pos += 1
            break
        if b in _SPACE:
            while s.byte() in _SPACE:
                s.pos += 1
            if s.byte() != 0x3D:
                return _text(name), ""
            s.pos += 1
            break
        if b in {0x2F, 0x3E}:
            return _text(name), ""
        name.append(b)
        s.pos += 1
    while s.byte() in _SPACE:
        s.pos += 1
    value = bytearray()
    quote = s.byte()
    if quote in {0x22, 0x27}:
        s.pos += 1
        while (b := s.byte()) != quote:
            value.append(b)
            s.pos += 1
        s.pos += 1
        return _text(name), _text(value)
    if quote == 0x3E:
        return _text(name), ""
    while (b := s.byte()) not in _SPACE_OR_GT:
        value.append(b)
        s.pos += 1
    return _text(name), _text(value)


def _text(raw: bytearray) -> str:
    """Bytes as code points of the same value, ASCII upper case lowered (as the standard)."""
    return bytes(raw).decode("latin-1").translate(_LOWER)


_LOWER: Final = {c: c + 0x20 for c in range(0x41, 0x5B)}


def _charset_in_content(content: str) -> str | None:
    """The standard's "extracting a character encoding from a meta element": the label."""
    pos = 0
    lowered = content.lower()
    while True:
        found = lowered.find("charset", pos)
        if found < 0:
            return None
        pos = found + 7
        while pos < len(content) and content[pos] in _ASCII_WHITESPACE:
            pos += 1
        if pos < len(content) and content[pos] == "=":
            break
    pos += 1
    while pos < len(content) and content[pos] in _ASCII_WHITESPACE:
        pos += 1
    if pos >= len(content):
        return None
    first = content[pos]
    if first in "\"'":
        end = content.find(first, pos + 1)
        return None if end < 0 else content[pos + 1 : end]
    end = pos
    while end < len(content) and content[end] not in _ASCII_WHITESPACE + ";":
        end += 1
    return content[pos:end]


def _xml_encoding(data: bytes) -> Declared | None:
    """The standard's "get an XML encoding": `<?xml ... encoding="...">` at the very start."""
    if not data.startswith(b"<?xml"):
        return None
    end = data.find(b">")
    if end < 0:
        return None
    found = data.lower().find(b"encoding", 0, end)
    if found < 0:
        return None
    pos = found + 8
    while pos < end and data[pos] <= 0x20:
        pos += 1
    if data[pos : pos + 1] != b"=":
        return None
    pos += 1
    while pos < end and data[pos] <= 0x20:
        pos += 1
    quote = data[pos : pos + 1]
    if quote not in {b'"', b"'"}:
        return None
    close = data.find(quote, pos + 1)
    if close < 0:
        return None
    raw = data[pos + 1 : close]
    if any(b <= 0x20 for b in raw):
        return None
    label = raw.decode("latin-1")
    encoding = web_encoding(label)
    if encoding is None:
        return None
    if encoding in {"UTF-16BE", "UTF-16LE"}:
        return Declared("UTF-8", label)
    return Declared(encoding, label)
