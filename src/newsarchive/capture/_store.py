"""Captures into a store: the record and its evidence in one batch, or an event on the latest.

`store_result(store, result)` decides what a `CaptureResult` becomes:

- `captured`, and the URL's latest stored capture has other content (or there is
  none): a new record (`stored`), whose `capture` provenance event carries
  `source_digest` = the response's WARC payload digest and names the response's
  `WARC-Record-ID`, stored with the request/response WARC records of every hop as
  evidence entries, in one batch;
- `captured` with the same content digest as the latest capture: no new record
  (`unchanged`), a `capture` event (success) on that capture, with the evidence;
- `vanished` or `failed` for a URL already stored: a `capture` event (failure,
  naming the reason and the status) on its latest capture, with the evidence of
  the failed response if one came (`failed`); for a URL not stored, nothing is
  written (`failed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import attrs

from newsarchive._version import __version__
from newsarchive.errors import NewsArchiveError
from newsarchive.record import ArchivedArticle, ProvenanceEvent, Retrieval
from newsarchive.store._evidence import split_warc
from newsarchive.timestamps import Timestamp, parse_timestamp, utc_now
from newsarchive.urls import canonicalize_url

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from newsarchive.capture._fetch import Capturer
    from newsarchive.capture._options import CaptureOptions
    from newsarchive.capture._result import CaptureResult
    from newsarchive.store import Store

__all__ = [
    "Stored",
    "StoredOutcome",
    "capture_into",
    "check_labels",
    "latest_capture",
    "record_of",
    "store_result",
]

StoredOutcome = Literal["stored", "unchanged", "failed"]
AGENT = f"newsarchive/{__version__}"


@attrs.frozen
class Stored:
    """What one URL's capture did to the store (one `--json` object of `capture`)."""

    url: str
    outcome: StoredOutcome
    #: The new record (stored), or the latest capture the event went to (unchanged,
    #: failed for a URL already stored); None when nothing was written.
    id: str | None
    #: A `FAILURE_REASONS` code when failed, else None.
    reason: str | None
    message: str
    result: CaptureResult

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "outcome": self.outcome}
        if self.id is not None:
            out["id"] = self.id
        if self.reason is not None:
            out["reason"] = self.reason
            out["message"] = self.message
        return out


def latest_capture(store: Store, url: str) -> str | None:
    """The id of the latest stored capture of `url` (by canonical URL), or None."""
    try:
        canonicalize_url(url)
    except NewsArchiveError:
        return None
    ids = list(store.find(url=url))  # oldest first: the last one is the latest
    return ids[-1] if ids else None


def _notes(result: CaptureResult) -> list[str]:
    notes = [f"HTTP {result.status} {result.http_version}; {result.message}"]
    hops = result.redirects
    if len(hops) > 1:
        notes.append("redirects: " + " -> ".join(f"{h.url} ({h.status})" for h in hops))
    if result.robots_ignored:
        notes.append("robots.txt was not consulted (ignore_robots)")
    elif result.robots:
        notes.append(f"robots.txt: {result.robots}")
    if result.tls_cert_sha256:
        notes.append(f"TLS certificate SHA-256: {result.tls_cert_sha256}")
    extracted = result.extracted
    if extracted is not None and extracted.published and _instant(extracted.published) is None:
        notes.append(f"published (as the page states it): {extracted.published}")
    return notes


def _instant(text: str) -> Timestamp | None:
    try:
        return parse_timestamp(text)
    except NewsArchiveError:
        return None


def _evidence_detail(result: CaptureResult) -> str:
    assert result.evidence is not None
    return f"WARC response record {result.evidence.response_id}"


