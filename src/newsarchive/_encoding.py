"""Which text encoding a web page is in, decided as browsers decide it, and the decoding.

`sniff` follows the HTML Standard's encoding sniffing algorithm in this order:

1. a byte order mark (UTF-8, UTF-16BE, UTF-16LE) decides, whatever else is declared;
2. else the `charset` of the Content-Type (the HTTP header, or the WARC header of a
   resource record);
3. else, for HTML (a `text/html` type, or no type known), the HTML Standard's "prescan a
   byte stream to determine its encoding" over the first 1,024 bytes: `<meta charset>`,
   `<meta http-equiv="content-type" content="...; charset=...">`, comments and other tags
   skipped as the standard says (`_prescan`);
4. else the fallback, ours (the standard leaves it to the user agent): UTF-8 when the
   bytes are valid UTF-8, else windows-1252.

Labels are the WHATWG Encoding Standard's (`iso-8859-1` and `us-ascii` mean
windows-1252, `gb2312` means GBK, and so on); in a `<meta>` the UTF-16 labels mean UTF-8
and `x-user-defined` means windows-1252, and an unknown label is passed over, as browsers
do. A Content-Type charset is held to more: a label Python knows for a web encoding is
taken too (`latin-1`, `cp932`), and a label for no web text encoding (`base64`, `utf-7`,
`x-user-defined`, ...) raises `TextDecodingError` rather than being guessed around.
`decode` is strict: bytes that are not valid in the encoding raise `TextDecodingError`
(browsers would show U+FFFD; an archive refuses rather than store a changed text).

This module knows nothing of WARC: it is for any page fetched over HTTP.
"""

from __future__ import annotations

import codecs
import re
from typing import Final, Literal

import attrs

from newsarchive._prescan import prescan
from newsarchive._webencodings import web_encoding
from newsarchive.errors import NewsArchiveError

__all__ = ["Sniffed", "TextDecodingError", "decode", "decode_document", "sniff", "sniff_encoding"]

