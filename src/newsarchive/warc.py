"""WARC 1.1 export and import of records (optional extra: `pip install 'newsarchive[warc]'`).

**Export** (`write_warc`) writes one WARC file: a `warcinfo` record first
(software, format), then for each article

- a `resource` record: `WARC-Target-URI` is the record's `url`, `WARC-Date`
  its `retrieved_at` exactly as stored (WARC 1.1 allows 1-9 fractional
  digits), `Content-Type` its `media_type`, and the block is the exact UTF-8
  bytes of the content; and
- a `metadata` record with `WARC-Refers-To` naming that resource, whose block
  is the newsarchive record as RFC 8785 canonical JSON *without* `content`
  (the resource holds it; `record_digest` never covers content), under the
  content type `application/vnd.newsarchive.record+json; version=1`
  (`RECORD_CONTENT_TYPE`).

`WARC-Block-Digest` and `WARC-Payload-Digest` are `sha256:` + base32, the
encoding warcio and Heritrix write. Each record is its own gzip member by
default, so `warcio index` and replay tools can seek to it. The output is
deterministic: record ids are UUIDv5 of the newsarchive record id and record
digest, and dates come from the records, so the same records give the same
bytes; only the `warcinfo` record carries the export time (`date`). A record
without content cannot be a resource record and is refused (`WarcError`,
code `no-content`).

**Import** (`read_warc`) reads the whole file before anything is returned,
so a truncated, corrupt or non-WARC file is refused whole (`WarcError`).
Every record's `WARC-Block-Digest` and `WARC-Payload-Digest` are checked; a
record that fails is refused and reported, and the rest of the file still
goes in. Our own exports come back as the very records exported: the
embedded JSON is validated and must agree with its resource record (content,
url, date, media type), so a tampered resource is refused. Foreign
`resource` and `response` records become new records (method `warc-import`;
see `read_warc`); `warcinfo`, `request`, `revisit`, other metadata and
non-text payloads are skipped and counted.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import attrs

from newsarchive import _json
from newsarchive._version import __version__
from newsarchive._warcframe import MAX_BLOCK, RawRecord, b32_digest, check_digest, iter_frames
from newsarchive.digest import Digest
from newsarchive.errors import JSONError, MissingExtra, NewsArchiveError, WarcError
from newsarchive.record import DEFAULT_AGENT, ArchivedArticle, ProvenanceEvent, Retrieval
from newsarchive.timestamps import Timestamp, parse_timestamp
from newsarchive.validation import validate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = [
    "RECORD_CONTENT_TYPE",
    "WarcReading",
    "WarcRefusal",
    "looks_like_warc",
    "read_warc",
    "write_warc",
]

#: The content type of the metadata record that carries a newsarchive record (format v1).
RECORD_CONTENT_TYPE: Final = "application/vnd.newsarchive.record+json; version=1"
#: The namespace of our deterministic WARC-Record-IDs (UUIDv5).
_NAMESPACE: Final = uuid.UUID("6f1d3c52-5a0e-5b6e-9d7e-6e657773a4c1")
_HTTP_RECORDS: Final = ("response", "request", "revisit")
_TEXT_TYPES: Final = frozenset(
    {
        "application/xhtml+xml",
        "application/xml",
        "application/json",
        "application/javascript",
        "application/ecmascript",
    }
)
_CHARSET: Final = re.compile(r""";\s*charset\s*=\s*"?([^";\s]+)"?""", re.IGNORECASE)
_TOKEN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
#: Decoded HTTP bodies larger than this are refused (a guard against compression bombs).
MAX_BODY: Final = 64 * 1024 * 1024


