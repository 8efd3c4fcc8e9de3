"""The history of one article without a store: its captures and recapture events in time
order, what changed between consecutive captures, and when it vanished and came back.

`build_history(records, events=...)` takes the records of one article (any order) and
the events on them, and returns a `History`: a timeline, oldest first, whose entries
are captures (each with what changed since the previous capture) and the events that
matter to a reader (`vanished`, `back`, `recapture`), with the diffs of consecutive
captures for the HTML page and the change listing. Rules (docs/history.md):

- Only events of type `capture` count (a recapture of the article's URL). One whose
  outcome is `failure` and whose detail names a 404 or 410 status (a text holding
  `404` or `410` as a number of its own, or the capture reason `not-found`; a mapping
  with `status` 404 or 410, or `reason` `not-found` or `gone`) says the article
  **vanished**; other failures
  (timeouts, server errors) say nothing about the article and are left out.
- While the article is vanished, the next success (a stored capture of the live page,
  retrieval method `http`, `browser`, `api` or `feed`; or a `capture` event with
  outcome `success`) says it is **back**. A copy from a web archive or an import
  (`wayback`, `file-import`, ...) is listed as a capture but does not say it is back.
  Repeated 404s while it is gone add nothing.
- A `capture` event with outcome `success` that is not itself a stored capture (no
  capture with its `record_id` at its `at`) is a **recapture**: fetched again, no new
  record (the content had not changed).
- Entries at the same instant: captures before events, then input order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from newsarchive.archiveurls import parse_archive_url
from newsarchive.errors import InvalidTimestamp, InvalidURL
from newsarchive.history._diff import diff
from newsarchive.history._rules import DiffError, IgnoreRules
from newsarchive.history._summary import PairSummary, PhraseSpan, phrase_timeline, summarize
from newsarchive.record import ArchivedArticle
from newsarchive.timestamps import Timestamp
from newsarchive.urls import canonicalize_url

if TYPE_CHECKING:
    from newsarchive.history._model import Diff

__all__ = [
    "EntryKind",
    "History",
    "TimelineEntry",
    "build_history",
    "history_key",
    "is_vanished_event",
]

EntryKind = Literal["capture", "recapture", "vanished", "back"]
SHORT_ID: Final = 12
_NO_RULES: Final = IgnoreRules()
# A 404 or 410 status on its own (not part of a longer number), or the capture reason.
_GONE_STATUS: Final = re.compile(r"(?<![\d.])(?:404|410)(?![\d.])|\bnot-found\b")


@attrs.frozen
class TimelineEntry:
    """One line of an article's history.

    `capture`: a stored capture (`record_id`, `content_digest`, `title`, and `change`,
    what changed since the previous capture; None for the first). `vanished`, `back`,
    `recapture`: an event (`record_id` is the record it names, if any; `detail` its
    detail as text). `at` is the time as written in the record or the event.
    """

    kind: EntryKind
    at: str
    record_id: str | None = None
    content_digest: str | None = None
    record_digest: str | None = None
    title: str | None = None
    change: PairSummary | None = None
    previous_id: str | None = None  # capture: the previous capture's record id
    detail: str | None = None

    @property
    def short_id(self) -> str | None:
        return None if self.record_id is None else self.record_id[:SHORT_ID]


@attrs.frozen
class History:
    """An article's timeline, oldest first, and the diffs of its consecutive captures."""

    key: str | None
    entries: tuple[TimelineEntry, ...]
    #: `diffs[n]` compares capture n with capture n + 1 (captures counted from 0).
    diffs: tuple[Diff, ...]
    phrase: str | None = None
    phrase_spans: tuple[PhraseSpan, ...] = ()

    @property
    def captures(self) -> tuple[TimelineEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "capture")


def history_key(record: Mapping[str, Any] | ArchivedArticle) -> str | None:
    """The URL that groups captures of one article: the canonical URL, or for a Wayback
    Machine link the canonical form of the original URL it names. None when the record
    has no usable URL."""
    d = record.to_dict() if isinstance(record, ArchivedArticle) else record
    for name in ("url", "canonical_url"):
        value = d.get(name)
        link = parse_archive_url(value) if isinstance(value, str) else None
        if link is not None and link.original is not None:
            try:
                return canonicalize_url(link.original)
            except InvalidURL:
                break
    canonical = d.get("canonical_url")
    if isinstance(canonical, str):
        return canonical
    url = d.get("url")
    if isinstance(url, str):
        try:
            return canonicalize_url(url)
        except InvalidURL:
            return None
    return None


def _detail_text(detail: object) -> str | None:
    if detail is None:
        return None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in detail.items())
    return str(detail)


def is_vanished_event(event: Mapping[str, Any]) -> bool:
    """A `capture` event that failed because the page is gone (404 or 410)."""
    if event.get("type") != "capture" or event.get("outcome") != "failure":
        return False
    detail = event.get("detail")
    if isinstance(detail, Mapping):
        return detail.get("status") in {404, 410} or detail.get("reason") in {"not-found", "gone"}
    return isinstance(detail, str) and _GONE_STATUS.search(detail) is not None


