"""WARC 1.1 export and import of records (optional extra: `pip install 'newsarchive[warc]'`).

**Export** (`write_warc`) writes one WARC file: a `warcinfo` record first
(software, format), then for each article

- a `resource` record: `WARC-Target-URI` is the URI form of the record's
  `url` (`uri_form`: IDNA host, percent-encoded non-ASCII; the exact url
  stays in the embedded record), `WARC-Date` its `retrieved_at` exactly as
  stored (WARC 1.1 allows 1-9 fractional digits), `Content-Type` its
  `media_type`, and the block is the exact UTF-8 bytes of the content; and
- a `metadata` record with `WARC-Refers-To` naming that resource, whose block
  is the newsarchive record as RFC 8785 canonical JSON *without* `content`
  (the resource holds it; `record_digest` never covers content), under the
  content type `application/vnd.newsarchive.record+json; version=1`
  (`RECORD_CONTENT_TYPE`).

`WARC-Block-Digest` (and, on the resource, `WARC-Payload-Digest`; WARC 1.1
gives a metadata record no payload) are `sha256:` + base32, the encoding
warcio and Heritrix write. Each record is its own gzip member by default, so
`warcio index` and replay tools can seek to it. The article records are
deterministic: their ids are UUIDv5 of the newsarchive record id and record
digest, and their dates come from the records; the `warcinfo` record carries
the export time (`date`) and a random id, unique per export. A record without
content cannot be a resource record and is refused (`WarcError`, code
`no-content`).

**Import** (`read_warc`) frames the whole file and checks every digest
before any record is built, so a truncated, corrupt, empty or non-WARC file
is refused whole (`WarcError`). A record that fails a check is refused and
reported, and the rest of the file still goes in. Our own exports come back
as the very records exported, wherever the metadata record is in the file:
the embedded JSON is validated and must agree with the resource it refers to
(content, url, date, media type), so a tampered resource is refused with its
metadata. Foreign `resource` and `response` records with an http(s) target
become new records (method `warc-import`; see `read_warc`); `warcinfo`,
`request`, `revisit`, other metadata, non-http(s) targets and non-text
payloads are skipped and counted. `MAX_BLOCK` bounds what is held in memory.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import shutil
import tempfile
import uuid
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import attrs
import idna

from newsarchive import _json, _warcframe
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
    "MAX_BLOCK",
    "RECORD_CONTENT_TYPE",
    "WarcReading",
    "WarcRefusal",
    "looks_like_warc",
    "read_warc",
    "uri_form",
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
_RECORD_ESSENCE: Final = RECORD_CONTENT_TYPE.split(";")[0]
_VERSION_PARAM: Final = re.compile(r""";\s*version\s*=\s*"?([^";\s]*)"?""", re.IGNORECASE)
#: HTTP headers left out of the notes: credentials must not be archived.
_CREDENTIAL_HEADERS: Final = frozenset({"set-cookie", "set-cookie2", "cookie", "authorization"})
_LONG_FRACTION: Final = re.compile(r"[.,][0-9]{10}")
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
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_URI_CHARACTERS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?"
)
_HEX_DIGITS: Final = frozenset("0123456789ABCDEFabcdef")


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
    dicts are validated (`InvalidRecord`), and a record without content
    raises `WarcError` (code `no-content`). When `records` is a sequence
    (a list, a tuple) every record is checked before the first byte is
    written, so a failure writes nothing; any other iterable is checked as
    it streams, so a failure leaves the records before it written: give such
    a stream a temporary file (as `newsarchive export` does). A record given
    twice (same id and record digest) is written once: its WARC-Record-IDs
    are derived from those, and a WARC file must not repeat one.
    """
    writer_class = _warcio()
    articles: Iterable[ArchivedArticle]
    if isinstance(records, Sequence):
        articles = [_exportable(item) for item in records]
    else:
        articles = (_exportable(item) for item in records)
    writer = writer_class(stream, gzip=gzip, warc_version="WARC/1.1")
    # WARC 1.1 section 6.5: a metadata record has no well-defined payload, so no
    # WARC-Payload-Digest (warcio would add one to every type but these).
    writer.NO_PAYLOAD_DIGEST_TYPES = (*writer.NO_PAYLOAD_DIGEST_TYPES, "metadata")
    when = _export_date(date)
    writer.write_record(_warcinfo(writer, when, filename))
    count = 0
    written: set[tuple[str, str]] = set()
    for record in articles:
        key = (record.id, str(record.record_digest))
        if key in written:
            continue  # the same record again would repeat its WARC-Record-IDs
        written.add(key)
        resource, metadata = _article_records(writer, record)
        writer.write_record(resource)
        writer.write_record(metadata)
        count += 1
    return count


def _exportable(item: Mapping[str, Any] | ArchivedArticle) -> ArchivedArticle:
    """The record to export (validated), or `WarcError` when it cannot be a resource record."""
    record = item if isinstance(item, ArchivedArticle) else ArchivedArticle.from_dict(item)
    if record.content is None:
        raise WarcError(
            f"record {record.id} holds no content, so it cannot be a WARC resource record",
            code="no-content",
            target_uri=record.url,
        )
    return record


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
        # Unique per export (two exports with the same date and name are still two files).
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>",
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
    target = uri_form(record.url)
    resource_id = _record_uuid("resource", record.id, str(record.record_digest))
    resource = writer.create_warc_record(
        target,
        "resource",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type=record.media_type,
        warc_headers_dict={
            "WARC-Type": "resource",
            "WARC-Record-ID": resource_id,
            "WARC-Date": str(record.retrieved_at),
            "WARC-Target-URI": target,
            "WARC-Payload-Digest": digest,
            "WARC-Block-Digest": digest,
        },
    )
    meta = _json.canonical_dumps(data)
    meta_digest = b32_digest(meta)
    metadata = writer.create_warc_record(
        target,
        "metadata",
        payload=io.BytesIO(meta),
        length=len(meta),
        warc_content_type=RECORD_CONTENT_TYPE,
        warc_headers_dict={
            "WARC-Type": "metadata",
            "WARC-Record-ID": _record_uuid("metadata", record.id, str(record.record_digest)),
            "WARC-Date": str(record.retrieved_at),
            "WARC-Target-URI": target,
            "WARC-Refers-To": resource_id,
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
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> WarcReading:
    """Read a WARC file (plain or gzip) into records; raise `WarcError` if it is not whole.

    Two passes: the first frames the whole file and checks ids and digests,
    keeping only headers, so a truncated or corrupt file raises before any
    record is built; the second builds the records one at a time. A stream
    that is not a seekable buffered file (standard input, a pipe, a BytesIO)
    is first copied to a temporary file. With `on_record`, each record is
    handed to it as soon as it is built (and `WarcReading.records` is empty),
    so memory holds one record block at a time (plus, for our own exports
    whose metadata and resource are far apart, the first of each pair until
    the second comes); without it, the records are collected, in file order.
    A file that changes between the passes raises `WarcError` (`changed`),
    possibly after some records were handed on.
    Records are checked in this order: a repeated WARC-Record-ID refuses the
    later record; every `WARC-Block-Digest` and every `WARC-Payload-Digest`
    header must match (a repeated header is checked, not ignored; an unknown
    algorithm is refused as `unknown-digest-algorithm`).

    Our own metadata records (`RECORD_CONTENT_TYPE`) are paired with the
    resource their `WARC-Refers-To` names, wherever it is in the file; a pair
    that does not rebuild the record exactly is refused as a pair (both
    named), as is one whose metadata names another `version`.

    Foreign `resource`/`response` records with an http(s) `WARC-Target-URI`
    become records with method `warc-import` (other schemes, such as
    Heritrix's `dns:` or Browsertrix's `urn:pageinfo:`, are skipped and
    counted): `url` is the WARC-Target-URI, `retrieved_at` the WARC-Date (at
    most 9 fractional digits), `content` the payload decoded as text (HTTP
    bodies after removing chunked transfer coding and gzip/deflate content
    coding; a byte order mark decides the encoding, else the declared
    charset, which must be a web text encoding, else UTF-8), `media_type`
    the declared type with `charset=utf-8` (the content is stored as UTF-8;
    the original header is kept in the notes, as are the HTTP status line and
    headers except cookies), and one `import` event naming the file,
    WARC-Record-ID and payload digest, whose `source_digest` is the SHA-256
    of the payload bytes as stored in the WARC. A text record whose block is
    larger than `MAX_BLOCK` is refused (`too-large`); a larger non-text one
    is skipped. `retrieval.agent` is the warcinfo `software` when there is
    one, else `agent`. `clock` gives the import time (and "now" for
    validation).
    """
    if isinstance(source, (str, os.PathLike)):
        label = name or str(source)
        with Path(source).open("rb") as f:
            return _WarcImport(label, clock, agent).read(f, on_record)
    return _WarcImport(name or "(stream)", clock, agent).read(source, on_record)


def _kind(raw: RawRecord) -> str:
    return (raw.header("WARC-Type") or "").lower()


def _rereadable(stream: IO[bytes]) -> bool:
    """True when `stream` can be read twice by the framer as it is (buffered, seekable)."""
    return isinstance(stream, (io.BufferedReader, io.BufferedRandom)) and stream.seekable()


def _spooled(stream: IO[bytes]) -> IO[bytes]:
    """A temporary file holding the rest of `stream` (a pipe, standard input, a BytesIO)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the caller
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool


