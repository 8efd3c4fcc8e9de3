"""Foreign WARC records turned into new records: `resource` and `response` records of pages.

Anything not written by our export goes through here: the target URI, the date, the
HTTP status and headers, and the decoded payload become a record with method
`warc-import` (see `newsarchive.warc.read_warc` for the rules), or the record is skipped
(`Skipped`, counted by reason) or refused (`Refused`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from newsarchive.digest import Digest
from newsarchive.errors import NewsArchiveError
from newsarchive.record import DEFAULT_AGENT, ArchivedArticle, ProvenanceEvent, Retrieval
from newsarchive.timestamps import Timestamp, parse_timestamp
from newsarchive.validation import validate
from newsarchive.warc import _frame
from newsarchive.warc._httpbody import Refused, decode_text, decode_transfer, split_http

if TYPE_CHECKING:
    from datetime import datetime

    from newsarchive.warc._frame import RawRecord

__all__ = ["Skipped", "convert", "http_split", "software", "warc_type"]

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
_TOKEN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
#: HTTP headers left out of the notes: credentials must not be archived.
_CREDENTIAL_HEADERS: Final = frozenset({"set-cookie", "set-cookie2", "cookie", "authorization"})
_LONG_FRACTION: Final = re.compile(r"[.,][0-9]{10}")
_DIGITS: Final = re.compile(r"[0-9]{1,18}")
#: What the values of `WARC-Truncated` mean (WARC 1.1 section 5.13).
_TRUNCATION_REASONS: Final = {
    "length": "the response was longer than the crawler would store",
    "time": "the crawler's time limit ran out",
    "disconnect": "the connection was lost",
    "unspecified": "for a reason the crawler did not give",
}


class Skipped(Exception):
    """A record left out on purpose; `why` is the reason it is counted under."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def warc_type(raw: RawRecord) -> str:
    """The record's WARC-Type, lower-cased ("" when it has none)."""
    return (raw.header("WARC-Type") or "").lower()