def record_of(
    result: CaptureResult, *, tags: Iterable[str] = (), notes: Iterable[str] = ()
) -> dict[str, Any]:
    """The record of a `captured` result (format v1), with its `capture` provenance event."""
    extracted, evidence = result.extracted, result.evidence
    assert result.outcome == "captured"
    assert extracted is not None
    assert evidence is not None
    assert result.retrieved_at is not None
    event = ProvenanceEvent(
        type="capture",
        at=result.retrieved_at,
        agent=AGENT,
        detail=f"fetched {result.final_url} (HTTP {result.status}); evidence: "
        + _evidence_detail(result),
        source_digest=evidence.payload_digest,
    )
    published = None if extracted.published is None else _instant(extracted.published)
    via = result.final_url if result.final_url != result.url else None
    article = ArchivedArticle.create(
        url=result.url,
        content=extracted.text,
        retrieved_at=result.retrieved_at,
        title=extracted.title,
        tags=tags,
        published_at=published,
        retrieval=Retrieval(
            method="http",
            agent=result.user_agent or AGENT,
            via=via,
            notes=(*_notes(result), *notes),
        ),
        provenance=[event],
    )
    return article.to_dict()


def _event(result: CaptureResult, record_id: str, outcome: str, detail: str) -> dict[str, Any]:
    """A `capture` event on a stored record (the format's provenance event, plus record_id)."""
    at = result.retrieved_at or Timestamp.from_datetime(utc_now())
    event: dict[str, Any] = {
        "record_id": record_id,
        "type": "capture",
        "at": str(at),
        "agent": AGENT,
        "outcome": outcome,
        "detail": detail,
    }
    if result.evidence is not None:
        event["source_digest"] = str(result.evidence.payload_digest)
    return event


def _warc_records(result: CaptureResult) -> list[bytes]:
    return [] if result.evidence is None else split_warc(result.evidence.warc)


def store_result(
    store: Store,
    result: CaptureResult,
    *,
    tags: Iterable[str] = (),
    notes: Iterable[str] = (),
) -> Stored:
    """Store what a capture gave (see the module's description)."""
    latest = latest_capture(store, result.url)
    evidence = _warc_records(result)
    if result.outcome != "captured":
        assert result.reason is not None
        if latest is None:
            return Stored(result.url, "failed", None, result.reason, result.message, result)
        status = "" if result.status is None else f" (HTTP {result.status})"
        detail = f"capture failed: {result.reason}{status}: {result.message}"
        if result.evidence is not None:
            detail += f"; evidence: {_evidence_detail(result)}"
        event = _event(result, latest, "failure", detail)
        store.add_capture(None, evidence=evidence, events=[event], supports=latest)
        return Stored(result.url, "failed", latest, result.reason, result.message, result)
    record = record_of(result, tags=tags, notes=notes)
    if latest is not None and store.get(latest)["content_digest"] == record["content_digest"]:
        detail = f"captured again, content unchanged; evidence: {_evidence_detail(result)}"
        event = _event(result, latest, "success", detail)
        store.add_capture(None, evidence=evidence, events=[event], supports=latest)
        return Stored(result.url, "unchanged", latest, None, "content unchanged", result)
    outcome = store.add_capture(record, evidence=evidence)
    if outcome == "duplicate":  # the same capture, already stored (same URL, content, time)
        return Stored(result.url, "unchanged", record["id"], None, "already stored", result)
    return Stored(result.url, "stored", record["id"], None, "stored", result)


def check_labels(tags: Iterable[str], notes: Iterable[str]) -> None:
    """`InvalidRecord` now, before anything is fetched, for tags or notes a record refuses."""
    ArchivedArticle.create(
        url="https://example.invalid/",
        content="",
        retrieved_at="2000-01-01T00:00:00Z",
        tags=tags,
        retrieval=Retrieval(method="http", notes=tuple(notes)),
    )


def capture_into(
    store: Store,
    urls: Iterable[str],
    *,
    options: CaptureOptions | None = None,
    capturer: Capturer | None = None,
    jobs: int = 1,
    tags: Iterable[str] = (),
    notes: Iterable[str] = (),
) -> Iterator[Stored]:
    """Capture `urls` (hosts in parallel, `jobs` at a time) into `store`, as they finish."""
    from newsarchive.capture._fetch import Capturer  # noqa: PLC0415

    tags, notes = tuple(tags), tuple(notes)
    check_labels(tags, notes)
    fetcher = capturer if capturer is not None else Capturer(options)
    for result in fetcher.fetch_many(urls, jobs=jobs):
        yield store_result(store, result, tags=tags, notes=notes)