def _our_version(raw: RawRecord) -> str | None:
    """The `version` of our record content type, "" when it names none; None if not ours."""
    essence, _, params = (raw.header("Content-Type") or "").partition(";")
    if essence.strip().lower() != _RECORD_ESSENCE:
        return None
    match = _VERSION_PARAM.search(";" + params)
    return match.group(1) if match else ""


class _WarcImport:
    """One WARC file's records turned into store records, refusals and skip counts."""

    def __init__(self, name: str, clock: Callable[[], datetime], agent: str) -> None:
        self.name = name
        self.clock = clock
        self.agent = agent
        self.crawler: str | None = None
        self.records: list[tuple[int, dict[str, Any]]] = []
        self.refused: list[WarcRefusal] = []
        self.refused_numbers: set[int] = set()
        self.handled: set[int] = set()  # record numbers already imported or refused
        self.skipped: dict[str, int] = {}
        self.own = 0
        #: Our pairs found in the first pass: resource number <-> metadata number.
        self.pairs: dict[int, int] = {}
        self.on_record: Callable[[dict[str, Any]], None] | None = None

    def read(
        self, stream: IO[bytes], on_record: Callable[[dict[str, Any]], None] | None
    ) -> WarcReading:
        """Two passes over a seekable copy of `stream`; see `read_warc`."""
        self.on_record = on_record
        source = stream if _rereadable(stream) else _spooled(stream)
        try:
            start = source.tell()
            entries = self.first_pass(source)
            source.seek(start)
            self.second_pass(source, entries)
        finally:
            if source is not stream:
                source.close()
        self.records.sort(key=lambda item: item[0])
        return WarcReading(
            tuple(record for _, record in self.records),
            tuple(sorted(self.refused, key=lambda r: r.number)),
            dict(sorted(self.skipped.items())),
            self.own,
        )

    def first_pass(self, source: IO[bytes]) -> list[RawRecord]:
        """Frame the whole file and check ids and digests, keeping headers only; pair ours."""
        entries: list[RawRecord] = []
        first: dict[str, RawRecord] = {}
        for raw in iter_frames(source, self.name):
            entry = attrs.evolve(raw, block=None, head=b"")
            self.check(raw, first, entry)
            entries.append(entry)
        for entry in entries:
            if _kind(entry) == "metadata" and _our_version(entry) is not None:
                self.own_record(entry, first)
        return entries

    def second_pass(self, source: IO[bytes], entries: list[RawRecord]) -> None:
        """Build the records in file order, holding one side of a pair until the other comes."""
        held: dict[int, RawRecord] = {}
        frames = iter_frames(source, self.name)
        for entry in entries:
            raw = next(frames, None)
            if (
                raw is None
                or raw.record_id != entry.record_id
                or raw.length != entry.length
                or raw.block_hashes != entry.block_hashes
            ):
                raise WarcError(
                    "the file changed while it was being read", code="changed", path=self.name
                )
            partner = self.pairs.get(raw.number)
            if partner is not None:
                other = held.pop(partner, None)
                if other is None:
                    held[raw.number] = raw
                elif _kind(raw) == "resource":
                    self.rebuild_pair(raw, other)
                else:
                    self.rebuild_pair(other, raw)
            elif raw.number not in self.handled:
                self.other(raw)
        if next(frames, None) is not None:
            raise WarcError(
                "the file changed while it was being read", code="changed", path=self.name
            )

    def emit(self, number: int, record: dict[str, Any]) -> None:
        if self.on_record is None:
            self.records.append((number, record))
        else:
            self.on_record(record)

    def refuse(self, raw: RawRecord, code: str, reason: str) -> None:
        self.refused.append(WarcRefusal(raw.number, raw.record_id, raw.target_uri, code, reason))
        self.handled.add(raw.number)
        self.refused_numbers.add(raw.number)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def check(self, raw: RawRecord, first: dict[str, RawRecord], entry: RawRecord) -> None:
        """Refuse a record whose id is taken or whose digests fail; index `entry` by its id."""
        record_id = raw.record_id
        if record_id is not None and record_id in first:
            self.refuse(
                raw,
                "duplicate-record-id",
                f"WARC-Record-ID {record_id} is already the id of {first[record_id].describe()}",
            )
            return
        if record_id is not None:
            first[record_id] = entry
        try:
            self.check_digests(raw, _kind(raw))
        except _Refused as exc:
            self.refuse(raw, exc.code, exc.reason)

    def check_digests(self, raw: RawRecord, kind: str) -> None:
        """Check every digest header, repeated ones included (each must match)."""
        if kind == "revisit":
            return  # its payload digest names the earlier payload, not this block
        for header in raw.header_values("WARC-Block-Digest"):
            problem = check_digest(header, raw.block, raw.block_hashes)
            if problem is not None:
                code = (
                    "block-digest-mismatch" if problem.code == "digest-mismatch" else problem.code
                )
                raise _Refused(code, f"WARC-Block-Digest: {problem.reason}")
        payload_digests = raw.header_values("WARC-Payload-Digest")
        if payload_digests and raw.block is not None:
            payload = _http_split(raw, kind)[1]
            for header in payload_digests:
                problem = check_digest(header, payload)
                if problem is not None:
                    code = (
                        "payload-digest-mismatch"
                        if problem.code == "digest-mismatch"
                        else problem.code
                    )
                    raise _Refused(code, f"WARC-Payload-Digest: {problem.reason}")

    # -- our own exports ------------------------------------------------------------

    def own_record(self, meta: RawRecord, first: dict[str, RawRecord]) -> None:
        """Pair our metadata record with the resource it names, or refuse what cannot pair.

        Only headers are read here (first pass); the pair is rebuilt in the second.

        A resource is never dropped unreported: it is imported with its
        metadata, refused with it, or (when no metadata of ours claims it)
        imported as a foreign record.
        """
        refers = meta.header("WARC-Refers-To")
        target = first.get(refers) if refers is not None else None
        if target is not None and (target.number == meta.number or _kind(target) != "resource"):
            if target.number != meta.number and meta.number not in self.handled:
                self.refuse(
                    meta,
                    "no-resource",
                    f"WARC-Refers-To {refers} names {target.describe()}, "
                    f"a {_kind(target) or 'untyped'} record, not a resource",
                )
            target = None
        version = _our_version(meta)
        if meta.number in self.handled or version != "1":
            if meta.number not in self.handled:
                self.refuse(
                    meta,
                    "unsupported-version",
                    "unsupported version of the newsarchive record content type "
                    f"({meta.header('Content-Type')!r}); this reads version=1",
                )
            if target is not None and target.number not in self.handled:
                self.refuse(
                    target, "metadata-refused", f"its metadata {meta.describe()} was refused"
                )
            return
        self.handled.add(meta.number)
        if target is None:
            self.refuse(
                meta, "no-resource", f"WARC-Refers-To {refers} names no record in this file"
            )
            return
        if target.number in self.refused_numbers:
            self.refuse(meta, "resource-refused", f"its resource {target.describe()} was refused")
            return
        if target.number in self.handled:
            self.refuse(
                meta,
                "duplicate-metadata",
                f"another metadata record already refers to {target.describe()}",
            )
            return
        self.handled.add(target.number)
        self.pairs[target.number] = meta.number
        self.pairs[meta.number] = target.number

    def rebuild_pair(self, resource: RawRecord, meta: RawRecord) -> None:
        """Our record from its resource and metadata, or both refused, each naming the other."""
        try:
            record = self._rebuild(resource, meta)
        except _Refused as exc:
            self.refuse(meta, exc.code, f"{exc.reason} (its resource: {resource.describe()})")
            self.refuse(
                resource,
                "metadata-refused",
                f"its metadata {meta.describe()} was refused: {exc.code}",
            )
            return
        self.emit(resource.number, record)
        self.own += 1

    def _rebuild(self, resource: RawRecord, meta: RawRecord) -> dict[str, Any]:
        if resource.block is None or meta.block is None:
            raise _Refused("too-large", f"larger than {_warcframe.MAX_BLOCK} bytes")
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
        # Older exports wrote the url itself as the target URI; now its URI form.
        checks = (
            ("url", "WARC-Target-URI", resource.target_uri, {data["url"], uri_form(data["url"])}),
            ("retrieved_at", "WARC-Date", resource.header("WARC-Date"), {data["retrieved_at"]}),
            ("media_type", "Content-Type", resource.header("Content-Type"), {data["media_type"]}),
        )
        for key, header, actual, allowed in checks:
            if actual not in allowed:
                raise _Refused(
                    "header-mismatch",
                    f"the record's {key} {data[key]!r} differs from the resource's "
                    f"{header} {actual!r}",
                )
        return ArchivedArticle.from_dict(data, now=self.clock()).to_dict()

    # -- everything else ------------------------------------------------------------

    def other(self, raw: RawRecord) -> None:
        kind = _kind(raw)
        if kind in {"resource", "response"}:
            self.foreign(raw)
            return
        if kind == "warcinfo":
            self.crawler = _software(raw)
        self.skip(kind or "untyped")

    def foreign(self, raw: RawRecord) -> None:
        try:
            record = self._convert(raw)
        except _Skipped as exc:
            self.skip(exc.why)
            return
        except _Refused as exc:
            self.refuse(raw, exc.code, exc.reason)
            return
        self.emit(raw.number, record)

    def _convert(self, raw: RawRecord) -> dict[str, Any]:
        kind = _kind(raw)
        uri = raw.target_uri
        if not uri:
            raise _Refused("bad-url", f"a {kind} record without a WARC-Target-URI")
        scheme, colon, _ = uri.partition(":")
        if not colon or scheme.lower() not in {"http", "https"}:
            raise _Skipped("not-http")  # dns:, urn:pageinfo:, ftp:, ... are not articles
        if raw.header("WARC-Segment-Number") is not None:
            raise _Skipped("segmented")
        head, payload = _http_split(raw, kind)
        notes = [f"WARC record {raw.record_id} in {self.name}"]
        if kind == "response":
            if head is None:
                raise _Refused("bad-http", "a response record without an HTTP response message")
            content_type = head.get_header("Content-Type") or ""
            notes.append(f"HTTP status: {head.protocol} {head.statusline}")
            kept = [(k, v) for k, v in head.headers if k.lower() not in _CREDENTIAL_HEADERS]
            notes.append("HTTP headers:\n" + "\n".join(f"{k}: {v}" for k, v in kept))
        else:
            content_type = raw.header("Content-Type") or ""
            notes.append(f"Content-Type: {content_type}")
        essence = content_type.split(";")[0].strip().lower()
        if not _is_text(essence):
            raise _Skipped("non-text")
        if raw.block is None:
            raise _Refused(
                "too-large",
                f"its block of {raw.length} bytes is larger than the limit of "
                f"{_warcframe.MAX_BLOCK} bytes",
            )
        body = _decode_transfer(head, payload) if kind == "response" else payload
        content = _decode_text(body, content_type)
        warc_date = raw.header("WARC-Date")
        if warc_date is None:
            raise _Refused("bad-warc-date", "no WARC-Date")
        if _LONG_FRACTION.search(warc_date):
            raise _Refused(
                "bad-warc-date", f"WARC-Date {warc_date[:60]!r} has more than 9 fractional digits"
            )
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
    """(HTTP status and headers or None, payload) as WARC defines the payload of a record.

    For a block too large to hold, its head: enough for the HTTP headers.
    """
    block = raw.block if raw.block is not None else raw.head
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
    """Remove HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1; trailers ignored).

    Strict: a chunk size is hex digits only (no sign, `0x` or `_`, which
    Python's `int` would take), and every chunk must be followed by CRLF.
    """
    out = bytearray()
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            raise _Refused("bad-http", f"chunked body: no chunk-size line at byte {pos}")
        match = _CHUNK_SIZE.fullmatch(data, pos, end)
        if match is None:
            raise _Refused(
                "bad-http", f"chunked body: bad chunk size {bytes(data[pos:end][:20])!r}"
            )
        size = int(match.group(1), 16)
        if size == 0:
            return bytes(out)
        start = end + 2
        if len(out) + size > _warcframe.MAX_BLOCK:
            raise _Refused(
                "too-large", f"the decoded body is larger than {_warcframe.MAX_BLOCK} bytes"
            )
        if len(data) < start + size:
            raise _Refused("bad-http", "chunked body: truncated chunk")
        if data[start + size : start + size + 2] != b"\r\n":
            raise _Refused("bad-http", f"chunked body: no CRLF after the chunk at byte {pos}")
        out += data[start : start + size]
        pos = start + size + 2


