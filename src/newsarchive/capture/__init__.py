"""Capturing a live news page (optional extra: `pip install 'newsarchive[capture]'`).

`fetch(url, options=...)` fetches one page politely and returns a `CaptureResult`:
the outcome (`captured`, `vanished` for a 404/410, `failed`) with a stable `reason`,
the URL as given and the final URL, every redirect hop, selected response headers,
the server certificate's SHA-256, the evidence (the HTTP request and response of every
hop exactly as on the wire, as WARC 1.1 `request`/`response` records, with the final
response's record id and payload digest), the page decoded as browsers decode it, and
the article extracted from it (`Extracted`: text, title, authors, publisher, dates,
language, description, image). `fetch_many(urls, options, jobs=N)` fetches several,
one request at a time per host with `options.delay` seconds between two, hosts in
parallel. A `Capturer` keeps the politeness and robots.txt state across calls.

Nothing here writes to a store: the store builds on these results. See docs/capture.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsarchive.capture._extract import extract
from newsarchive.capture._fetch import Capturer, Extractor
from newsarchive.capture._options import (
    DEFAULT_DELAY,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
    CaptureError,
    CaptureOptions,
)
from newsarchive.capture._recapture import (
    DEFAULT_SCHEDULE,
    Schedule,
    Tracked,
    parse_schedule,
    recapture,
    tracked,
)
from newsarchive.capture._record import record_of
from newsarchive.capture._result import (
    FAILURE_REASONS,
    CaptureResult,
    Evidence,
    Extracted,
    Hop,
    Outcome,
)
from newsarchive.capture._store import Stored, capture_into, store_result

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = [
    "DEFAULT_DELAY",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_SCHEDULE",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "FAILURE_REASONS",
    "CaptureError",
    "CaptureOptions",
    "CaptureResult",
    "Capturer",
    "Evidence",
    "Extracted",
    "Extractor",
    "Hop",
    "Outcome",
    "Schedule",
    "Stored",
    "Tracked",
    "capture_into",
    "extract",
    "fetch",
    "fetch_many",
    "parse_schedule",
    "recapture",
    "record_of",
    "store_result",
    "tracked",
]


def fetch(url: str, *, options: CaptureOptions | None = None) -> CaptureResult:
    """Capture one URL (see the module); bad options raise `CaptureError`."""
    return Capturer(options).fetch(url)


def fetch_many(
    urls: Iterable[str], options: CaptureOptions | None = None, *, jobs: int = 1
) -> Iterator[CaptureResult]:
    """Capture `urls`, `jobs` hosts at a time, yielding results as they finish."""
    return Capturer(options).fetch_many(urls, jobs=jobs)