#: Where the encoding came from: a byte order mark, the Content-Type charset, the prescan
#: of the first 1,024 bytes (a `<meta>`, or an XML declaration), or the fallback.
Source = Literal["bom", "header", "meta", "default"]
#: How many bytes the prescan reads, as the HTML Standard advises.
PRESCAN_BYTES: Final = 1024
_CHARSET: Final = re.compile(r""";\s*charset\s*=\s*"?([^";\s]*)"?""", re.IGNORECASE)
_BOMS: Final = (
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_BE, "UTF-16BE"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"),
)
#: Python's names of web encodings that are not WHATWG labels, as WHATWG labels.
_PYTHON_NAMES: Final = {
    "ascii": "us-ascii",
    "big5hkscs": "big5",
    "cp874": "windows-874",
    "cp932": "shift_jis",
    "cp949": "euc-kr",
    "cp950": "big5",
    "euc_jp": "euc-jp",
    "euc_kr": "euc-kr",
    "iso2022_jp": "iso-2022-jp",
    "iso8859-16": "iso-8859-16",
    "mac-cyrillic": "x-mac-cyrillic",
    "mac-roman": "macintosh",
    "utf-16-be": "utf-16be",
    "utf-16-le": "utf-16le",
}
#: The Python codec that decodes each WHATWG encoding (its decoder, not its label's
#: namesake: GBK is read by the GB18030 decoder, Shift_JIS as Windows-31J, ...).
_CODECS: Final = {
    "UTF-8": "utf-8",
    "IBM866": "cp866",
    "ISO-8859-8-I": "iso8859-8",
    "KOI8-R": "koi8-r",
    "KOI8-U": "koi8-u",
    "macintosh": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "windows-874": "cp874",
    "GBK": "gb18030",
    "gb18030": "gb18030",
    "Big5": "big5hkscs",
    "EUC-JP": "euc_jp",
    "ISO-2022-JP": "iso2022_jp",
    "Shift_JIS": "cp932",
    "EUC-KR": "cp949",
    "UTF-16BE": "utf-16-be",
    "UTF-16LE": "utf-16-le",
    **{f"ISO-8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"windows-{n}": f"cp{n}" for n in range(1250, 1259)},
}
#: Encodings that give no text of a page: refused when a Content-Type names them.
_NOT_TEXT: Final = frozenset({"replacement", "x-user-defined"})


class TextDecodingError(NewsArchiveError, ValueError):
    """The bytes of a page cannot be decoded: an unusable charset, or invalid bytes."""

    code = "bad-charset"


@attrs.frozen
class Sniffed:
    """An encoding (its WHATWG name, such as `windows-1251`) and where it came from."""

    encoding: str
    source: Source
    #: The label as declared (for a byte order mark or the fallback, the encoding).
    label: str = ""
    #: How many bytes of byte order mark the text starts with (removed when decoding).
    bom: int = 0

    def why(self) -> str:
        """Where the encoding came from, for a person."""
        if self.source == "bom":
            return "by its byte order mark"
        if self.source == "header":
            return f"from the Content-Type charset {self.label!r}"
        if self.source == "meta":
            return f"declared as {self.label!r} in the first {PRESCAN_BYTES:,} bytes"
        if self.encoding == "UTF-8":
            return "none declared, and the bytes are valid UTF-8"
        return "none declared, and the bytes are not valid UTF-8"

    def describe(self) -> str:
        """The encoding and where it came from: `windows-1251 (declared as ... )`."""
        return f"{self.encoding} ({self.why()})"


def _essence(content_type: str | None) -> str | None:
    return None if content_type is None else content_type.split(";")[0].strip().lower()


def _header_encoding(label: str) -> str:
    """The WHATWG encoding a Content-Type charset names; raise if it names no usable one."""
    shown = label[:40]
    encoding = web_encoding(label)
    if encoding is None:
        try:
            name = codecs.lookup(label.strip().lower()).name
        except (LookupError, ValueError):
            raise TextDecodingError(f"unknown charset {shown!r}") from None
        encoding = web_encoding(_PYTHON_NAMES.get(name, name))
    if encoding is None or encoding in _NOT_TEXT:
        raise TextDecodingError(f"charset {shown!r} is not a web text encoding")
    return encoding


def sniff(body: bytes, content_type: str | None, *, final: bool = True) -> Sniffed:
    """The encoding `body` is in, and its source (see the module for the order).

    `final=False`: the body was cut off, so a character cut at its end does not make
    it "not valid UTF-8" for the fallback.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Sniffed(encoding, "bom", encoding, len(bom))
    match = _CHARSET.search(content_type or "")
    if match is not None and match.group(1):
        label = match.group(1)
        return Sniffed(_header_encoding(label), "header", label[:40])
    if _essence(content_type) in {None, "text/html"}:
        found = prescan(body[:PRESCAN_BYTES])
        if found is not None:
            return Sniffed(found.encoding, "meta", found.label)
    try:
        _decode(body, "utf-8", final=final)
    except UnicodeDecodeError:
        return Sniffed("windows-1252", "default", "windows-1252")
    return Sniffed("UTF-8", "default", "UTF-8")


def sniff_encoding(body: bytes, content_type: str | None) -> str:
    """The WHATWG name of the encoding `body` is in (`sniff` without the source)."""
    return sniff(body, content_type).encoding


def _single_byte_table(codec: str) -> str:
    """A windows-125x decoding table in which the bytes 0x80-0x9F that Python leaves
    undefined (0x81, 0x8D, ...) are the C1 controls of the same value, as in the WHATWG
    indexes; other undefined bytes stay undefined (U+FFFE in a charmap table)."""
    table = ""
    for byte in range(256):
        char = bytes([byte]).decode(codec, "ignore")
        table += char or (chr(byte) if 0x80 <= byte <= 0x9F else "\ufffe")
    return table


_TABLES: Final = {f"windows-{n}": _single_byte_table(f"cp{n}") for n in range(1250, 1259)}


def _decode(data: bytes, codec: str, *, final: bool) -> str:
    """Strict decoding; not `final`: an incomplete character at the end is left out."""
    if final:
        return data.decode(codec)  # several times faster than the incremental decoder
    return codecs.getincrementaldecoder(codec)().decode(data, final=False)


def decode(body: bytes, sniffed: Sniffed, *, final: bool = True) -> str:
    """`body` decoded from `sniffed.encoding` (its byte order mark removed); strict.

    With `final=False` (the bytes of a page that was cut off), an incomplete character
    at the end is left out instead of refused.
    """
    data = body[sniffed.bom :]
    table = _TABLES.get(sniffed.encoding)
    codec = _CODECS.get(sniffed.encoding)
    if table is None and codec is None:  # replacement: a page no browser shows as text
        raise TextDecodingError(f"{sniffed.describe()} is not a web text encoding")
    try:
        if table is not None:
            return codecs.charmap_decode(data, "strict", table)[0]
        return _decode(data, str(codec), final=final)
    except UnicodeDecodeError as exc:
        raise TextDecodingError(
            f"not valid {sniffed.encoding} at byte {exc.start} ({exc.reason}); "
            f"{sniffed.encoding} {sniffed.why()}"
        ) from None


def decode_document(
    body: bytes, content_type: str | None, *, final: bool = True
) -> tuple[str, Sniffed]:
    """`body` as text, and how its encoding was decided: `sniff`, then `decode`."""
    sniffed = sniff(body, content_type, final=final)
    return decode(body, sniffed, final=final), sniffed
