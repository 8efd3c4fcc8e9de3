"""`find`: list the records a query selects, for people (text), spreadsheets (tsv) or scripts."""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from newsarchive.cli._common import Context, Handler, UsageError, add_store_option, open_store
from newsarchive.cli._query import add_query_options, query, query_bounds
from newsarchive.cli._salvage import Salvage

if TYPE_CHECKING:
    import argparse

__all__ = ["add_commands"]

#: The columns of `--format tsv`, after a header row naming them.
TSV_COLUMNS: Final = ("id", "retrieved_at", "published_at", "url", "title", "tags")
#: Linear TSV escapes: a field never holds a tab or a line break.
_TSV_ESCAPES: Final = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add `find` to the `newsarchive` sub-parsers; return its handler."""
    find: argparse.ArgumentParser = sub.add_parser(
        "find",
        help="list records by url, tag or date",
        description="List matching records, oldest retrieval first: as 'ID  RETRIEVED_AT  URL  "
        "TITLE' lines (text), as tab-separated values with a header row for spreadsheets "
        f"(tsv: {', '.join(TSV_COLUMNS)}; tab, CR, LF and backslash in a field written as "
        "\\t, \\r, \\n, \\\\), or as full records in JSON Lines (jsonl, or --json). Times are "
        "RFC 3339 instants or bare dates (UTC; --until includes the whole day). The query "
        "reads the index; each line is read from the record itself, so a record whose stored "
        "bytes fail their check is not listed on standard output: a warning names its id, "
        "and the command exits 1 at the end (--count reads the index only). With --text, "
        "each text line is followed by a snippet of the content around the first match, "
        "matched words in [brackets].",
    )
    add_store_option(find)
    add_query_options(find)
    find.add_argument(
        "--format",
        choices=("text", "tsv", "jsonl"),
        default=None,
        help="output format (default: text)",
    )
    find.add_argument("--json", action="store_true", help="the same as --format jsonl")
    find.add_argument("--limit", type=int, metavar="N", help="list at most N records")
    find.add_argument(
        "--count", action="store_true", help="print only how many records match (up to --limit)"
    )
    return {"find": _cmd_find}


def _format(args: argparse.Namespace) -> str:
    if args.json and args.format not in (None, "jsonl"):
        raise UsageError(f"find: --json and --format {args.format} disagree; give one")
    if args.limit is not None and args.limit < 1:
        raise UsageError("find: --limit: must be at least 1")
    if args.count and (args.json or args.format is not None):
        raise UsageError("find: --count prints a number; it takes no --format or --json")
    return "jsonl" if args.json else str(args.format or "text")


def _tsv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return str(value).translate(_TSV_ESCAPES)


def _text_line(record: dict[str, Any]) -> str:
    from newsarchive.errors import printable  # noqa: PLC0415

    fields = [record.get("id"), record.get("retrieved_at"), record.get("url")]
    if record.get("title"):
        fields.append(record["title"])
    # Printed with controls escaped: a title cannot forge a line or a terminal escape.
    return printable("  ".join(str(f) for f in fields)) + "\n"


def _cmd_find(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.jsonl import dumps_line  # noqa: PLC0415
    from newsarchive.search import parse_query, snippet  # noqa: PLC0415

    fmt = _format(args)
    bounds = query_bounds(args)  # bad options are usage errors, before the store is opened
    found = 0
    with open_store(args) as store:
        if fmt == "tsv" and not args.count:
            ctx.out("\t".join(TSV_COLUMNS) + "\n")
        ids = islice(query(store, args, bounds), args.limit)
        if args.count:  # the index alone answers: no record is read
            ctx.out(f"{sum(1 for _ in ids)}\n")
            return 0
        # A record whose stored bytes fail their check is left out with a warning (exit 1).
        salvage = Salvage(store, ctx, "find")
        search = None if args.text is None else parse_query(args.text)
        for _, record in salvage.records(ids):
            found += 1
            if fmt == "jsonl":
                ctx.stdout.write(dumps_line(record))
            elif fmt == "tsv":
                ctx.out("\t".join(_tsv_field(record.get(c)) for c in TSV_COLUMNS) + "\n")
            else:
                ctx.out(_text_line(record))
                if search is not None:
                    ctx.out(f"    {snippet(record.get('content') or '', search)}\n")
    if not (found or salvage.damaged or salvage.missing):
        ctx.err("newsarchive find: no records match")
    return salvage.exit_code()
