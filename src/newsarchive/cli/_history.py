"""`history URL` and `changes`: every capture of an article, and the edits across a store.

The work is `newsarchive.history` (`build_history`, `changed_pairs`) over
`Store.captures` and the events on them; this module reads the store past
damage (a record whose bytes fail their check is left out with a warning, and
the command exits 1 at the end), prints lines or JSON, and writes the HTML
page atomically.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.cli._common import (
    EXIT_FAILED,
    Context,
    Handler,
    UsageError,
    add_store_option,
    dump,
    open_store,
)
from newsarchive.cli._diff import add_ignore_rules_option, ignore_rules
from newsarchive.cli._query import time_bound
from newsarchive.cli._salvage import Salvage

if TYPE_CHECKING:
    import argparse

    from newsarchive.history import History, IgnoreRules
    from newsarchive.store import Store

__all__ = ["add_commands"]


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add `history` and `changes` to the `newsarchive` sub-parsers; return their handlers."""
    h: argparse.ArgumentParser = sub.add_parser(
        "history",
        help="every capture of an article and what changed between them",
        description="List every stored capture of the article at URL (matched by canonical "
        "URL; a Wayback Machine link names its original), oldest first: time, short id, "
        "content digest, title, and what changed since the previous capture (words added "
        "and removed, headline or byline changed, cosmetic only, unchanged, stealth edit), "
        "with the events that say it vanished (a 404/410 on recapture) or came back. Exit 1 "
        "if the store holds no capture of it, or a record's stored bytes fail their check "
        "(it is left out with a warning).",
    )
    h.add_argument("url", metavar="URL", help="the article's URL (or a Wayback link to it)")
    h.add_argument(
        "--text",
        metavar="PHRASE",
        help="also say when PHRASE first appeared in the article and when it vanished",
    )
    h.add_argument("--json", action="store_true", help="print schemas/history-v1.schema.json")
    h.add_argument(
        "--html", metavar="FILE", help="also write a self-contained HTML page to FILE, atomically"
    )
    add_ignore_rules_option(h)
    add_store_option(h)
    c: argparse.ArgumentParser = sub.add_parser(
        "changes",
        help="list the captures that changed across the store",
        description="List every pair of consecutive captures of an article whose content "
        "changed substantively (cosmetic and ignored changes aside), largest change first: "
        "the article, both record ids, the words added and removed, whether the headline or "
        "byline changed, and whether it is a stealth edit (changed with no correction "
        "notice). --since/--until select by the later capture's retrieval time.",
    )
    c.add_argument("--since", metavar="TIME", help="the later capture retrieved at or after")
    c.add_argument("--until", metavar="TIME", help="the later capture retrieved at or before")
    c.add_argument(
        "--stealth", action="store_true", help="only stealth edits (no correction notice)"
    )
    c.add_argument("--limit", type=int, metavar="N", help="list at most N changes")
    c.add_argument(
        "--json", action="store_true", help="print one JSON object per change, one per line"
    )
    add_ignore_rules_option(c)
    add_store_option(c)
    return {"history": _cmd_history, "changes": _cmd_changes}


def _history(
    store: Store, salvage: Salvage, url: str, rules: IgnoreRules, text: str | None = None
) -> History:
    """The history of the captures at `url` whose stored bytes check out."""
    from newsarchive.history import build_history  # noqa: PLC0415

    ids = store.captures(url)
    records = [record for _, record in salvage.records(ids)]
    events = [e for i in ids for e in (salvage.read(i, store.events) or [])]
    return build_history(records, events=events, rules=rules, text=text)


def _cmd_history(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive._atomicfile import write_atomic  # noqa: PLC0415
    from newsarchive.errors import printable  # noqa: PLC0415
    from newsarchive.history import (  # noqa: PLC0415
        history_text,
        history_to_json,
        render_history_html,
    )
    from newsarchive.urls import check_url  # noqa: PLC0415

    check_url(args.url)  # a malformed URL is refused before the store is opened
    if args.text is not None and not args.text.strip():
        raise UsageError("newsarchive history: --text: the phrase is empty")
    rules = ignore_rules(args)
    with open_store(args) as store:
        salvage = Salvage(store, ctx, "history")
        h = _history(store, salvage, args.url, rules, args.text)
    if not h.captures:
        if not (salvage.damaged or salvage.missing):
            ctx.err(printable(f"newsarchive history: no capture of {args.url} in the store"))
            return EXIT_FAILED
        return salvage.exit_code()
    if args.html is not None:
        write_atomic(args.html, render_history_html(h).encode("utf-8"))
    ctx.out(dump(history_to_json(h)) if args.json else history_text(h))
    return salvage.exit_code()


def _cmd_changes(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.history import (  # noqa: PLC0415
        changed_pair_json,
        changed_pair_text,
        changed_pairs,
    )
    from newsarchive.jsonl import dumps_line  # noqa: PLC0415
    from newsarchive.timestamps import parse_timestamp  # noqa: PLC0415

    if args.limit is not None and args.limit < 1:
        raise UsageError("changes: --limit: must be at least 1")
    since = None if args.since is None else time_bound("changes", "--since", args.since, end=False)
    until = None if args.until is None else time_bound("changes", "--until", args.until, end=True)
    rules = ignore_rules(args)
    with open_store(args) as store:
        salvage = Salvage(store, ctx, "changes")
        histories = [
            _history(store, salvage, url, rules)
            for url in store.recaptured_urls(since=since, until=until)
        ]
    pairs = changed_pairs(
        histories,
        since=None if since is None else parse_timestamp(since),
        until=None if until is None else parse_timestamp(until),
        stealth_only=args.stealth,
    )[: args.limit]
    for pair in pairs:
        if args.json:
            ctx.stdout.write(dumps_line(changed_pair_json(pair)))
        else:
            ctx.out(changed_pair_text(pair) + "\n")
    if not pairs and not (salvage.damaged or salvage.missing):
        ctx.err("newsarchive changes: no changes found")
    return salvage.exit_code()