def convert(
    raw: RawRecord,
    *,
    source: str,
    agent: str,
    now: datetime,
    allow_truncated: bool = False,
    include_errors: bool = False,
) -> dict[str, Any]:
    """A new record from a foreign `resource`/`response` record of file `source`.

    `agent` is the retrieval agent (the crawler), `now` the import time.
    Raise `Skipped` for what is not an article, `Refused` for what cannot be one.
    A response whose status is not 2xx is skipped (`http-404`, ...) unless
    `include_errors`; a record marked `WARC-Truncated` is refused (`truncated`)
    unless `allow_truncated`. What is kept on request says so in its notes, and a
    truncated capture's import event has the outcome `warning`.
    """
    record_kind = warc_type(raw)
    uri = raw.target_uri
    if not uri:
        raise Refused("bad-url", f"a {record_kind} record without a WARC-Target-URI")
    scheme, colon, _ = uri.partition(":")
    if not colon or scheme.lower() not in {"http", "https"}:
        raise Skipped("not-http")  # dns:, urn:pageinfo:, ftp:, ... are not articles
    if raw.header("WARC-Segment-Number") is not None:
        raise Skipped("segmented")
    head, payload = http_split(raw, record_kind)
    notes = [f"WARC record {raw.record_id} in {source}"]
    if record_kind == "response":
        if head is None:
            raise Refused("bad-http", "a response record without an HTTP response message")
        content_type = head.get_header("Content-Type") or ""
        notes.append(f"HTTP status: {head.protocol} {head.statusline}")
        status = head.status
        if status is None:
            line = f"{head.protocol} {head.statusline}"[:60]
            raise Refused("bad-http", f"no status code in the HTTP status line {line!r}")
        if not 200 <= status <= 299:
            if not include_errors:
                raise Skipped(f"http-{status}")
            notes.append(f"HTTP status {status} is not a success (2xx): kept on request")
        kept = [(k, v) for k, v in head.headers if k.lower() not in _CREDENTIAL_HEADERS]
        notes.append("HTTP headers:\n" + "\n".join(f"{k}: {v}" for k, v in kept))
    else:
        content_type = raw.header("Content-Type") or ""
        notes.append(f"Content-Type: {content_type}")
    essence = content_type.split(";")[0].strip().lower()
    if not _is_text(essence):
        raise Skipped("non-text")
    if raw.block is None:
        raise Refused(
            "too-large",
            f"its block of {raw.length} bytes is larger than the limit of {_frame.MAX_BLOCK} bytes",
        )
    truncated = raw.header("WARC-Truncated")
    if truncated is not None:
        what = _truncation(truncated, head, payload)
        if not allow_truncated:
            raise Refused(
                "truncated",
                f"a truncated capture ({what}); truncated captures are imported only "
                "when allowed (--allow-truncated)",
            )
        notes.append(f"Truncated capture, imported on request: {what}")
    partial = truncated is not None
    body = decode_transfer(head, payload, partial=partial) if record_kind == "response" else payload
    content, sniffed = decode_text(body, content_type or None, partial=partial)
    notes.append(f"Text encoding: {sniffed.describe()}")
    warc_date = raw.header("WARC-Date")
    if warc_date is None:
        raise Refused("bad-warc-date", "no WARC-Date")
    if _LONG_FRACTION.search(warc_date):
        raise Refused(
            "bad-warc-date", f"WARC-Date {warc_date[:60]!r} has more than 9 fractional digits"
        )
    payload_digest = raw.header("WARC-Payload-Digest")
    try:
        event = ProvenanceEvent(
            type="import",
            at=Timestamp.from_datetime(now),
            agent=DEFAULT_AGENT,
            outcome="success" if truncated is None else "warning",
            detail=f"imported from WARC file {source}: WARC-Record-ID {raw.record_id}, "
            f"WARC-Payload-Digest {payload_digest or '(none)'}"
            + ("" if truncated is None else f"; a truncated capture ({_short(truncated)})"),
            source_digest=Digest.of_bytes(payload),
        )
        record = ArchivedArticle.create(
            url=uri,
            content=content,
            retrieved_at=parse_timestamp(warc_date),
            retrieval=Retrieval(method="warc-import", agent=agent, notes=tuple(notes)),
            provenance=[event],
            media_type=f"{essence}; charset=utf-8",
        )
    except NewsArchiveError as exc:
        raise Refused(exc.code, str(exc).splitlines()[0]) from None
    data = record.to_dict()
    errors = [p for p in validate(data, now=now) if p.severity == "error"]
    if errors:  # e.g. a WARC-Date in the future
        raise Refused(errors[0].code, errors[0].message)
    return data


def _short(truncated: str) -> str:
    return f"WARC-Truncated: {truncated.strip()[:40]}"


def _truncation(truncated: str, head: Any, payload: bytes) -> str:
    """What a `WARC-Truncated` header says, and how much of the payload is there."""
    reason = _TRUNCATION_REASONS.get(truncated.strip().lower(), "a reason WARC does not define")
    held = f"{len(payload):,} bytes of payload"
    declared = head.get_header("Content-Length") if head is not None else None
    if declared is not None and _DIGITS.fullmatch(declared.strip()):
        held += f" of the {int(declared.strip()):,} its HTTP Content-Length declares"
    return f"{_short(truncated)}, {reason}; the record holds {held}"


def software(raw: RawRecord) -> str | None:
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


def http_split(raw: RawRecord, record_kind: str) -> tuple[Any, bytes]:
    """(HTTP status and headers or None, payload) as WARC defines the payload of a record.

    For a block too large to hold, its head: enough for the HTTP headers.
    """
    block = raw.block if raw.block is not None else raw.head
    uri = (raw.target_uri or "").lower()
    if record_kind not in _HTTP_RECORDS or not block or not uri.startswith(("http:", "https:")):
        return None, block
    split = split_http(block, response=record_kind == "response")
    return (None, block) if split is None else split