def _warcio() -> Any:
    try:
        from warcio.warcwriter import WARCWriter  # noqa: PLC0415
    except ImportError:
        raise MissingExtra("WARC support", "warc", "warcio") from None
    return WARCWriter


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _record_uuid(kind: str, record_id: str, record_digest: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{record_id}:{record_digest}')}>"


# -- export ---------------------------------------------------------------------------


def write_warc(
    records: Iterable[Mapping[str, Any] | ArchivedArticle],
    stream: IO[bytes],
    *,
    gzip: bool = True,
    date: datetime | Timestamp | str | None = None,
    filename: str | None = None,
) -> int:
    """Write `records` to `stream` as one WARC 1.1 file; return how many were written.

    `date` is the export time written in the `warcinfo` record (default:
    now, whole seconds); `filename` goes into its `WARC-Filename`. Record
    dicts are validated first (`InvalidRecord`); a record without content
    raises `WarcError` before anything of it is written.
    """
    writer_class = _warcio()
    writer = writer_class(stream, gzip=gzip, warc_version="WARC/1.1")
    when = _export_date(date)
    writer.write_record(_warcinfo(writer, when, filename))
    count = 0
    for item in records:
        record = item if isinstance(item, ArchivedArticle) else ArchivedArticle.from_dict(item)
        if record.content is None:
            raise WarcError(
                f"record {record.id} holds no content, so it cannot be a WARC resource record",
                code="no-content",
                target_uri=record.url,
            )
        resource, metadata = _article_records(writer, record)
        writer.write_record(resource)
        writer.write_record(metadata)
        count += 1
    return count


def _export_date(date: datetime | Timestamp | str | None) -> str:
    if date is None:
        return str(Timestamp.from_datetime(_utc_now().replace(microsecond=0)))
    if isinstance(date, Timestamp):
        return str(date)
    if isinstance(date, datetime):
        return str(Timestamp.from_datetime(date))
    return str(parse_timestamp(date))


def _warcinfo(writer: Any, when: str, filename: str | None) -> Any:
    fields = [
        ("software", f"newsarchive/{__version__} (warcio)"),
        ("format", "WARC File Format 1.1"),
        (
            "conformsTo",
            "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        ),
        (
            "description",
            (
                "newsarchive records: a resource record per article, then a "
                f"metadata record ({RECORD_CONTENT_TYPE}) that refers to it"
            ),
        ),
    ]
    block = "".join(f"{k}: {v}\r\n" for k, v in fields).encode("utf-8")
    headers = {
        "WARC-Type": "warcinfo",
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_NAMESPACE, f'warcinfo:{when}:{filename}')}>",
        "WARC-Date": when,
    }
    if filename:
        headers["WARC-Filename"] = filename
    headers["WARC-Block-Digest"] = b32_digest(block)
    return writer.create_warc_record(
        "",
        "warcinfo",
        payload=io.BytesIO(block),
        length=len(block),
        warc_content_type="application/warc-fields",
        warc_headers_dict=headers,
    )


def _article_records(writer: Any, record: ArchivedArticle) -> tuple[Any, Any]:
    data = record.to_dict()
    body = data.pop("content").encode("utf-8")
    digest = b32_digest(body)
    resource_id = _record_uuid("resource", record.id, str(record.record_digest))
    resource = writer.create_warc_record(
        record.url,
        "resource",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type=record.media_type,
        warc_headers_dict={
            "WARC-Type": "resource",
            "WARC-Record-ID": resource_id,
            "WARC-Date": str(record.retrieved_at),
            "WARC-Target-URI": record.url,
            "WARC-Payload-Digest": digest,
            "WARC-Block-Digest": digest,
        },
    )
    meta = _json.canonical_dumps(data)
    meta_digest = b32_digest(meta)
    metadata = writer.create_warc_record(
        record.url,
        "metadata",
        payload=io.BytesIO(meta),
        length=len(meta),
        warc_content_type=RECORD_CONTENT_TYPE,
        warc_headers_dict={
            "WARC-Type": "metadata",
            "WARC-Record-ID": _record_uuid("metadata", record.id, str(record.record_digest)),
            "WARC-Date": str(record.retrieved_at),
            "WARC-Target-URI": record.url,
            "WARC-Refers-To": resource_id,
            "WARC-Payload-Digest": meta_digest,
            "WARC-Block-Digest": meta_digest,
        },
    )
    return resource, metadata


# -- import ---------------------------------------------------------------------------


@attrs.frozen
class WarcRefusal:
    """A WARC record that was not imported, and why (`code` is stable, `reason` for people)."""

    number: int
    record_id: str | None
    target_uri: str | None
    code: str
    reason: str

    def where(self) -> str:
        """The record as a person finds it again: WARC-Record-ID, else number, and target URI."""
        text = f"record {self.record_id or f'#{self.number}'}"
        return f"{text} ({self.target_uri})" if self.target_uri else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "record_id": self.record_id,
            "target_uri": self.target_uri,
            "code": self.code,
            "reason": self.reason,
        }


@attrs.frozen
class WarcReading:
    """What a WARC file gives: records for the store, refused records, skipped counts."""

    #: Records ready for the store, in file order (valid; content included).
    records: tuple[dict[str, Any], ...]
    refused: tuple[WarcRefusal, ...]
    #: Why records were skipped -> how many (warcinfo, request, revisit, non-text, ...).
    skipped: Mapping[str, int]
    #: How many of `records` were newsarchive exports (the rest were built from foreign records).
    own: int

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