def _inflate(data: bytes, wbits: int, coding: str) -> bytes:
    """Decode a zlib/deflate/gzip body; every gzip member, as browsers do, and nothing after."""
    out = bytearray()
    rest = data
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            out += inflater.decompress(rest, _warcframe.MAX_BLOCK + 1 - len(out))
        except zlib.error as exc:
            raise _Refused(
                "bad-content-encoding", f"{coding} body cannot be decoded: {exc}"
            ) from None
        if len(out) > _warcframe.MAX_BLOCK:
            raise _Refused(
                "too-large", f"the decoded body is larger than {_warcframe.MAX_BLOCK} bytes"
            )
        if not inflater.eof:
            raise _Refused("bad-content-encoding", f"the {coding} body is truncated")
        rest = inflater.unused_data
        if not rest:
            return bytes(out)
        if wbits <= zlib.MAX_WBITS or rest[:2] != _GZIP_MAGIC:
            raise _Refused(
                "bad-content-encoding",
                f"{len(rest)} bytes of other data after the {coding} body",
            )


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
        except _Refused as exc:
            if exc.code == "too-large":
                raise
            return _inflate(body, -zlib.MAX_WBITS, coding)  # raw deflate, as some servers send
    if coding in {"identity", ""}:
        return body
    raise _Refused("bad-content-encoding", f"unsupported Content-Encoding {coding!r}")


