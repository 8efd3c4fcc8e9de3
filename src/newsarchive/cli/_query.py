"""The record query that `find` and `export` share: --url, --tag and time bounds."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from newsarchive.store import Store

__all__ = ["add_query_options", "query"]

_DATE_ONLY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def add_query_options(p: argparse.ArgumentParser) -> None:
    """The options that select records: by url, tag, and retrieval or publication time."""
    p.add_argument("--url", help="match this URL by its canonical form")
    p.add_argument("--tag", help="match this tag (case ignored)")
    p.add_argument("--since", metavar="TIME", help="retrieved at or after")
    p.add_argument("--until", metavar="TIME", help="retrieved at or before")
    p.add_argument("--published-since", metavar="TIME", help="published at or after")
    p.add_argument("--published-until", metavar="TIME", help="published at or before")


def _bound(text: str | None, end: bool) -> str | None:
    """A query bound as an RFC 3339 instant; a bare date means its first/last instant (UTC)."""
    if text is None:
        return None
    if _DATE_ONLY.fullmatch(text):
        return f"{text}T23:59:59.999999999Z" if end else f"{text}T00:00:00Z"
    from newsarchive.timestamps import parse_timestamp  # noqa: PLC0415

    return str(parse_timestamp(text))


def query(store: Store, args: argparse.Namespace) -> Iterator[str]:
    """Ids of the records the query options select, oldest retrieval first."""
    return store.find(
        url=args.url,
        tag=args.tag,
        since=_bound(args.since, end=False),
        until=_bound(args.until, end=True),
        published_since=_bound(args.published_since, end=False),
        published_until=_bound(args.published_until, end=True),
    )
