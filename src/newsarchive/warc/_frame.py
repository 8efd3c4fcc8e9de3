"""Strict WARC framing: records out of a plain or gzip-per-record WARC stream, and their digests.

warcio's own iterator is lenient on purpose (it reads what it can of a
damaged crawl and warns on stderr); an archive import must instead refuse a
truncated or corrupt file whole. So the framing is done here with the
standard library: every gzip member must end with its CRC and length
trailer, every record must have its whole `Content-Length` block followed by
the two CRLFs the format requires, and nothing but records may follow.
The digest comparison accepts the encodings found in the wild (base32, the
one warcio and Heritrix write; base16; base64).

One size limit, `MAX_BLOCK`, applies to everything held in memory: a record
block larger than it is hashed as it streams past and never held (only its
first `HEAD_BYTES`, enough for the HTTP headers, are kept), and a decoded
HTTP body larger than it is refused (`newsarchive.warc`).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import hmac
import io
import re
import zlib
from typing import IO, TYPE_CHECKING, Final, cast

import attrs

from newsarchive.errors import WarcError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "HEAD_BYTES",
    "MAX_BLOCK",
    "DigestProblem",
    "RawRecord",
    "b32_digest",
    "check_digest",
    "iter_frames",
    "looks_like_warc",
]

#: The most bytes of one record block (or one decoded HTTP body) held in memory;
#: larger blocks are hashed as they stream past, and their records are refused
#: (text) or skipped (anything else) by the importer.
MAX_BLOCK: Final = 64 * 1024 * 1024
#: How much of a block larger than `MAX_BLOCK` is kept: enough to read its HTTP headers.
HEAD_BYTES: Final = 64 * 1024
_MAX_LINE: Final = 64 * 1024
_MAX_HEADERS: Final = 1000
_CHUNK: Final = 1 << 20
_VERSION: Final = re.compile(rb"WARC/1\.[01]\r?\n")
# ASCII digits, bounded (int() refuses more than 4,300 digits with a ValueError).
_LENGTH: Final = re.compile(r"[0-9]{1,18}")
_GZIP_MAGIC: Final = b"\x1f\x8b"
_RECORD_END: Final = b"\r\n\r\n"


@attrs.frozen
class RawRecord:
    """One framed WARC record: its headers in order, its block (None when too large).

    `head` is the block itself when it is held, else its first `HEAD_BYTES`.
    """

    number: int
    offset: int
    headers: tuple[tuple[str, str], ...]
    block: bytes | None
    length: int
    block_hashes: dict[str, bytes] = attrs.field(eq=False)
    head: bytes = attrs.field(default=b"", eq=False)

    def header(self, name: str) -> str | None:
        """The first value of a header (names are case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        """Every value of a header, in order (a digest header may be repeated)."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    @property
    def record_id(self) -> str | None:
        return self.header("WARC-Record-ID")

    @property
    def target_uri(self) -> str | None:
        uri = self.header("WARC-Target-URI")
        # WARC 1.0 drafts (and wget 1.19) wrote the URI in angle brackets.
        if uri is not None and uri.startswith("<") and uri.endswith(">"):
            return uri[1:-1]
        return uri

    def describe(self) -> str:
        """How a person finds this record again: its id, else its number and target."""
        parts = [f"record {self.record_id or f'#{self.number}'}"]
        if self.target_uri:
            parts.append(f"({self.target_uri})")
        return " ".join(parts)


def _opened(stream: IO[bytes]) -> IO[bytes]:
    """The decompressed stream: gzip (one or many members) when it starts with the gzip magic."""
    reader = (
        stream
        if isinstance(stream, (io.BufferedReader, io.BufferedRandom))
        else io.BufferedReader(cast("io.RawIOBase", stream))
    )
    if reader.peek(2)[:2] == _GZIP_MAGIC:
        return io.BufferedReader(cast("io.RawIOBase", gzip.GzipFile(fileobj=reader, mode="rb")))
    return reader


class _Stream:
    """Reads the decompressed stream, turning decompression failures into `WarcError`."""

    def __init__(self, stream: IO[bytes], name: str | None) -> None:
        self.name = name
        self.stream = _opened(stream)
        self.offset = 0

    def _fail(self, exc: Exception) -> WarcError:
        if isinstance(exc, EOFError):
            return WarcError(
                "truncated: the gzip data ends before its last member does",
                code="truncated",
                path=self.name,
            )
        return WarcError(f"corrupt gzip data: {exc}", code="bad-gzip", path=self.name)

    def readline(self) -> bytes:
        try:
            line = self.stream.readline(_MAX_LINE)
        except (EOFError, OSError, zlib.error) as exc:
            raise self._fail(exc) from None
        self.offset += len(line)
        return line

    def read(self, size: int) -> bytes:
        try:
            data = self.stream.read(size)
        except (EOFError, OSError, zlib.error) as exc:
            raise self._fail(exc) from None
        self.offset += len(data)
        return data


def _decode_header(line: bytes, reader: _Stream, where: int) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        raise WarcError(
            f"WARC header at byte {where} is not UTF-8", code="bad-warc-header", path=reader.name
        ) from None


def _read_headers(reader: _Stream, start: int) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    while True:
        line = reader.readline()
        if not line or (not line.endswith(b"\n") and len(line) < _MAX_LINE):
            raise WarcError(
                f"truncated: the record at byte {start} ends inside its headers",
                code="truncated",
                path=reader.name,
            )
        if line in (b"\r\n", b"\n"):
            return headers
        if not line.endswith(b"\n"):
            raise WarcError(
                f"a WARC header line at byte {reader.offset - len(line)} is longer than "
                f"{_MAX_LINE} bytes",
                code="bad-warc-header",
                path=reader.name,
            )
        text = _decode_header(line, reader, reader.offset - len(line)).rstrip("\r\n")
        if text[:1] in (" ", "\t") and headers:  # a folded continuation line
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if not colon or not name.strip():
            raise WarcError(
                f"malformed WARC header line {text[:60]!r} in the record at byte {start}",
                code="bad-warc-header",
                path=reader.name,
            )
        headers.append((name.strip(), value.strip()))
        if len(headers) > _MAX_HEADERS:
            raise WarcError(
                f"more than {_MAX_HEADERS} headers in the record at byte {start}",
                code="bad-warc-header",
                path=reader.name,
            )


_DIGEST_NAMES: Final = {"sha1", "sha224", "sha256", "sha384", "sha512", "md5"}


def _algorithm(label: str) -> str | None:
    name = label.strip().lower().replace("-", "")
    return name if name in _DIGEST_NAMES else None


def _read_block(
    reader: _Stream, length: int, start: int, algorithms: set[str]
) -> tuple[bytes | None, bytes, dict[str, bytes]]:
    """Read exactly `length` bytes; keep them (or their head) and hash them in any case."""
    hashes = {a: hashlib.new(a) for a in algorithms}
    keep = length <= MAX_BLOCK
    head = b""
    parts: list[bytes] = []
    remaining = length
    while remaining:
        data = reader.read(min(remaining, _CHUNK))
        if not data:
            raise WarcError(
                f"truncated: the record at byte {start} declares {length} bytes, "
                f"but the file ends after {length - remaining}",
                code="truncated",
                path=reader.name,
            )
        remaining -= len(data)
        for h in hashes.values():
            h.update(data)
        if keep:
            parts.append(data)
        elif len(head) < HEAD_BYTES:
            head += data[: HEAD_BYTES - len(head)]
    block = b"".join(parts) if keep else None
    return block, (head if block is None else block), {a: h.digest() for a, h in hashes.items()}


def iter_frames(stream: IO[bytes], name: str | None = None) -> Iterator[RawRecord]:
    """Yield each record of a WARC stream; raise `WarcError` on anything that is not whole WARC.

    Blocks larger than `MAX_BLOCK` are read through (their block digest is
    still computed) and yielded with `block=None`. A file with no record at
    all (empty, or an empty gzip member) is not a WARC file.
    """
    reader = _Stream(stream, name)
    number = 0
    while True:
        start = reader.offset
        line = reader.readline()
        if not line:
            if number == 0:
                raise WarcError("not a WARC file: it holds no record", code="not-warc", path=name)
            return
        if line in (b"\r\n", b"\n"):
            continue  # stray blank lines between records are tolerated
        if not line.endswith(b"\n") and number and b"WARC/1.1\r\n".startswith(line):
            raise WarcError(
                f"truncated: the file ends inside the record at byte {start}",
                code="truncated",
                path=name,
            )
        if not _VERSION.fullmatch(line):
            what = "file" if number == 0 else f"data at byte {start}"
            raise WarcError(
                f"not a WARC 1.0/1.1 {what} (it starts {line[:20]!r})",
                code="not-warc",
                path=name,
            )
        number += 1
        headers = _read_headers(reader, start)
        lengths = [v for k, v in headers if k.lower() == "content-length"]
        if len(lengths) != 1 or not _LENGTH.fullmatch(lengths[0]):
            raise WarcError(
                f"the record at byte {start} has no single valid Content-Length, "
                "so the rest of the file cannot be framed",
                code="bad-warc-header",
                path=name,
            )
        length = int(lengths[0])
        # SHA-256 always, besides what the digest headers name: the import's second
        # pass compares it with the first, to notice a file changed in between.
        algorithms = {"sha256"} | {
            a
            for k, v in headers
            if k.lower() == "warc-block-digest" and (a := _algorithm(v.partition(":")[0]))
        }
        block, head, hashes = _read_block(reader, length, start, algorithms)
        end = reader.read(len(_RECORD_END))
        if end != _RECORD_END:
            code = "truncated" if len(end) < len(_RECORD_END) else "bad-warc-framing"
            raise WarcError(
                f"the record at byte {start} is not followed by CRLF CRLF "
                "(truncated, or a wrong Content-Length)",
                code=code,
                path=name,
            )
        yield RawRecord(number, start, tuple(headers), block, length, hashes, head)


def _decode_digest_value(value: str, size: int) -> bytes | None:
    """The raw digest from its base32, base16 or base64 text (None if it is none of them)."""
    text = value.strip()
    b32_len = -(-size // 5) * 8
    try:
        if len(text.rstrip("=")) == len(base64.b32encode(bytes(size)).rstrip(b"=")):
            return base64.b32decode(
                text.rstrip("=").upper() + "=" * (b32_len - len(text.rstrip("=")))
            )
        if len(text) == 2 * size:
            return bytes.fromhex(text)
        altchars = b"-_" if ("-" in text or "_" in text) else None
        return base64.b64decode(text, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return None


@attrs.frozen
class DigestProblem:
    """Why a WARC digest header fails: a stable `code` and a `reason` for people."""

    code: str
    reason: str


def check_digest(
    header: str, data: bytes | None, precomputed: dict[str, bytes] | None = None
) -> DigestProblem | None:
    """None if the WARC digest header `ALGORITHM:VALUE` matches `data`, else why it fails.

    `precomputed` holds digests already taken while streaming (for blocks
    too large to keep), keyed by algorithm. Codes: `unknown-digest-algorithm`
    (nothing can be checked), `digest-unchecked` (the block was too large to
    hold), `digest-mismatch`.
    """
    label, colon, value = header.partition(":")
    algorithm = _algorithm(label) if colon else None
    if algorithm is None:
        return DigestProblem(
            "unknown-digest-algorithm", f"unknown digest algorithm in {header[:80]!r}"
        )
    if precomputed is not None and algorithm in precomputed:
        actual = precomputed[algorithm]
    elif data is not None:
        actual = hashlib.new(algorithm, data).digest()
    else:
        return DigestProblem(
            "digest-unchecked", f"cannot check {header[:80]!r}: the record is too large to hold"
        )
    expected = _decode_digest_value(value, len(actual))
    if expected is None or not hmac.compare_digest(expected, actual):
        return DigestProblem(
            "digest-mismatch", f"digest mismatch: {header[:100]} does not match the bytes"
        )
    return None


def b32_digest(data: bytes) -> str:
    """`sha256:` + base32 of the SHA-256 of `data`, the WARC digest form warcio and Heritrix use."""
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


def looks_like_warc(head: bytes) -> bool:
    """True when the first bytes of a stream are WARC (plain, or gzip of WARC).

    Give a few KiB: a gzip member's Huffman tables come before its first byte of output.
    """
    if head.startswith(b"WARC/"):
        return True
    if head[:2] == b"\x1f\x8b":
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 5) == b"WARC/"
        except zlib.error:
            return False
    return False