def _encoding(label: str) -> str:
    """The Python codec for a declared charset, if it is a web text encoding; else refuse."""
    lowered = label.strip().lower()
    try:
        name = codecs.lookup(_ENCODING_ALIASES.get(lowered, lowered)).name
    except LookupError:
        raise _Refused("bad-charset", f"unknown charset {label[:40]!r}") from None
    if name not in _WEB_ENCODINGS:
        raise _Refused("bad-charset", f"charset {label[:40]!r} is not a web text encoding")
    # WHATWG: the label utf-16 means UTF-16LE when no byte order mark says otherwise.
    return "utf-16-le" if name == "utf-16" else name


def _decode_text(body: bytes, content_type: str) -> str:
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
        raise _Refused("bad-charset", f"not valid {why} ({where})") from None
    if "\x00" in text:
        raise _Refused("binary-content", "binary content (NUL characters) in a text payload")
    return text


def _escape_uri_part(text: str, *, fragment: bool) -> str:
    """Percent-encode what RFC 3986 does not allow; keep valid escapes and the first `#`."""
    out: list[str] = []
    hash_seen = not fragment
    for i, ch in enumerate(text):
        escape = ch == "%" and len(text) >= i + 3 and {*text[i + 1 : i + 3]} <= _HEX_DIGITS
        if ch in _URI_CHARACTERS or escape:
            out.append(ch)
        elif ch == "#" and not hash_seen:
            hash_seen = True
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
    return "".join(out)


