"""The store commands of the command line: init, import, show, cat, find, export, store, bag ...

Kept apart from `cli` so each file reads in one sitting; `cli.run` dispatches here.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import TYPE_CHECKING, Any, Final

from newsarchive._version import __version__

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator

    from newsarchive.cli import _Context
    from newsarchive.store import Store

__all__ = ["COMMANDS", "DEFAULT_STORE", "add_store_commands"]

#: Where the store is when neither --store nor NEWSARCHIVE_STORE says.
DEFAULT_STORE: Final = "newsarchive-store"
_DATE_ONLY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _store_dir(args: argparse.Namespace) -> str:
    return str(args.store or os.environ.get("NEWSARCHIVE_STORE") or DEFAULT_STORE)


def _open(args: argparse.Namespace) -> Store:
    from newsarchive.store import Store  # noqa: PLC0415

    return Store(_store_dir(args))


def add_store_commands(sub: Any, methods_help: str) -> list[argparse.ArgumentParser]:
    """Add the store commands to the `newsarchive` sub-parsers; return them."""
    store_help = f"the store directory (default: $NEWSARCHIVE_STORE, else ./{DEFAULT_STORE})"
    made = []

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, **kwargs)
        p.add_argument("--store", metavar="DIR", help=store_help)
        made.append(p)
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
        "--method", default="file-import", help=f"{methods_help} (default: file-import)"
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
    exp = command(
        "export",
        help="write records as JSON Lines, JSON-LD, WARC, article-text files or a BagIt bag",
        description="Export matching records (all by default). jsonl: JSON Lines. jsonld: one "
        "JSON-LD document (schema.org NewsArticle + W3C PROV-O, an @graph with the nodes of "
        "every record). warc: one WARC 1.1 file, a resource and a metadata record per article, "
        "gzip-compressed record by record unless --no-gzip (needs the warc extra). These go to "
        "standard output, or atomically to -o FILE. text: article-text files, one per record "
        "named ID.txt, into the -o directory. bagit: a BagIt 1.0 bag (RFC 8493) in the new -o "
        "directory: records in data/records.jsonl, content in data/content/ID.txt, sha256 and "
        "sha512 manifests (needs the bagit extra).",
    )
    exp.add_argument(
        "--format", choices=list(_EXPORTERS), default="jsonl", help="output format (default: jsonl)"
    )
    exp.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file (jsonl, jsonld, warc) or directory (text, bagit)",
    )
    exp.add_argument("--no-gzip", action="store_true", help="warc: write it uncompressed")
    exp.add_argument(
        "--source-organization", metavar="ORG", help="bagit: bag-info.txt Source-Organization"
    )
    exp.add_argument(
        "--description", metavar="TEXT", help="bagit: bag-info.txt External-Description"
    )
    for p in (find, exp):
        p.add_argument("--url", help="match this URL by its canonical form")
        p.add_argument("--tag", help="match this tag (case ignored)")
        p.add_argument("--since", metavar="TIME", help="retrieved at or after")
        p.add_argument("--until", metavar="TIME", help="retrieved at or before")
        p.add_argument("--published-since", metavar="TIME", help="published at or after")
        p.add_argument("--published-until", metavar="TIME", help="published at or before")
    find.add_argument("--json", action="store_true", help="print each full record as a JSON line")

    st = sub.add_parser(
        "store",
        help="audit, repair, reindex or describe a store",
        description="Maintenance of a store: verify, repair, reindex, stats.",
    )
    made.append(st)
    ops = st.add_subparsers(dest="store_command", metavar="ACTION", parser_class=type(st))
    st_cmds = []

    def op(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = ops.add_parser(name, **kwargs)
        p.add_argument("--store", metavar="DIR", help=store_help)
        st_cmds.append(p)
        return p

    ver = op(
        "verify",
        help="re-hash and re-check everything (fixity audit)",
        description="Re-read and re-hash every batch, validate every record, and compare the "
        "index with the data. Failures exit 1; traces of an interrupted write are notes. "
        "Appends a fixity-check event to the store.",
    )
    ver.add_argument("--jobs", type=int, metavar="N", help="processes (default: all cores)")
    ver.add_argument(
        "--sample", type=float, default=1.0, metavar="F", help="check only this fraction (0-1]"
    )
    ver.add_argument(
        "--fixity-only",
        action="store_true",
        help="only re-hash every batch against its commit (as bagit.py --validate checks a "
        "manifest): finds any changed, lost or added byte, several times faster, but does not "
        "re-validate records or compare the index rows; not a full audit",
    )
    ver.add_argument("--json", action="store_true", help="print the report as JSON")
    rep = op(
        "repair",
        help="restore damaged data from a replica",
        description="Rebuild damaged or missing batches byte for byte from another copy of the "
        "store; nothing that checks out is touched. Exit 1 if something could not be restored.",
    )
    rep.add_argument("--from", dest="replica", required=True, metavar="DIR", help="the replica")
    rep.add_argument("--json", action="store_true", help="print the report as JSON")
    op("reindex", help="rebuild the index from the data", description="Rebuild the index.")
    stats = op("stats", help="counts, size and the last audits", description="Describe the store.")
    stats.add_argument("--json", action="store_true", help="print as JSON")

    bag = sub.add_parser(
        "bag",
        help="validate a BagIt bag",
        description="BagIt bags (RFC 8493 1.0 and the 0.93-0.97 drafts).",
    )
    made.append(bag)
    bag_ops = bag.add_subparsers(dest="bag_command", metavar="ACTION", parser_class=type(bag))
    bag_val = bag_ops.add_parser(
        "validate",
        help="check a bag and report every problem",
        description="Check the bag at DIR: bagit.txt, every manifest and tag manifest, every "
        "checksum, Payload-Oxum, fetch.txt, and that no file name points outside the bag. "
        "Every problem is reported, not only the first. Exit 0 valid (warnings are printed), "
        "1 invalid, 2 not a directory.",
    )
    bag_val.add_argument("dir", metavar="DIR", help="the bag directory")
    bag_val.add_argument("--json", action="store_true", help="print the report as JSON")
    return [*made, *st_cmds, bag_val]


# -- helpers --------------------------------------------------------------------------


def _bound(text: str | None, end: bool) -> str | None:
    """A query bound as an RFC 3339 instant; a bare date means its first/last instant (UTC)."""
    if text is None:
        return None
    if _DATE_ONLY.fullmatch(text):
        return f"{text}T23:59:59.999999999Z" if end else f"{text}T00:00:00Z"
    from newsarchive.timestamps import parse_timestamp  # noqa: PLC0415

    return str(parse_timestamp(text))


def _query(store: Store, args: argparse.Namespace) -> Iterator[str]:
    return store.find(
        url=args.url,
        tag=args.tag,
        since=_bound(args.since, end=False),
        until=_bound(args.until, end=True),
        published_since=_bound(args.published_since, end=False),
        published_until=_bound(args.published_until, end=True),
    )


def _progress(ctx: _Context, unit: str, total: int | None = None) -> Any:
    """A tqdm bar on a terminal's stderr; None (silent) otherwise."""
    isatty = getattr(ctx.stderr, "isatty", None)
    if not (isatty and isatty()):
        return None
    from tqdm import tqdm  # noqa: PLC0415

    scale = unit == "B"
    return tqdm(total=total, unit=unit, unit_scale=scale, file=ctx.stderr, leave=False)


