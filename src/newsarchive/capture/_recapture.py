"""Re-capturing stored URLs: which are due, by the article's age, as newsdiffs does.

Each canonical URL in the store is tracked from its first capture (its age) to
its latest attempt (the latest capture's `retrieved_at`, or a later `capture`
event on it: an unchanged or failed re-capture). A URL is *due* when the time
since its latest attempt reaches the interval its age asks for:

| age (since the first capture) | re-captured every |
|---|---|
| under 1 day | hour |
| under 7 days | day |
| under 30 days | week |
| under 365 days | 30 days |
| 365 days or more | never again |

The schedule is a list of (age below, interval) pairs, written `1d:1h,7d:1d,...`
(units `m`, `h`, `d`, `w`); an age past the last pair is not re-captured.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

import attrs

from newsarchive.capture._options import CaptureError
from newsarchive.errors import NewsArchiveError
from newsarchive.store._keys import BY_URL, by_hash
from newsarchive.timestamps import Timestamp

if TYPE_CHECKING:
    from collections.abc import Iterator

    from newsarchive.capture._fetch import Capturer
    from newsarchive.capture._options import CaptureOptions
    from newsarchive.capture._store import Stored
    from newsarchive.store._core import StoreCore

__all__ = [
    "DEFAULT_SCHEDULE",
    "Schedule",
    "Tracked",
    "parse_schedule",
    "recapture",
    "tracked",
]

Schedule = tuple[tuple[timedelta, timedelta], ...]
#: (age below, interval): hourly on the first day, daily for a week, weekly for a month,
#: every 30 days for a year, then never.
DEFAULT_SCHEDULE: Final[Schedule] = (
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(days=1)),
    (timedelta(days=30), timedelta(days=7)),
    (timedelta(days=365), timedelta(days=30)),
)
_UNITS: Final = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SPAN: Final = re.compile(r"([0-9]{1,6})([mhdw])")


def _span(text: str) -> timedelta:
    match = _SPAN.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise CaptureError(
            f"schedule: {text.strip()!r} is not a time span such as 6h, 1d or 2w",
            code="bad-option",
        )
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def parse_schedule(text: str) -> Schedule:
    """`AGE:EVERY,...` (ages increasing) as a `Schedule`; `CaptureError` if malformed."""
    pairs = []
    for part in text.split(","):
        age, sep, every = part.partition(":")
        if not sep:
            raise CaptureError(
                f"schedule: {part.strip()!r} is not AGE:EVERY (such as 7d:1d)", code="bad-option"
            )
        pairs.append((_span(age), _span(every)))
    if [age for age, _ in pairs] != sorted({age for age, _ in pairs}):
        raise CaptureError("schedule: the ages must increase", code="bad-option")
    return tuple(pairs)


@attrs.frozen
class Tracked:
    """One canonical URL in the store: what to fetch and when it was last tried."""

    url: str
    latest: str
    first: datetime
    last_attempt: datetime
    #: The latest capture's tags, which a new capture keeps.
    tags: tuple[str, ...] = ()

    def due(self, now: datetime, schedule: Schedule = DEFAULT_SCHEDULE) -> bool:
        age = now - self.first
        for below, every in schedule:
            if age < below:
                return now - self.last_attempt >= every
        return False


def _instant(text: object) -> datetime | None:
    try:
        return Timestamp.parse(text).datetime
    except NewsArchiveError:
        return None


def tracked(store: StoreCore) -> list[Tracked]:
    """Every canonical URL of the store, oldest first capture first."""
    out = []
    urls = store.index.execute(
        "SELECT canonical_url, min(retrieved_key) FROM records "
        "WHERE canonical_url IS NOT NULL GROUP BY canonical_url ORDER BY 2, 1"
    ).fetchall()
    for canonical, _ in urls:
        ids = store.index.execute(
            f"SELECT id FROM records WHERE {BY_URL} ORDER BY retrieved_key, id",  # noqa: S608
            by_hash(canonical),
        ).fetchall()
        first_record, latest = store.get(ids[0][0]), store.get(ids[-1][0])
        first = _instant(first_record.get("retrieved_at"))
        attempts = [_instant(latest.get("retrieved_at"))]
        attempts += [
            _instant(e.get("at")) for e in store.events(latest["id"]) if e.get("type") == "capture"
        ]
        known = [a for a in attempts if a is not None]
        if first is None or not known:
            continue
        tags = tuple(latest.get("tags") or ())
        out.append(Tracked(str(latest["url"]), str(latest["id"]), first, max(known), tags))
    return out


def recapture(
    store: StoreCore,
    *,
    now: datetime,
    due_only: bool = True,
    schedule: Schedule = DEFAULT_SCHEDULE,
    options: CaptureOptions | None = None,
    capturer: Capturer | None = None,
    jobs: int = 1,
) -> Iterator[Stored]:
    """Re-capture the store's URLs (those due at `now`, or all), as they finish.

    Each result is stored as `capture` stores it (`store_result`); a new
    record keeps the tags of the capture before it.
    """
    from newsarchive.capture._fetch import Capturer  # noqa: PLC0415
    from newsarchive.capture._store import store_result  # noqa: PLC0415

    chosen = {t.url: t for t in tracked(store) if not due_only or t.due(now, schedule)}
    fetcher = capturer if capturer is not None else Capturer(options)
    for result in fetcher.fetch_many(list(chosen), jobs=jobs):
        tags = chosen[result.url].tags
        yield store_result(store, result, tags=tags, clock=fetcher.options.clock)
