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

from newsarchive.capture._record import AGENT, record_of
from newsarchive.errors import NewsArchiveError
from newsarchive.record import ArchivedArticle, Retrieval
from newsarchive.store._evidence import split_warc
from newsarchive.timestamps import Timestamp, utc_now
from newsarchive.urls import canonicalize_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from datetime import datetime

    from newsarchive.capture._fetch import Capturer
    from newsarchive.capture._options import CaptureOptions
    from newsarchive.capture._result import CaptureResult
    from newsarchive.store._core import StoreCore

__all__ = [
    "Stored",
    "StoredOutcome",
    "capture_into",
    "check_labels",
    "latest_capture",
    "store_result",
]

StoredOutcome = Literal["stored", "unchanged", "failed"]


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


def latest_capture(store: StoreCore, url: str) -> str | None:
    """The id of the latest stored capture of `url` (by canonical URL), or None."""
    try:
        canonicalize_url(url)
    except NewsArchiveError:
        return None
    ids = list(store.find(url=url))  # oldest first: the last one is the latest
    return ids[-1] if ids else None


def _event(
    result: CaptureResult,
    record_id: str,
    outcome: str,
    detail: dict[str, Any],
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """A `capture` event on a stored record, its detail a mapping (read by `history`).

    `at` is when the final request started, or, when no response came (a
    timeout, a refused connection), the `clock`'s time.
    """
    at = result.retrieved_at or Timestamp.from_datetime(clock())
    if result.evidence is not None:
        detail["warc_record_id"] = result.evidence.response_id
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
    store: StoreCore,
    result: CaptureResult,
    *,
    tags: Iterable[str] = (),
    notes: Iterable[str] = (),
    clock: Callable[[], datetime] = utc_now,
) -> Stored:
    """Store what a capture gave (see the module's description).

    `clock` dates a failure event when no response came (the options' clock).
    """
    latest = latest_capture(store, result.url)
    evidence = _warc_records(result)
    if result.outcome != "captured":
        assert result.reason is not None
        if latest is None:
            return Stored(result.url, "failed", None, result.reason, result.message, result)
        detail: dict[str, Any] = {"reason": result.reason, "message": result.message}
        if result.status is not None:
            detail["status"] = result.status
        event = _event(result, latest, "failure", detail, clock)
        store.add_capture(None, evidence=evidence, events=[event], supports=latest)
        return Stored(result.url, "failed", latest, result.reason, result.message, result)
    record = record_of(result, tags=tags, notes=notes)
    if latest is not None and store.get(latest)["content_digest"] == record["content_digest"]:
        event = _event(result, latest, "success", {"content": "unchanged"}, clock)
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
    store: StoreCore,
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
        yield store_result(store, result, tags=tags, notes=notes, clock=fetcher.options.clock)
