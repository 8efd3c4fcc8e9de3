"""Commands that put records into a store and read them back: init, import, show, cat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.cli._common import (
    Context,
    Handler,
    UsageError,
    add_store_option,
    dump,
    jobs,
    open_store,
    store_dir,
    zone,
)
from newsarchive.cli._provenance import add_provenance_options
from newsarchive.cli._salvage import SALVAGE_HELP as _SALVAGE_HELP
from newsarchive.cli._salvage import Salvage

if TYPE_CHECKING:
    import argparse

    from newsarchive.store import Store

__all__ = ["add_commands"]

_ID_HELP = (
    "An ID may be shortened to its first 8 or more hex digits when no other record "
    "id starts with them."
)


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add this group's commands to the `newsarchive` sub-parsers; return their handlers."""

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, **kwargs)
        add_store_option(p)
        return p

    init = command(
        "init",
        help="create a store (idempotent)",
        description="Create an empty store directory; on an existing store, do nothing "
        "(a store made by an older newsarchive is upgraded to the current layout). "
        "--origin names the store's transparency log, as its signed checkpoints will say.",
    )
    init.add_argument(
        "--origin",
        metavar="NAME",
        help="the log's origin name, e.g. example.org/newsroom-archive: printable ASCII "
        "without spaces, '+', quotes or backslashes (default: newsarchive.invalid/store/ "
        "and a random id); it never changes once set",
    )

    imp = command(
        "import",
        help="import article-text files, directories, JSON/JSON Lines records, WARC files, bags",
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
    add_provenance_options(imp, copy="the copies")
    imp.add_argument(
        "--title", help="the article's title, when importing one article-text file (or -)"
    )
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
    imp.add_argument(
        "--allow-truncated",
        action="store_true",
        help="WARC: import truncated captures (WARC-Truncated) from what they hold, with a "
        "note and a warning, instead of rejecting them",
    )
    imp.add_argument(
        "--include-errors",
        action="store_true",
        help="WARC: import responses whose HTTP status is not 2xx (404, 500, redirects) "
        "instead of skipping them; the status is in the notes",
    )
    imp.add_argument("--json", action="store_true", help="print the summary as JSON")
    imp.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress bar, and no summary line unless something was rejected",
    )

    show = command(
        "show",
        help="print stored records as JSON",
        description="Print each record as a JSON document, in the order given. "
        f"{_ID_HELP} {_SALVAGE_HELP}",
    )
    show.add_argument("ids", nargs="+", metavar="ID")
    show.add_argument("--events", action="store_true", help="print the events appended about it")

    cat = command(
        "cat",
        help="print records' exact content bytes",
        description="Print each record's content, exactly, one after the other. "
        f"{_ID_HELP} {_SALVAGE_HELP}",
    )
    cat.add_argument("ids", nargs="+", metavar="ID")

    return {
        "init": _cmd_init,
        "import": _cmd_import,
        "show": _cmd_show,
        "cat": _cmd_cat,
    }


def _cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.store import Store  # noqa: PLC0415

    path = store_dir(args)
    with Store.init(path, origin=args.origin) as store:
        origin = store.origin
    ctx.err(f"newsarchive init: store ready at {path} (log origin {origin})")
    return 0