def _instant(value: object, what: str) -> Timestamp:
    try:
        return Timestamp.parse(value)
    except InvalidTimestamp:
        raise DiffError(f"{what} has no valid time ({value!r})", code="bad-time") from None


def _record_dict(r: Mapping[str, Any] | ArchivedArticle) -> Mapping[str, Any]:
    return r.to_dict() if isinstance(r, ArchivedArticle) else r


def _text(d: Mapping[str, Any], name: str) -> str | None:
    v = d.get(name)
    return v if isinstance(v, str) else None


def build_history(
    records: Iterable[Mapping[str, Any] | ArchivedArticle],
    *,
    events: Iterable[Mapping[str, Any]] = (),
    rules: IgnoreRules = _NO_RULES,
    text: str | None = None,
    key: str | None = None,
) -> History:
    """The timeline of one article from its records (with content, any order) and the
    events on them (see the module's rules). `text`: also when that phrase appeared and
    vanished (`History.phrase_spans`). `key` defaults to `history_key` of the oldest
    capture. Raises `DiffError` for a record without content or a bad time."""
    recs = [_record_dict(r) for r in records]
    caps = sorted(
        ((_instant(r.get("retrieved_at"), f"record {r.get('id', '?')}"), n, r)
         for n, r in enumerate(recs)),
        key=lambda t: (t[0].sort_key(), t[1]),
    )  # fmt: skip
    stored = {(r.get("id"), t.sort_key()) for t, _, r in caps}
    evs = []
    for n, e in enumerate(events):
        if e.get("type") != "capture":
            continue
        t = _instant(e.get("at"), f"a {e.get('type')} event")
        if (e.get("record_id"), t.sort_key()) in stored:
            continue  # the event of a stored capture: the capture says it
        evs.append((t, n, e))
    merged = sorted(
        [(t, 0, n, r) for t, n, r in caps] + [(t, 1, n, e) for t, n, e in evs],
        key=lambda x: (x[0].sort_key(), x[1], x[2]),
    )
    diffs = [diff(a, b, rules=rules) for (_, _, a), (_, _, b) in itertools.pairwise(caps)]
    entries: list[TimelineEntry] = []
    gone = False
    seen = 0
    for t, source, _, item in merged:
        at = str(item.get("retrieved_at" if source == 0 else "at", t))
        if source == 1 and is_vanished_event(item):
            if not gone:
                entries.append(_event("vanished", at, item))
            gone = True
            continue
        if source == 1 and item.get("outcome") != "success":
            continue  # a failure that says nothing about the article
        if gone and (source == 1 or _live(item)):
            back = TimelineEntry("back", at, _text(item, "id"))
            entries.append(_event("back", at, item) if source == 1 else back)
            gone = False
            if source == 1:
                continue
        if source == 1:
            entries.append(_event("recapture", at, item))
            continue
        before = diffs[seen - 1] if seen else None
        digest = _text(item, "content_digest")
        if digest is None and diffs:  # the diff computed it
            digest = diffs[seen - 1].b.content_digest if seen else diffs[0].a.content_digest
        entries.append(
            TimelineEntry(
                "capture",
                at,
                _text(item, "id"),
                digest,
                _text(item, "record_digest"),
                _text(item, "title"),
                None if before is None else summarize(before),
                None if before is None else before.a.id,
            )
        )
        seen += 1
    if key is None and caps:
        key = history_key(caps[0][2])
    spans: tuple[PhraseSpan, ...] = ()
    if text is not None:
        spans = phrase_timeline(
            [(str(r.get("retrieved_at")), str(r.get("id")), _content(r)) for _, _, r in caps],
            text,
        )
    return History(key, tuple(entries), tuple(diffs), text, spans)


# Retrieval methods that fetch the live page (or the publisher's own API or feed): a
# copy from a web archive or an import says nothing about the page being back.
_LIVE_METHODS: Final = frozenset({"http", "browser", "api", "feed"})


def _live(r: Mapping[str, Any]) -> bool:
    retrieval = r.get("retrieval")
    if not isinstance(retrieval, Mapping):
        return True  # a bare record dict: taken as a capture of the page
    return retrieval.get("method") in _LIVE_METHODS


def _content(r: Mapping[str, Any]) -> str:
    content = r.get("content")
    if not isinstance(content, str):
        raise DiffError(
            f"record {r.get('id', '?')} has no content to compare (content is stored elsewhere)",
            code="no-content",
        )
    return content


def _event(kind: EntryKind, at: str, e: Mapping[str, Any]) -> TimelineEntry:
    rid = e.get("record_id")
    return TimelineEntry(
        kind,
        at,
        rid if isinstance(rid, str) else None,
        detail=_detail_text(e.get("detail")),
    )
