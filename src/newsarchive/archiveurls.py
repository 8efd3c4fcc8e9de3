"""Web-archive links given as an article's source: Wayback Machine, archive.today, Perma.cc.

A record's `url` is the article's own address; an archive snapshot is how we
got the copy (`retrieval.via`). These rules recognise archive links:

- Wayback Machine: host `web.archive.org` (or `wayback.archive.org`), path
  `/web/<4-14 digit timestamp>[<two letters>_]/<original URL>`. The original
  URL is everything after that (query included); a scheme written with one
  slash (`http:/example.com`, as some copies have it) gets its second slash
  back, and a missing scheme means `http://`. The timestamp (UTC) is kept.
- archive.today (`archive.today`, `.ph`, `.is`, `.li`, `.vn`, `.fo`, `.md`)
  and Perma.cc (`perma.cc`): the link does not contain the original URL,
  which the caller must give.

A URL holding a tab or a line break is none of these.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

import attrs

__all__ = ["ArchiveLink", "parse_archive_url"]

_WAYBACK_HOSTS: Final = frozenset({"web.archive.org", "wayback.archive.org"})
_ARCHIVE_TODAY_HOSTS: Final = frozenset(
    f"archive.{tld}" for tld in ("today", "ph", "is", "li", "vn", "fo", "md")
)
_PERMA_HOSTS: Final = frozenset({"perma.cc"})
# Every host above contains one of these: most URLs are ruled out without urlsplit.
_HOST_HINTS: Final = ("archive.", "perma.cc")
_WAYBACK_PATH: Final = re.compile(r"/web/([0-9]{4}(?:[0-9]{2}){0,5})(?:[a-z]{2}_)?/(.+)", re.DOTALL)
# urlsplit silently deletes tabs and line breaks (as WHATWG parsers do), so the
# parts it returns would not be substrings of the URL: such a URL is no link of ours.
_WHATWG_REMOVED: Final = re.compile(r"[\t\r\n]")
_ONE_SLASH: Final = re.compile(r"(https?):/(?!/)", re.IGNORECASE)


@attrs.frozen
class ArchiveLink:
    """What an archive link says: which service, the snapshot, and what it can tell."""

    method: str  # the retrieval method: "wayback", "archive-today" or "perma-cc"
    snapshot: str  # the archive URL as given
    original: str | None = None  # the article's URL, when the link contains it
    timestamp: str | None = None  # Wayback: the snapshot time, RFC 3339 UTC

    @property
    def note(self) -> str:
        """A retrieval note saying where the copy came from."""
        if self.method == "wayback":
            when = f" taken {self.timestamp}" if self.timestamp else ""
            return f"copy from a Wayback Machine snapshot{when}: {self.snapshot}"
        service = "archive.today" if self.method == "archive-today" else "Perma.cc"
        return f"copy from a {service} snapshot: {self.snapshot}"


def _wayback_time(digits: str) -> str | None:
    # A shorter timestamp names the start of a period (Wayback redirects to the
    # nearest capture): pad with the earliest month, day and time.
    full = digits + "0101000000"[len(digits) - 4 :]
    try:
        when = datetime.strptime(full, "%Y%m%d%H%M%S")  # noqa: DTZ007 - Wayback times are UTC
    except ValueError:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_archive_url(url: str) -> ArchiveLink | None:
    """The archive link `url` is, or None if it is not one we know."""
    lowered = url.lower()
    if not any(hint in lowered for hint in _HOST_HINTS) or _WHATWG_REMOVED.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https"):
        return None
    if host in _WAYBACK_HOSTS:
        rest = url.split(parts.netloc, 1)[1]
        match = _WAYBACK_PATH.fullmatch(rest)
        if match is None:
            return None
        digits, original = match.groups()
        timestamp = _wayback_time(digits)
        if timestamp is None:
            return None
        original = _ONE_SLASH.sub(r"\1://", original, count=1)
        if not re.match(r"(?i)https?://", original):
            original = "http://" + original
        return ArchiveLink("wayback", url, original, timestamp)
    if host in _ARCHIVE_TODAY_HOSTS:
        return ArchiveLink("archive-today", url)
    if host in _PERMA_HOSTS:
        return ArchiveLink("perma-cc", url)
    return None