def uri_form(url: str) -> str:
    """The RFC 3986 URI of a record's `url`, as written in `WARC-Target-URI`.

    A record's url may be an IRI; WARC 1.1 requires a URI. So a non-ASCII host
    becomes its IDNA A-label, and non-ASCII characters, the characters RFC
    3986 does not allow (`" < > \\ ^ ` { | }`, `[ ]` outside the host, a second
    `#`) and a `%` not followed by two hex digits are percent-encoded (UTF-8).
    Everything else, case included, stays as it is, so an ASCII URL that is
    already a URI is unchanged.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _escape_uri_part(url, fragment=True)
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        host, colon, port = hostport, "", ""
    else:
        host, colon, port = hostport.partition(":")
    if not host.isascii():
        dot = "." if host.endswith(".") else ""
        try:
            host = idna.encode(host.removesuffix("."), uts46=True).decode("ascii") + dot
        except (idna.IDNAError, UnicodeError, ValueError):
            host = _escape_uri_part(host, fragment=False)  # RFC 3986 allows an escaped reg-name
    userinfo = _escape_uri_part(userinfo, fragment=False).replace("@", "%40")
    return (
        f"{scheme}{sep}{userinfo}{at}{host}{colon}{_escape_uri_part(port, fragment=False)}"
        f"{_escape_uri_part(tail, fragment=True)}"
    )


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