def _cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path  # noqa: PLC0415

    from newsarchive.cli._progress import import_progress  # noqa: PLC0415
    from newsarchive.cli._provenance import check_provenance  # noqa: PLC0415
    from newsarchive.record import DEFAULT_AGENT  # noqa: PLC0415
    from newsarchive.store import ImportOptions, Store, import_paths  # noqa: PLC0415
    from newsarchive.store._import import JSON_SUFFIXES, WARC_SUFFIXES  # noqa: PLC0415

    for option, value in (("--original-url", args.original_url), ("--title", args.title)):
        if value is None:
            continue
        only = args.paths[0] if len(args.paths) == 1 else None
        if only is None or (
            only != "-"
            and (Path(only).is_dir() or only.lower().endswith((*JSON_SUFFIXES, *WARC_SUFFIXES)))
        ):
            raise UsageError(f"newsarchive import: {option} applies to a single article-text file")
    agent = DEFAULT_AGENT if args.agent is None else args.agent
    default_tz = zone(args)
    # Once, before anything is read or created: not one rejection per file.
    check_provenance(
        "import",
        method=args.method,
        agent=agent,
        notes=args.note,
        tags=args.tag,
        retrieved_at=args.retrieved_at,
        title=args.title,
        default_tz=default_tz,
    )
    options = ImportOptions(
        retrieved_at=args.retrieved_at,
        method=args.method,
        agent=agent,
        notes=tuple(args.note),
        tags=tuple(args.tag),
        title=args.title,
        default_tz=default_tz,
        original_url=args.original_url,
        allow_truncated=args.allow_truncated,
        include_errors=args.include_errors,
    )

    _check_paths(args.paths)
    if not Path(store_dir(args)).exists():
        Store.init(store_dir(args)).close()  # importing into a new directory creates the store
    bar, done = import_progress(ctx, args.paths, quiet=args.quiet)
    with open_store(args) as store:
        summary = import_paths(
            store,
            args.paths,
            options,
            stdin=ctx.stdin,
            progress=done,
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
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(summary.skipped_by_reason.items()))
        skipped = f", {summary.skipped} skipped" if summary.skipped else ""
        skipped += f" ({reasons})" if summary.skipped and reasons else ""
        if summary.files == 0 and not summary.rejected:
            # As find and export say when nothing matched: an empty directory is no error,
            # but a user should not read "0 imported" as a failure of the import.
            ctx.err("newsarchive import: no input files found (nothing to import)")
        if args.quiet and not summary.rejected:
            return 0
        ctx.err(
            f"newsarchive import: {summary.imported} imported, {summary.duplicates} "
            f"duplicate{'s' if summary.duplicates != 1 else ''}, "
            f"{len(summary.rejected)} rejected{skipped}"
        )
    return 1 if summary.rejected else 0


def _check_paths(paths: list[str]) -> None:
    """A path named on the command line that is missing or unreadable is a usage error
    (exit 2, as for every command), found before anything is created or imported.
    What is found inside a directory is still imported file by file."""
    import errno  # noqa: PLC0415
    import os  # noqa: PLC0415

    for path in paths:
        if path == "-":
            continue
        if not os.path.lexists(path):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        if not os.access(path, os.R_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)


def _resolved(store: Store, texts: list[str]) -> list[str]:
    """Full ids for ids or prefixes; a malformed or ambiguous one is an error before
    anything is printed. With several, one that matches nothing stays as typed: the
    salvage read reports it with the others."""
    from newsarchive.errors import RecordNotFound  # noqa: PLC0415
    from newsarchive.store._ids import resolve_id  # noqa: PLC0415

    if len(texts) == 1:
        return [resolve_id(store, texts[0])]
    ids = []
    for text in texts:
        try:
            ids.append(resolve_id(store, text))
        except RecordNotFound:
            ids.append(text)
    return ids


def _cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    with open_store(args) as store:
        ids = _resolved(store, args.ids)
        if len(ids) == 1:  # one id: a failure is the command's one-line error
            (record_id,) = ids
            record = store.get(record_id)  # raises RecordNotFound for an unknown id
            ctx.out(dump(store.events(record_id) if args.events else record))
            return 0
        salvage = Salvage(store, ctx, "show")
        for record_id in ids:
            value = salvage.read(record_id, store.get)
            if value is not None and args.events:
                value = salvage.read(record_id, store.events)
            if value is not None:
                ctx.out(dump(value))
    return salvage.exit_code()


def _cmd_cat(args: argparse.Namespace, ctx: Context) -> int:
    with open_store(args) as store:
        ids = _resolved(store, args.ids)
        if len(ids) == 1:
            ctx.stdout.write(store.content(ids[0]))
            return 0
        salvage = Salvage(store, ctx, "cat")
        for record_id in ids:
            content = salvage.read(record_id, store.content)
            if content is not None:
                ctx.stdout.write(content)
    return salvage.exit_code()