class _Refused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Skipped(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def read_warc(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    name: str | None = None,
    clock: Callable[[], datetime] = _utc_now,
    agent: str = DEFAULT_AGENT,
) -> WarcReading:
    """Read a WARC file (plain or gzip) into records; raise `WarcError` if it is not whole.

    Foreign `resource`/`response` records become records with method
    `warc-import`: `url` is the WARC-Target-URI (http(s) only), `retrieved_at`
    the WARC-Date, `content` the payload decoded by its charset (HTTP bodies
    after removing chunked transfer coding and gzip/deflate content coding; no
    declared charset means UTF-8), `media_type` the declared type with
    `charset=utf-8` (the content is stored as UTF-8; the original header is
    kept in the notes, as are the HTTP status line and headers), and one
    `import` event naming the file, WARC-Record-ID and payload digest, whose
    `source_digest` is the SHA-256 of the payload bytes as stored in the
    WARC. `retrieval.agent` is the warcinfo `software` when there is one,
    else `agent`. `clock` gives the import time (and "now" for validation).
    """
    if isinstance(source, (str, os.PathLike)):
        label = name or str(source)
        with Path(source).open("rb") as f:
            return _Reader(label, clock, agent).read(f)
    return _Reader(name or "(stream)", clock, agent).read(source)


class _Reader:
    def __init__(self, name: str, clock: Callable[[], datetime], agent: str) -> None:
        self.name = name
        self.clock = clock
        self.agent = agent
        self.crawler: str | None = None
        self.records: list[dict[str, Any]] = []
        self.refused: list[WarcRefusal] = []
        self.refused_ids: set[str] = set()
        self.skipped: dict[str, int] = {}
        self.own = 0
        self.pending: RawRecord | None = None

    def read(self, stream: IO[bytes]) -> WarcReading:
        for raw in iter_frames(stream, self.name):
            self.take(raw)
        self.flush()
        return WarcReading(
            tuple(self.records), tuple(self.refused), dict(sorted(self.skipped.items())), self.own
        )

    def refuse(self, raw: RawRecord, code: str, reason: str) -> None:
        self.refused.append(WarcRefusal(raw.number, raw.record_id, raw.target_uri, code, reason))
        if raw.record_id:
            self.refused_ids.add(raw.record_id)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def flush(self) -> None:
        """The resource held back is not followed by our metadata: import it as foreign."""
        raw, self.pending = self.pending, None
        if raw is not None:
            self.foreign(raw)

    def take(self, raw: RawRecord) -> None:
        kind = (raw.header("WARC-Type") or "").lower()
        try:
            self.check_digests(raw, kind)
        except _Refused as exc:
            pair = self.pending
            if (
                kind == "metadata"
                and self._ours(raw)
                and pair is not None
                and pair.record_id == raw.header("WARC-Refers-To")
            ):
                # Our export's pair goes or stays together: never half a record.
                self.pending = None
                self.refuse(pair, "metadata-refused", "its metadata record was refused")
            self.flush()
            self.refuse(raw, exc.code, exc.reason)
            return
        if kind == "metadata" and self._ours(raw):
            self.own_record(raw)
            return
        self.flush()
        if kind == "resource":
            self.pending = raw
        elif kind == "response":
            self.foreign(raw)
        else:
            if kind == "warcinfo":
                self.crawler = _software(raw)
            self.skip(kind or "untyped")

    @staticmethod
    def _ours(raw: RawRecord) -> bool:
        content_type = (raw.header("Content-Type") or "").split(";")[0].strip().lower()
        return content_type == RECORD_CONTENT_TYPE.split(";")[0]

    def check_digests(self, raw: RawRecord, kind: str) -> None:
        if kind == "revisit":
            return  # its payload digest names the earlier payload, not this block
        block_digest = raw.header("WARC-Block-Digest")
        if block_digest is not None:
            problem = check_digest(block_digest, raw.block, raw.block_hashes)
            if problem is not None:
                raise _Refused("block-digest-mismatch", f"WARC-Block-Digest: {problem}")
        payload_digest = raw.header("WARC-Payload-Digest")
        if payload_digest is not None and raw.block is not None:
            problem = check_digest(payload_digest, _http_split(raw, kind)[1])
            if problem is not None:
                raise _Refused("payload-digest-mismatch", f"WARC-Payload-Digest: {problem}")

    # -- our own exports ------------------------------------------------------------

    def own_record(self, meta: RawRecord) -> None:
        resource, self.pending = self.pending, None
        refers = meta.header("WARC-Refers-To")
        if resource is None or resource.record_id != refers:
            if resource is not None:
                self.foreign(resource)
            if refers in self.refused_ids:
                self.refuse(meta, "resource-refused", f"its resource record {refers} was refused")
            else:
                self.refuse(
                    meta,
                    "no-resource",
                    f"WARC-Refers-To {refers} is not the resource record just before it",
                )
            return
        try:
            record = self._rebuild(resource, meta)
        except _Refused as exc:
            self.refuse(meta, exc.code, exc.reason)
            if resource.record_id:
                self.refused_ids.add(resource.record_id)
            return
        self.records.append(record)
        self.own += 1

    def _rebuild(self, resource: RawRecord, meta: RawRecord) -> dict[str, Any]:
        if resource.block is None or meta.block is None:
            raise _Refused("too-large", f"larger than {MAX_BLOCK} bytes")
        try:
            text = resource.block.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Refused("bad-utf8", f"its resource is not UTF-8 ({exc.reason})") from None
        try:
            data = _json.loads(meta.block)
        except JSONError as exc:
            raise _Refused("bad-json", f"the embedded record is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise _Refused("bad-json", "the embedded record is not a JSON object")
        if "content" in data and data["content"] != text:
            raise _Refused("content-mismatch", "the embedded content differs from the resource")
        data["content"] = text
        errors = [p for p in validate(data, now=self.clock()) if p.severity == "error"]
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise _Refused(
                "invalid-record",
                f"the embedded record does not match its resource: "
                f"{first.pointer or '/'} {first.code}: {first.message}{more}",
            )
        for key, header in (
            ("url", "WARC-Target-URI"),
            ("retrieved_at", "WARC-Date"),
            ("media_type", "Content-Type"),
        ):
            actual = resource.target_uri if key == "url" else resource.header(header)
            if data[key] != actual:
                raise _Refused(
                    "header-mismatch",
                    f"the record's {key} {data[key]!r} differs from the resource's "
                    f"{header} {actual!r}",
                )
        return ArchivedArticle.from_dict(data, now=self.clock()).to_dict()

    # -- foreign records ------------------------------------------------------------

    def foreign(self, raw: RawRecord) -> None:
        try:
            record = self._convert(raw)
        except _Skipped as exc:
            self.skip(exc.why)
            return
        except _Refused as exc:
            self.refuse(raw, exc.code, exc.reason)
            return
        self.records.append(record)

    def _convert(self, raw: RawRecord) -> dict[str, Any]:
        kind = (raw.header("WARC-Type") or "").lower()
        if raw.header("WARC-Segment-Number") is not None:
            raise _Skipped("segmented")
        if raw.block is None:
            raise _Skipped("too-large")
        head, payload = _http_split(raw, kind)
        notes = [f"WARC record {raw.record_id} in {self.name}"]
        body = payload
        if kind == "response":
            if head is None:
                raise _Refused("bad-http", "a response record without an HTTP response message")
            content_type = head.get_header("Content-Type") or ""
            notes.append(f"HTTP status: {head.protocol} {head.statusline}")
            notes.append("HTTP headers:\n" + "\n".join(f"{k}: {v}" for k, v in head.headers))
        else:
            content_type = raw.header("Content-Type") or ""
            notes.append(f"Content-Type: {content_type}")
        essence = content_type.split(";")[0].strip().lower()
        if not _is_text(essence):
            raise _Skipped("non-text")
        if kind == "response":
            body = _decode_transfer(head, payload)
        content = _decode_text(body, content_type)
        uri = raw.target_uri or ""
        if urlsplit(uri).scheme.lower() not in {"http", "https"}:
            raise _Refused("bad-url", f"WARC-Target-URI {uri[:100]!r} is not an http(s) URL")
        warc_date = raw.header("WARC-Date")
        if warc_date is None:
            raise _Refused("bad-warc-date", "no WARC-Date")
        payload_digest = raw.header("WARC-Payload-Digest")
        now = self.clock()
        try:
            event = ProvenanceEvent(
                type="import",
                at=Timestamp.from_datetime(now),
                agent=DEFAULT_AGENT,
                detail=f"imported from WARC file {self.name}: WARC-Record-ID {raw.record_id}, "
                f"WARC-Payload-Digest {payload_digest or '(none)'}",
                source_digest=Digest.of_bytes(payload),
            )
            record = ArchivedArticle.create(
                url=uri,
                content=content,
                retrieved_at=parse_timestamp(warc_date),
                retrieval=Retrieval(
                    method="warc-import", agent=self.crawler or self.agent, notes=tuple(notes)
                ),
                provenance=[event],
                media_type=f"{essence}; charset=utf-8",
            )
        except NewsArchiveError as exc:
            raise _Refused(exc.code, str(exc).splitlines()[0]) from None
        data = record.to_dict()
        errors = [p for p in validate(data, now=now) if p.severity == "error"]
        if errors:  # e.g. a WARC-Date in the future
            raise _Refused(errors[0].code, errors[0].message)
        return data


def _software(raw: RawRecord) -> str | None:
    """The `software` field of a warcinfo record, if it is a usable one-line label."""
    if raw.block is None:
        return None
    for line in raw.block.decode("utf-8", "replace").splitlines():
        key, colon, value = line.partition(":")
        value = value.strip()
        if colon and key.strip().lower() == "software" and value.isprintable() and value:
            return value[:200]
    return None


def _is_text(essence: str) -> bool:
    if not _TOKEN.fullmatch(essence):
        return False
    return (
        essence.startswith("text/") or essence in _TEXT_TYPES or essence.endswith(("+xml", "+json"))
    )


def _http_split(raw: RawRecord, kind: str) -> tuple[Any, bytes]:
    """(HTTP status and headers or None, payload) as WARC defines the payload of a record."""
    block = raw.block or b""
    uri = (raw.target_uri or "").lower()
    if kind not in _HTTP_RECORDS or not block or not uri.startswith(("http:", "https:")):
        return None, block
    from warcio.statusandheaders import (  # noqa: PLC0415
        StatusAndHeadersParser,
        StatusAndHeadersParserException,
    )

    stream = io.BytesIO(block)
    parser = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"], verify=kind == "response")
    try:
        head = parser.parse(stream)
    except (StatusAndHeadersParserException, EOFError, ValueError):
        return None, block
    return head, block[stream.tell() :]


def _dechunk(data: bytes) -> bytes:
    """Remove HTTP/1.1 chunked transfer coding (trailers ignored)."""
    out = bytearray()
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            raise _Refused("bad-http", "malformed chunked transfer coding")
        size_text = data[pos:end].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _Refused("bad-http", "malformed chunked transfer coding") from None
        if size == 0:
            return bytes(out)
        chunk = data[end + 2 : end + 2 + size]
        if len(chunk) != size or len(out) + size > MAX_BODY:
            raise _Refused("bad-http", "truncated or oversized chunked body")
        out += chunk
        pos = end + 2 + size + 2


def _inflate(data: bytes, wbits: int, coding: str) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, MAX_BODY + 1)
    except zlib.error as exc:
        raise _Refused("bad-content-encoding", f"{coding} body cannot be decoded: {exc}") from None
    if len(out) > MAX_BODY:
        raise _Refused("too-large", f"the decoded body is larger than {MAX_BODY} bytes")
    if not inflater.eof:
        raise _Refused("bad-content-encoding", f"the {coding} body is truncated")
    return out


def _decode_transfer(head: Any, payload: bytes) -> bytes:
    body = payload
    if "chunked" in (head.get_header("Transfer-Encoding") or "").lower():
        body = _dechunk(body)
    coding = (head.get_header("Content-Encoding") or "identity").strip().lower()
    if coding in {"gzip", "x-gzip"}:
        return _inflate(body, 16 + zlib.MAX_WBITS, coding)
    if coding == "deflate":
        try:
            return _inflate(body, zlib.MAX_WBITS, coding)
        except _Refused:
            return _inflate(body, -zlib.MAX_WBITS, coding)  # raw deflate, as some servers send
    if coding in {"identity", ""}:
        return body
    raise _Refused("bad-content-encoding", f"unsupported Content-Encoding {coding!r}")


def _decode_text(body: bytes, content_type: str) -> str:
    match = _CHARSET.search(content_type)
    charset = match.group(1) if match else None
    if charset is None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Refused(
                "bad-charset",
                f"declares no charset and is not UTF-8 (byte {exc.start}: {exc.reason})",
            ) from None
    else:
        try:
            codecs.lookup(charset)
        except LookupError:
            raise _Refused("bad-charset", f"unknown charset {charset!r}") from None
        try:
            text = body.decode(charset)
        except UnicodeDecodeError as exc:
            raise _Refused(
                "bad-charset",
                f"not valid {charset} (byte {exc.start}: {exc.reason})",
            ) from None
    if "\x00" in text:
        raise _Refused("binary-content", "binary content (NUL characters) in a text payload")
    return text


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
