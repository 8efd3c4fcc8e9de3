"""WARC export: `write_warc` and the records it writes (see `newsarchive.warc` for the format).

The export owns the format's names, `RECORD_CONTENT_TYPE` (`record_content_type`
for a given record format version) and the URI form of a url
(`uri_form`), which the import (`_own`) uses to recognize our exports.
"""

from __future__ import annotations

import gzip as gzip_module
import io
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Final

import idna

from newsarchive import _json
from newsarchive._version import __version__
from newsarchive.errors import MissingExtra, WarcError
from newsarchive.record import ArchivedArticle
from newsarchive.timestamps import Timestamp, parse_timestamp, utc_now
from newsarchive.warc._frame import b32_digest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = ["RECORD_CONTENT_TYPE", "record_content_type", "uri_form", "write_warc"]

#: The content type of the metadata record that carries a newsarchive record (format v1);
#: a record of another format version names its `schema_version` (`record_content_type`).
RECORD_CONTENT_TYPE: Final = "application/vnd.newsarchive.record+json; version=1"
_RECORD_ESSENCE: Final = RECORD_CONTENT_TYPE.split(";")[0]


def record_content_type(version: int) -> str:
    """The metadata record's content type for a record of format `version`."""
    return f"{_RECORD_ESSENCE}; version={version}"


#: The namespace of our deterministic WARC-Record-IDs (UUIDv5).
_NAMESPACE: Final = uuid.UUID("6f1d3c52-5a0e-5b6e-9d7e-6e657773a4c1")
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


def _record_uuid(kind: str, record_id: str, record_digest: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{record_id}:{record_digest}')}>"


def write_warc(
    records: Iterable[Mapping[str, Any] | ArchivedArticle],
    stream: IO[bytes],
    *,
    gzip: bool = True,
    date: datetime | Timestamp | str | None = None,
    filename: str | None = None,
    evidence: Callable[[str], Iterable[bytes]] | None = None,
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

    `evidence(record_id)`, if given, returns the WARC records (uncompressed,
    whole) kept as the record's evidence; they are written, byte for byte
    (each its own gzip member when `gzip`), after the record's own two.
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
        for raw in evidence(record.id) if evidence is not None else ():
            stream.write(gzip_module.compress(raw, mtime=0) if gzip else raw)
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
        return str(Timestamp.from_datetime(utc_now().replace(microsecond=0)))
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
                f"metadata record ({_RECORD_ESSENCE}; version=<the record's "
                "schema_version>) that refers to it"
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
        warc_content_type=record_content_type(record.schema_version),
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
