"""`annotate`: append an event about a stored record (a correction, a note, ...).

Records are never changed: an annotation is an event appended to the store
(`Store.append_event`), shown by `show --events ID`. Its type is one of the
format's provenance event types, or `note`, which is stored as the extension
type `x-note` (the format has no `note` type; `x-*` types are for local use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from newsarchive._version import __version__
from newsarchive.cli._common import Context, Handler, UsageError, add_store_option, open_store

if TYPE_CHECKING:
    import argparse

__all__ = ["NOTE_TYPE", "add_commands", "event_type"]

#: What `--type note` is stored as.
NOTE_TYPE: Final = "x-note"
_OUTCOMES: Final = ("success", "failure", "warning")
#: Where the stand-in record holds each option's value, and the option's name.
_FIELDS: Final = {"type": "--type", "detail": "--detail", "agent": "--agent", "at": "--type"}


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add `annotate` to the `newsarchive` sub-parsers; return its handler."""
    ann: argparse.ArgumentParser = sub.add_parser(
        "annotate",
        help="append an event about a stored record (correction, note, ...)",
        description="Append an event about record ID to the store; the record itself is "
        "never changed (`show --events ID` lists its events). TYPE is one of the format's "
        f"event types ({', '.join(_types()[:-1])}) or note, stored as {NOTE_TYPE}. "
        "An ID may be shortened to its first 8 or more hex digits.",
    )
    add_store_option(ann)
    ann.add_argument("id", metavar="ID")
    ann.add_argument("--type", required=True, metavar="TYPE", help="correction, note, ...")
    ann.add_argument("--detail", required=True, metavar="TEXT", help="what happened, in words")
    ann.add_argument("--outcome", choices=_OUTCOMES, default="success", help="(default: success)")
    ann.add_argument(
        "--agent",
        metavar="TEXT",
        help=f"who or what made the event (default: newsarchive/{__version__})",
    )
    return {"annotate": _cmd_annotate}


#: The format's event types (`schemas/article-v*.schema.json`, provenance
#: `type`), spelled out so `--help` needs no schema; a test holds them equal.
EVENT_TYPES: Final = (
    "capture",
    "import",
    "normalize",
    "verify",
    "fixity-check",
    "migrate",
    "export",
    "correction",
    "replication",
    "x-<name>",
)


def _types() -> tuple[str, ...]:
    """The event types --type takes: the schema's, then `note`."""
    return (*EVENT_TYPES, "note")


def event_type(text: str) -> str:
    """The stored event type for --type: `note` becomes `x-note`."""
    return NOTE_TYPE if text == "note" else text


def _event(args: argparse.Namespace) -> dict[str, Any]:
    """The event, checked by the format's rules for provenance events (UsageError if not)."""
    from newsarchive.errors import InvalidRecord  # noqa: PLC0415
    from newsarchive.record import DEFAULT_AGENT, ArchivedArticle, ProvenanceEvent  # noqa: PLC0415
    from newsarchive.timestamps import Timestamp, utc_now  # noqa: PLC0415

    now = Timestamp.from_datetime(utc_now())
    event = ProvenanceEvent(
        type=event_type(args.type),
        at=now,
        agent=DEFAULT_AGENT if args.agent is None else args.agent,
        outcome=args.outcome,
        detail=args.detail,
    )
    try:  # a stand-in record holding the event: the schema's rules, in words
        ArchivedArticle.create(
            url="https://example.invalid/", content="", retrieved_at=now, provenance=[event]
        )
    except InvalidRecord as exc:
        first = next((p for p in exc.problems if p.severity == "error"), exc.problems[0])
        option = _FIELDS.get(first.pointer.rsplit("/", 1)[-1], first.pointer)
        message = first.message
        if option == "--type":
            message = f"{args.type!r} is not an event type (use one of: {', '.join(_types())})"
        raise UsageError(f"annotate: {option}: {message}") from None
    return event.to_dict()


def _cmd_annotate(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.store._ids import resolve_id  # noqa: PLC0415

    event = _event(args)  # the options first: a usage error before the store is opened
    with open_store(args) as store:
        record_id = resolve_id(store, args.id)
        event = {"record_id": record_id, **event}
        store.append_event(event)
    ctx.err(f"newsarchive annotate: {event['type']} event appended to record {record_id}")
    return 0
