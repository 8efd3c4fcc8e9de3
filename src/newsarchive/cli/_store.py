"""Commands that put records into a store and read them back: init, import, show, cat, find."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive._version import __version__
from newsarchive.cli._common import (
    METHODS_HELP,
    Context,
    Handler,
    UsageError,
    add_store_option,
    dump,
    jobs,
    open_store,
    progress,
    store_dir,
    zone,
)
from newsarchive.cli._query import add_query_options, query

if TYPE_CHECKING:
    import argparse

__all__ = ["add_commands"]


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add this group's commands to the `newsarchive` sub-parsers; return their handlers."""

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, **kwargs)
        add_store_option(p)
        return p

    command(
        "init",
        help="create a store (idempotent)",
        description="Create an empty store directory; on an existing store, do nothing.",
    )

    imp = command(
        "import",
        help="import article-text files, directories, JSON/JSON Lines records and WARC files",
        description="Import into the store: article-text files, directories (recursively; "
        "*.json, *.jsonl and *.ndjson are read as records; *.warc and *.warc.gz as WARC "
        "files; a directory holding a bag as one bag), and - for standard input. "
        "A store directory that does not exist yet is created. "
        "JSON records are stored exactly as they are once they validate; the options below "
        "apply to article-text input only. Re-importing is idempotent: a stored id is a "
        "duplicate, and so is an article-text file whose canonical URL and content are "
        "stored, unless --retrieved-at names a new capture time. A directory holding a "
        "bagit.txt is one BagIt bag: validated first and refused whole (nothing from it "
        "stored) when it fails; a newsarchive bag gives its records back exactly, another "
        "bag's payload files are read as article text. Exit 1 if anything was rejected.",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, bag, or -")
    imp.add_argument(
        "--retrieved-at",
        metavar="TIME",
        help="when the copies were retrieved (default: now; also makes each a new capture)",
    )
    imp.add_argument(
        "--timezone", metavar="ZONE", help="IANA zone for --retrieved-at given without one"
    )
    imp.add_argument(
        "--method", default="file-import", help=f"{METHODS_HELP} (default: file-import)"
    )
    imp.add_argument(
        "--agent", help=f"who retrieved the copies (default: newsarchive/{__version__})"
    )
    imp.add_argument("--note", action="append", default=[], metavar="TEXT", help="retrieval note")
    imp.add_argument("--tag", action="append", default=[], metavar="TAG", help="add a tag")
    imp.add_argument(
        "--original-url",
        metavar="URL",
        help="the article's own URL, when importing one article-text file whose LINK: is an "
        "archive.today or Perma.cc snapshot (those links do not contain it)",
    )
    imp.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes building records from article text (default: all cores)",
    )
    imp.add_argument("--json", action="store_true", help="print the summary as JSON")

    show = command("show", help="print a stored record as JSON", description="Print the record.")
    show.add_argument("id", metavar="ID")
    show.add_argument("--events", action="store_true", help="print the events appended about it")

    cat = command("cat", help="print a record's exact content bytes", description="Print content.")
    cat.add_argument("id", metavar="ID")

    find = command(
        "find",
        help="list records by url, tag or date",
        description="List matching records as 'ID  RETRIEVED_AT  URL', oldest first. Times "
        "are RFC 3339 instants or bare dates (UTC; --until includes the whole day).",
    )
    add_query_options(find)
    find.add_argument("--json", action="store_true", help="print each full record as a JSON line")
    return {
        "init": _cmd_init,
        "import": _cmd_import,
        "show": _cmd_show,
        "cat": _cmd_cat,
        "find": _cmd_find,
    }


def _cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.store import Store  # noqa: PLC0415

    path = store_dir(args)
    Store.init(path).close()
    ctx.err(f"newsarchive init: store ready at {path}")
    return 0


def _cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path  # noqa: PLC0415

    from newsarchive.record import DEFAULT_AGENT  # noqa: PLC0415
    from newsarchive.store import ImportOptions, Store, import_paths  # noqa: PLC0415
    from newsarchive.store._import import JSON_SUFFIXES, WARC_SUFFIXES  # noqa: PLC0415

    if args.original_url is not None:
        only = args.paths[0] if len(args.paths) == 1 else None
        if only is None or (
            only != "-"
            and (Path(only).is_dir() or only.lower().endswith((*JSON_SUFFIXES, *WARC_SUFFIXES)))
        ):
            raise UsageError(
                "newsarchive import: --original-url applies to a single article-text file"
            )
    options = ImportOptions(
        retrieved_at=args.retrieved_at,
        method=args.method,
        agent=args.agent or DEFAULT_AGENT,
        notes=tuple(args.note),
        tags=tuple(args.tag),
        default_tz=zone(args.timezone),
        original_url=args.original_url,
    )

    if not Path(store_dir(args)).exists():
        Store.init(store_dir(args)).close()  # importing into a new directory creates the store
    bar = progress(ctx, "file")
    with open_store(args) as store:
        summary = import_paths(
            store,
            args.paths,
            options,
            stdin=ctx.stdin,
            progress=None if bar is None else (lambda _name: bar.update(1)),
            jobs=jobs(args),
        )
    if bar is not None:
        bar.close()
    if args.json:
        ctx.out(dump(summary.to_dict()))
    else:
        from newsarchive.errors import printable  # noqa: PLC0415

        # Sources are file names: printed with controls escaped, they cannot forge lines.
        for warning in summary.warnings:
            ctx.err(printable(f"{warning['source']}: warning: {warning['reason']}"))
        for problem in summary.rejected:
            ctx.err(printable(f"{problem['source']}: rejected: {problem['reason']}"))
        skipped = f", {summary.skipped} skipped" if summary.skipped else ""
        ctx.err(
            f"newsarchive import: {summary.imported} imported, {summary.duplicates} "
            f"duplicate{'s' if summary.duplicates != 1 else ''}, "
            f"{len(summary.rejected)} rejected{skipped}"
        )
    return 1 if summary.rejected else 0


def _cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    with open_store(args) as store:
        record = store.get(args.id)  # raises RecordNotFound for an unknown id
        value = store.events(args.id) if args.events else record
    ctx.out(dump(value))
    return 0


def _cmd_cat(args: argparse.Namespace, ctx: Context) -> int:
    with open_store(args) as store:
        ctx.stdout.write(store.content(args.id))
    return 0


def _cmd_find(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.jsonl import dumps_line  # noqa: PLC0415

    with open_store(args) as store:
        for record_id in query(store, args):
            record = store.get(record_id)
            if args.json:
                ctx.stdout.write(dumps_line(record))
            else:
                ctx.out(f"{record_id}  {record.get('retrieved_at')}  {record.get('url')}\n")
    return 0
