"""The record of a capture (format v2): the article, its metadata, the HTTP facts, provenance.

`record_of(result)` builds it from a `captured` result: `url` as given,
`retrieved_at` when the final request started, the extracted text, title,
authors, publisher, description, language, image, published and modified
times, and under `retrieval`: method `http`, the User-Agent sent as agent, the
final URL as `via` (when it differs) and `http` (final URL, status, HTTP
version, redirect hops, the headers that matter, the certificate's SHA-256).
Its one provenance event is `capture`, with `source_digest` = the response's
WARC payload digest and a `detail` naming the response's `WARC-Record-ID`.

What the page states but a record cannot hold (a date without a time of day,
a language tag that is not BCP 47, an image that is not an http(s) URL, a
header over 1,024 characters) is left out of its field and kept in a note
instead, saying why: the page's claims never make a capture fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from newsarchive._version import __version__
from newsarchive.errors import InvalidRecord, NewsArchiveError
from newsarchive.record import (
    ArchivedArticle,
    HttpFacts,
    HttpHeaders,
    ProvenanceEvent,
    Redirect,
    Retrieval,
)
from newsarchive.timestamps import Timestamp, parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Iterable

    from newsarchive.capture._result import CaptureResult

__all__ = ["AGENT", "record_of", "response_detail"]

AGENT: Final = f"newsarchive/{__version__}"
#: The record's metadata fields a page's claim may fill, and `Extracted`'s name for each.
_METADATA: Final = {
    "title": "title",
    "authors": "authors",
    "publisher": "publisher",
    "description": "description",
    "language": "language",
    "image": "image",
    "published_at": "published",
    "modified_at": "modified",
}
_HEADERS: Final = {
    "content_type": "content-type",
    "last_modified": "last-modified",
    "etag": "etag",
    "date": "date",
}


def _instant(text: str) -> Timestamp | None:
    try:
        return parse_timestamp(text)
    except NewsArchiveError:
        return None


def response_detail(result: CaptureResult) -> str:
    """Where a capture's evidence is: the response's WARC-Record-ID."""
    assert result.evidence is not None
    return f"WARC response record {result.evidence.response_id}"


def _notes(result: CaptureResult) -> list[str]:
    notes = [f"{result.message}"]
    if result.robots_ignored:
        notes.append("robots.txt was not consulted (ignore_robots)")
    elif result.robots:
        notes.append(f"robots.txt: {result.robots}")
    return notes


def _http(result: CaptureResult, headers: dict[str, str]) -> HttpFacts:
    assert result.final_url is not None
    assert result.status is not None
    return HttpFacts(
        final_url=result.final_url,
        status=result.status,
        http_version=result.http_version,
        redirects=[Redirect(hop.url, hop.status) for hop in result.redirects[:-1]],
        headers=HttpHeaders(**headers),
        tls_sha256=result.tls_cert_sha256,
    )


def _metadata(result: CaptureResult, notes: list[str]) -> dict[str, Any]:
    """The page's metadata as record fields; a date without a time becomes a note."""
    extracted = result.extracted
    assert extracted is not None
    fields: dict[str, Any] = {}
    for field, name in _METADATA.items():
        value = getattr(extracted, name)
        if value in (None, "", ()):
            continue
        if field.endswith("_at"):
            stamp = _instant(value)
            if stamp is None:
                notes.append(f"{field} left out: the page states {value!r}, not an instant")
                continue
            value = stamp
        elif field == "language":
            value = value.replace("_", "-")  # en_US, as pages often write it
        fields[field] = value
    return fields


def record_of(
    result: CaptureResult, *, tags: Iterable[str] = (), notes: Iterable[str] = ()
) -> dict[str, Any]:
    """The record of a `captured` result (format v2), with its `capture` provenance event."""
    evidence = result.evidence
    assert result.outcome == "captured"
    assert evidence is not None
    assert result.retrieved_at is not None
    event = ProvenanceEvent(
        type="capture",
        at=result.retrieved_at,
        agent=AGENT,
        detail=f"fetched {result.final_url} (HTTP {result.status}); evidence: "
        + response_detail(result),
        source_digest=evidence.payload_digest,
    )
    own_notes = _notes(result)
    fields = _metadata(result, own_notes)
    headers = {k: v for k, name in _HEADERS.items() if (v := result.header(name)) is not None}
    tags, notes = tuple(tags), tuple(notes)
    while True:  # each retry has left out at least one more of the page's claims
        try:
            article = ArchivedArticle.create(
                url=result.url,
                content=result.extracted.text if result.extracted else "",
                retrieved_at=result.retrieved_at,
                tags=tags,
                retrieval=Retrieval(
                    method="http",
                    agent=result.user_agent or AGENT,
                    via=result.final_url if result.final_url != result.url else None,
                    notes=(*own_notes, *notes),
                    http=_http(result, headers),
                ),
                provenance=[event],
                **fields,
            )
        except InvalidRecord as exc:
            if not _leave_out(exc, fields, headers, own_notes):
                raise
        else:
            return article.to_dict()


def _leave_out(
    exc: InvalidRecord, fields: dict[str, Any], headers: dict[str, str], notes: list[str]
) -> bool:
    """Drop the page's claims a record refuses (each noted); False if none was to blame."""
    dropped = False
    for problem in exc.problems:
        parts = problem.pointer.split("/")
        field = parts[1] if len(parts) > 1 else ""
        if field in fields:
            value = fields.pop(field)
        elif problem.pointer.startswith("/retrieval/http/headers/") and parts[4] in headers:
            field = f"the {_HEADERS[parts[4]]} header"
            value = headers.pop(parts[4])
        else:
            continue
        notes.append(f"{field} left out: {str(value)[:200]!r} ({problem.message})")
        dropped = True
    return dropped