def _dump(value: Any) -> str:
    import json  # noqa: PLC0415 - kept off the start-up path

    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


# -- commands -------------------------------------------------------------------------


def _jobs(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        from newsarchive.cli import UsageError  # noqa: PLC0415

        raise UsageError(f"newsarchive {args.command}: --jobs must be at least 1")
    return int(args.jobs or os.cpu_count() or 1)


def _cmd_init(args: argparse.Namespace, ctx: _Context) -> int:
    from newsarchive.store import Store  # noqa: PLC0415

    path = _store_dir(args)
    Store.init(path).close()
    ctx.err(f"newsarchive init: store ready at {path}")
    return 0


def _cmd_import(args: argparse.Namespace, ctx: _Context) -> int:
    from pathlib import Path  # noqa: PLC0415

    from newsarchive.cli import _zone  # noqa: PLC0415
    from newsarchive.record import DEFAULT_AGENT  # noqa: PLC0415
    from newsarchive.store import ImportOptions, Store, import_paths  # noqa: PLC0415
    from newsarchive.store._import import JSON_SUFFIXES, WARC_SUFFIXES  # noqa: PLC0415

    if args.original_url is not None:
        only = args.paths[0] if len(args.paths) == 1 else None
        if only is None or (
            only != "-"
            and (Path(only).is_dir() or only.lower().endswith((*JSON_SUFFIXES, *WARC_SUFFIXES)))
        ):
            from newsarchive.cli import UsageError  # noqa: PLC0415

            raise UsageError(
                "newsarchive import: --original-url applies to a single article-text file"
            )
    options = ImportOptions(
        retrieved_at=args.retrieved_at,
        method=args.method,
        agent=args.agent or DEFAULT_AGENT,
        notes=tuple(args.note),
        tags=tuple(args.tag),
        default_tz=_zone(args.timezone),
        original_url=args.original_url,
    )

    if not Path(_store_dir(args)).exists():
        Store.init(_store_dir(args)).close()  # importing into a new directory creates the store
    bar = _progress(ctx, "file")
    with _open(args) as store:
        summary = import_paths(
            store,
            args.paths,
            options,
            stdin=ctx.stdin,
            progress=None if bar is None else (lambda _name: bar.update(1)),
            jobs=_jobs(args),
        )
    if bar is not None:
        bar.close()
    if args.json:
        ctx.out(_dump(summary.to_dict()))
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


def _cmd_show(args: argparse.Namespace, ctx: _Context) -> int:
    with _open(args) as store:
        record = store.get(args.id)  # raises RecordNotFound for an unknown id
        value = store.events(args.id) if args.events else record
    ctx.out(_dump(value))
    return 0


def _cmd_cat(args: argparse.Namespace, ctx: _Context) -> int:
    with _open(args) as store:
        ctx.stdout.write(store.content(args.id))
    return 0


def _cmd_find(args: argparse.Namespace, ctx: _Context) -> int:
    from newsarchive.jsonl import dumps_line  # noqa: PLC0415

    with _open(args) as store:
        for record_id in _query(store, args):
            record = store.get(record_id)
            if args.json:
                ctx.stdout.write(dumps_line(record))
            else:
                ctx.out(f"{record_id}  {record.get('retrieved_at')}  {record.get('url')}\n")
    return 0


def _cmd_export(args: argparse.Namespace, ctx: _Context) -> int:
    bar = _progress(ctx, "record")
    with _open(args) as store:
        ids = _query(store, args)
        if bar is not None:
            ids = _counted(ids, bar)
        try:
            count = _EXPORTERS[args.format](store, ids, args, ctx)
        finally:
            if bar is not None:
                bar.close()
    ctx.err(f"newsarchive export: {count} record{'s' if count != 1 else ''}")
    return 0


def _counted(ids: Iterator[str], bar: Any) -> Iterator[str]:
    for record_id in ids:
        yield record_id
        bar.update(1)


def _needs_directory(args: argparse.Namespace) -> str:
    if args.output is None:
        from newsarchive.cli import UsageError  # noqa: PLC0415

        raise UsageError(f"newsarchive export: --format {args.format} needs -o DIRECTORY")
    return str(args.output)


def _export_jsonl(store: Store, ids: Iterator[str], args: argparse.Namespace, ctx: _Context) -> int:
    from newsarchive._atomicfile import atomic_writer  # noqa: PLC0415
    from newsarchive.jsonl import dumps_line  # noqa: PLC0415

    count = 0
    if args.output is None:
        for record_id in ids:
            ctx.stdout.write(dumps_line(store.get(record_id)))
            count += 1
        return count
    with atomic_writer(args.output) as out:
        for record_id in ids:
            out.write(dumps_line(store.get(record_id)))
            count += 1
    return count


def _export_text(store: Store, ids: Iterator[str], args: argparse.Namespace, _: _Context) -> int:
    from pathlib import Path  # noqa: PLC0415

    from newsarchive._atomicfile import write_atomic  # noqa: PLC0415
    from newsarchive.record import ArchivedArticle  # noqa: PLC0415

    out_dir = Path(_needs_directory(args))
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for record_id in ids:
        # The file name is the record id (64 hex digits), never text from the record.
        data = ArchivedArticle.from_dict(store.get(record_id)).to_article_text()
        write_atomic(out_dir / f"{record_id}.txt", data)
        count += 1
    return count


def _export_bagit(store: Store, ids: Iterator[str], args: argparse.Namespace, _: _Context) -> int:
    from newsarchive.bag import write_bag  # noqa: PLC0415

    with _terminate_as_exit():
        return write_bag(
            _needs_directory(args),
            (store.get(record_id) for record_id in ids),
            description=args.description,
            source_organization=args.source_organization,
        )


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While a bag is built, SIGTERM and SIGHUP raise SystemExit so the bag's temporary
    directory is removed on the way out (their default action would leave a full-size
    hidden copy).

    The CLI's, not the library's: the old handler is put back afterwards.
    """
    import signal  # noqa: PLC0415

    def terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    caught = (signal.SIGTERM, signal.SIGHUP)
    try:
        old = {signum: signal.signal(signum, terminate) for signum in caught}
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)


def _export_jsonld(
    store: Store, ids: Iterator[str], args: argparse.Namespace, ctx: _Context
) -> int:
    """Stream one JSON-LD @graph document of the records `ids`; return how many."""
    from newsarchive._atomicfile import atomic_writer  # noqa: PLC0415
    from newsarchive.jsonld import iter_document  # noqa: PLC0415

    count = 0

    def records() -> Iterator[dict[str, Any]]:
        nonlocal count
        for record_id in ids:
            yield store.get(record_id)
            count += 1

    if args.output is None:
        for chunk in iter_document(records()):
            ctx.out(chunk)
    else:
        with atomic_writer(args.output) as out:
            for chunk in iter_document(records()):
                out.write(chunk.encode("utf-8"))
    return count


def _export_warc(store: Store, ids: Iterator[str], args: argparse.Namespace, ctx: _Context) -> int:
    """Write the records as one WARC file: to -o atomically, else to standard output.

    Standard output gets the file only once it is whole: it is written to a
    temporary file first, so a failure (a record without content) leaves
    standard output empty rather than holding half a WARC.
    """
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from newsarchive._atomicfile import atomic_writer  # noqa: PLC0415
    from newsarchive.warc import write_warc  # noqa: PLC0415

    records = (store.get(record_id) for record_id in ids)
    gzip = not args.no_gzip
    if args.output is None:
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            count = write_warc(records, spool, gzip=gzip)
            spool.seek(0)
            shutil.copyfileobj(spool, ctx.stdout)
        return count
    with atomic_writer(args.output) as out:
        return write_warc(records, out, gzip=gzip, filename=Path(args.output).name)


#: Each export format: the function that writes the matching records and returns how many.
_EXPORTERS: Final[
    dict[str, Callable[[Store, Iterator[str], argparse.Namespace, _Context], int]]
] = {
    "jsonl": _export_jsonl,
    "jsonld": _export_jsonld,
    "warc": _export_warc,
    "text": _export_text,
    "bagit": _export_bagit,
}


def _cmd_verify(args: argparse.Namespace, ctx: _Context) -> int:
    from newsarchive.cli import UsageError  # noqa: PLC0415

    if not 0.0 < args.sample <= 1.0:
        raise UsageError("newsarchive store verify: --sample must be in (0, 1]")
    jobs = _jobs(args)
    with _open(args) as store:
        segments = store.root / "segments"
        total = sum(p.lstat().st_size for p in segments.iterdir())
        bar = _progress(ctx, "B", total)
        report = store.verify(
            jobs=jobs,
            sample=args.sample,
            progress=None if bar is None else bar.update,
            fixity_only=args.fixity_only,
        )
        if bar is not None:
            bar.close()
    if args.json:
        ctx.out(_dump(report.to_dict()))
    else:
        for f in report.findings:
            label = "FAIL" if f.severity == "failure" else "note"
            rid = f" record {f.record_id}" if f.record_id else ""
            ctx.out(f"{label} {f.code} {f.where}{rid}: {f.message}\n")
        d = report.to_dict()
        verdict = "OK" if report.ok else "FAILED"
        scope = "full audit" if report.full else f"sample {report.sample:g}"
        if report.fixity_only:
            scope = "fixity only" + ("" if report.sample >= 1.0 else f", {scope}")
            checked = f"{d['entries']} entries"
        else:
            checked = f"{d['records']} records, {d['blobs']} blobs, {d['events']} events"
        ctx.out(
            f"{verdict}: {checked} in {d['batches']} batches checked ({scope}); "
            f"{d['failures']} failures, {d['notes']} notes\n"
        )
    return 0 if report.ok else 1


def _cmd_repair(args: argparse.Namespace, ctx: _Context) -> int:
    from newsarchive.store import Store  # noqa: PLC0415

    with _open(args) as store, Store(args.replica) as replica:
        report = store.repair(replica)
    if args.json:
        ctx.out(_dump(report.to_dict()))
    else:
        for line in report.restored:
            ctx.out(f"restored {line}\n")
        for line in report.unrepaired:
            ctx.out(f"NOT RESTORED {line}\n")
        ctx.out(
            f"{'OK' if not report.unrepaired else 'FAILED'}: {len(report.restored)} restored, "
            f"{len(report.unrepaired)} not restored\n"
        )
    return 0 if not report.unrepaired else 1


def _cmd_reindex(args: argparse.Namespace, ctx: _Context) -> int:
    with _open(args) as store:
        store.reindex()
        ctx.err(f"newsarchive store reindex: {len(store)} records indexed")
    return 0


def _cmd_stats(args: argparse.Namespace, ctx: _Context) -> int:
    with _open(args) as store:
        stats = store.stats()
    if args.json:
        ctx.out(_dump(stats))
        return 0
    for key in ("store", "records", "blobs", "events", "batches", "segments", "bytes"):
        ctx.out(f"{key}: {stats[key]}\n")
    for key in ("last_check", "last_full_check"):
        event = stats[key]
        text = "never" if event is None else f"{event['at']} ({event['outcome']})"
        ctx.out(f"{key}: {text}\n")
    return 0


def _cmd_store(args: argparse.Namespace, ctx: _Context) -> int:
    if args.store_command is None:
        from newsarchive.cli import UsageError  # noqa: PLC0415

        raise UsageError("newsarchive store: an action is required: verify, repair, reindex, stats")
    return _STORE_COMMANDS[args.store_command](args, ctx)


def _cmd_bag(args: argparse.Namespace, ctx: _Context) -> int:
    if args.bag_command is None:
        from newsarchive.cli import UsageError  # noqa: PLC0415

        raise UsageError("newsarchive bag: an action is required: validate")
    from newsarchive.bag import validate_bag  # noqa: PLC0415
    from newsarchive.errors import printable  # noqa: PLC0415

    report = validate_bag(args.dir)  # BagError (exit 2) when DIR is not a directory
    if args.json:
        ctx.out(_dump(report.to_dict()))
    else:
        for p in report.problems:
            ctx.out(f"{'ERROR' if p.severity == 'error' else 'warning'} {p}\n")
        verdict = "VALID" if report.ok else "INVALID"
        version = f"BagIt {report.version}" if report.version else "BagIt version unknown"
        algorithms = ", ".join(report.algorithms) or "no manifest"
        ctx.out(
            f"{verdict}: {printable(args.dir)} ({version}; {algorithms}): "
            f"{len(report.manifests)} payload files checked; {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings\n"
        )
    return 0 if report.ok else 1


_STORE_COMMANDS: Final[dict[str, Callable[[argparse.Namespace, _Context], int]]] = {
    "verify": _cmd_verify,
    "repair": _cmd_repair,
    "reindex": _cmd_reindex,
    "stats": _cmd_stats,
}

COMMANDS: Final[dict[str, Callable[[argparse.Namespace, _Context], int]]] = {
    "init": _cmd_init,
    "import": _cmd_import,
    "show": _cmd_show,
    "cat": _cmd_cat,
    "find": _cmd_find,
    "export": _cmd_export,
    "store": _cmd_store,
    "bag": _cmd_bag,
}
