"""The record query that `find` and `export` share: --url, --tag, --text and time bounds."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from newsarchive.store import Store

__all__ = ["add_query_options", "query", "query_bounds", "time_bound"]

_DATE_ONLY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def add_query_options(p: argparse.ArgumentParser) -> None:
    """The options that select records: by url, tag, and retrieval or publication time."""
    p.add_argument("--url", help="match this URL by its canonical form")
    p.add_argument("--tag", help="match this tag (case ignored)")
    p.add_argument(
        "--text",
        metavar="QUERY",
        help='full-text search: every word, "quoted phrase" and prefix* in the content or '
        "title (case and accents ignored)",
    )
    p.add_argument("--since", metavar="TIME", help="retrieved at or after")
    p.add_argument("--until", metavar="TIME", help="retrieved at or before")
    p.add_argument("--published-since", metavar="TIME", help="published at or after")
    p.add_argument("--published-until", metavar="TIME", help="published at or before")


#: The time options: each one's attribute, and whether a bare date means its last instant.
_BOUNDS: Final = (
    ("since", False),
    ("until", True),
    ("published_since", False),
    ("published_until", True),
)
_FORMS: Final = "use YYYY-MM-DD or an RFC 3339 instant such as 2024-05-01T10:00:00Z"


def time_bound(command: str, option: str, text: str, *, end: bool) -> str:
    """A query bound as an RFC 3339 instant; a bare date means its first/last instant (UTC).

    Errors quote what was typed, never the instant it was turned into.
    """
    from datetime import date  # noqa: PLC0415

    from newsarchive.cli._common import UsageError  # noqa: PLC0415
    from newsarchive.errors import InvalidTimestamp  # noqa: PLC0415
    from newsarchive.timestamps import parse_timestamp  # noqa: PLC0415

    day = text.strip()  # as an instant may have spaces around it
    if _DATE_ONLY.fullmatch(day):
        try:
            date.fromisoformat(day)  # a real day: no month 13, no February 31
        except ValueError:
            raise UsageError(
                f"newsarchive {command}: {option}: {text!r} is not a real date ({_FORMS})"
            ) from None
        return f"{day}T23:59:59.999999999Z" if end else f"{day}T00:00:00Z"
    try:
        return str(parse_timestamp(text))
    except InvalidTimestamp as exc:
        raise UsageError(f"newsarchive {command}: {option}: {exc.message} ({_FORMS})") from None


def query_bounds(args: argparse.Namespace) -> dict[str, str | None]:
    """The time options checked and turned into instants, and the text query checked.

    Call before opening the store.
    """
    from newsarchive.cli._common import UsageError  # noqa: PLC0415
    from newsarchive.errors import SearchError  # noqa: PLC0415
    from newsarchive.search import parse_query  # noqa: PLC0415

    if args.text is not None:
        try:
            parse_query(args.text)
        except SearchError as exc:
            raise UsageError(f"newsarchive {args.command}: --text: {exc.message}") from None
    bounds: dict[str, str | None] = {}
    for name, end in _BOUNDS:
        text = getattr(args, name)
        option = "--" + name.replace("_", "-")
        bounds[name] = None if text is None else time_bound(args.command, option, text, end=end)
    return bounds


def query(store: Store, args: argparse.Namespace, bounds: dict[str, str | None]) -> Iterator[str]:
    """Ids of the records the query options select, oldest retrieval first.

    `bounds` is what `query_bounds(args)` returned before the store was opened.
    """
    return store.find(url=args.url, tag=args.tag, text=args.text, **bounds)
