"""Evidence entries: the WARC records of a capture, kept in the segments beside its record.

An evidence entry holds one WARC 1.1 record, exactly as written in an
uncompressed WARC file (header, block, the closing CRLF CRLF), as base64
`content`, bound by `digest` (SHA-256 of those bytes) and `length`; a few of
its header fields are repeated for the index (`warc_record_id`, `warc_type`,
`target_uri`, `date`) and `record_id` names the stored record it supports
(null when it supports none). The transparency log strips `content` and keeps
the rest, so the digest stands for the bytes.

`store verify` re-decodes and re-hashes it (`evidence_problems`): the digest
and length, the repeated fields against the WARC header, the record's
`Content-Length`, and its `WARC-Block-Digest` and `WARC-Payload-Digest` against
the block. Only the standard library: the store imports no feature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from typing import Any, Final

import attrs

from newsarchive.errors import StoreError

__all__ = [
    "EVIDENCE_FIELDS",
    "WarcRecord",
    "evidence_bytes",
    "evidence_entry",
    "evidence_problems",
    "parse_warc_record",
    "split_warc",
]

#: The members of an evidence entry (`content` is the one the log strips).
EVIDENCE_FIELDS: Final = frozenset(
    {"content", "digest", "length", "record_id"}
    | {"warc_record_id", "warc_type", "target_uri", "date"}
)
_HEAD_END: Final = b"\r\n\r\n"


@attrs.frozen
class WarcRecord:
    """One WARC record: its header fields (names as written) and its block."""

    version: str
    headers: tuple[tuple[str, str], ...]
    block: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def _sha256_matches(claimed: str, data: bytes) -> bool:
    """A WARC digest header (`sha256:` + base32 or hex) against `data`; others can't be checked."""
    algorithm, _, value = claimed.strip().partition(":")
    digest = hashlib.sha256(data).digest()
    if algorithm.lower() != "sha256":
        return True
    return value.upper() in {base64.b32encode(digest).decode("ascii"), digest.hex().upper()}


def parse_warc_record(raw: bytes, *, whole: bool = True) -> WarcRecord:
    """Parse one uncompressed WARC record; `ValueError` says what is wrong with it.

    `whole`: the record must end the bytes (else more records may follow).
    """
    cut = raw.find(_HEAD_END)
    if cut < 0:
        raise ValueError("no end of the WARC header")
    lines = raw[:cut].decode("utf-8", errors="strict").split("\r\n")
    if not lines[0].startswith("WARC/"):
        raise ValueError("does not start with a WARC version line")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"bad WARC header line {line[:60]!r}")
        headers.append((name.strip(), value.strip()))
    found = {k.lower(): v for k, v in headers}
    length = found.get("content-length", "")
    if not length.isdigit():
        raise ValueError("no Content-Length")
    start = cut + len(_HEAD_END)
    block = raw[start : start + int(length)]
    after = raw[start + int(length) : start + int(length) + len(_HEAD_END) + whole]
    if len(block) != int(length) or after != _HEAD_END:
        raise ValueError("the block is not Content-Length bytes followed by CRLF CRLF")
    return WarcRecord(lines[0], tuple(headers), block)


def split_warc(data: bytes) -> list[bytes]:
    """The records of a WARC file (gzip, a member per record, or plain), each uncompressed."""
    out: list[bytes] = []
    if data[:2] == b"\x1f\x8b":
        rest = data
        while rest:
            inflater = zlib.decompressobj(wbits=31)
            out.append(inflater.decompress(rest) + inflater.flush())
            if not inflater.eof:
                raise ValueError("a gzip member of the WARC file is cut short")
            rest = inflater.unused_data
        return out
    pos = 0
    while pos < len(data):
        cut = data.find(_HEAD_END, pos)
        if cut < 0:
            raise ValueError("no end of a WARC header")
        record = parse_warc_record(data[pos:], whole=False)
        end = cut + len(_HEAD_END) + len(record.block) + len(_HEAD_END)
        out.append(data[pos:end])
        pos = end
    return out


def evidence_entry(raw: bytes, record_id: str | None) -> dict[str, Any]:
    """The evidence entry value of one uncompressed WARC record supporting `record_id`.

    `StoreError` (code `bad-evidence`) for bytes that are not one WARC record
    with a type and a record id.
    """
    try:
        record = parse_warc_record(raw)  # exactly one: the block must end the bytes
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"evidence is not one WARC record: {exc}", code="bad-evidence") from None
    warc_type, warc_id = record.header("WARC-Type"), record.header("WARC-Record-ID")
    if not warc_type or not warc_id:
        raise StoreError("evidence lacks WARC-Type or WARC-Record-ID", code="bad-evidence")
    value: dict[str, Any] = {
        "content": base64.b64encode(raw).decode("ascii"),
        "digest": f"sha256:{hashlib.sha256(raw).hexdigest()}",
        "length": len(raw),
        "record_id": record_id,
        "warc_record_id": warc_id,
        "warc_type": warc_type,
    }
    for key, name in (("target_uri", "WARC-Target-URI"), ("date", "WARC-Date")):
        found = record.header(name)
        if found is not None:
            value[key] = found
    return value


def evidence_bytes(value: dict[str, Any]) -> bytes:
    """The WARC record an evidence entry holds (`ValueError` if `content` is not base64)."""
    content = value.get("content")
    if not isinstance(content, str):
        content = "!"  # not base64
    try:
        return base64.b64decode(str(content).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("content is not base64") from None


def _http_payload(block: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        cut = block.find(separator)
        if cut >= 0:
            return block[cut + len(separator) :]
    return b""


def evidence_problems(value: dict[str, Any]) -> list[tuple[str, str]]:
    """What does not check out in an evidence entry: (finding code, message) pairs.

    `bad-entry` for a malformed entry, `corrupt-evidence` for bytes that no
    longer match their digest or their own WARC digests.
    """
    if set(value) - EVIDENCE_FIELDS or not {"content", "digest", "length"} <= set(value):
        return [("bad-entry", "evidence entry has unknown or missing members")]
    try:
        raw = evidence_bytes(value)
    except ValueError as exc:
        return [("corrupt-evidence", f"evidence {exc}")]
    digest, length = value.get("digest"), value.get("length")
    if digest != f"sha256:{hashlib.sha256(raw).hexdigest()}" or length != len(raw):
        return [("corrupt-evidence", f"evidence {digest} does not match its bytes")]
    try:
        record = parse_warc_record(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return [("corrupt-evidence", f"evidence {digest} is not a WARC record: {exc}")]
    problems = []
    for key, name in (
        ("warc_record_id", "WARC-Record-ID"),
        ("warc_type", "WARC-Type"),
        ("target_uri", "WARC-Target-URI"),
        ("date", "WARC-Date"),
    ):
        if value.get(key) != record.header(name):
            problems.append(("corrupt-evidence", f"evidence {digest}: {key} is not its {name}"))
    block_digest = record.header("WARC-Block-Digest")
    if block_digest is not None and not _sha256_matches(block_digest, record.block):
        problems.append(("corrupt-evidence", f"evidence {digest}: WARC-Block-Digest differs"))
    payload_digest = record.header("WARC-Payload-Digest")
    http = (record.header("Content-Type") or "").startswith("application/http")
    payload = _http_payload(record.block) if http else record.block
    if payload_digest is not None and not _sha256_matches(payload_digest, payload):
        problems.append(("corrupt-evidence", f"evidence {digest}: WARC-Payload-Digest differs"))
    return problems
