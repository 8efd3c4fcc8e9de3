"""`export`: the records a query selects, as JSON Lines, JSON-LD, WARC, text files or a bag."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Final

from newsarchive.cli._common import (
    Context,
    Handler,
    UsageError,
    add_store_option,
    open_store,
    progress,
)
from newsarchive.cli._query import add_query_options, query, query_bounds
from newsarchive.cli._salvage import Salvage

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator
    from typing import TypeAlias

    #: The records to export: (id, record), the intact ones only (see `Salvage`).
    _Records: TypeAlias = Iterator[tuple[str, dict[str, Any]]]

__all__ = ["add_commands"]


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add `export` to the `newsarchive` sub-parsers; return its handler."""
    exp: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="write records as JSON Lines, JSON-LD, WARC, article-text files or a BagIt bag",
        description="Export matching records (all by default). jsonl: JSON Lines. jsonld: one "
        "JSON-LD document (schema.org NewsArticle + W3C PROV-O, an @graph with the nodes of "
        "every record). warc: one WARC 1.1 file, a resource and a metadata record per article "
        "(then a captured article's evidence, its request and response records), "
        "gzip-compressed record by record unless --no-gzip (needs the warc extra). These go to "
        "standard output, or atomically to -o FILE. text: article-text files, one per record "
        "named ID.txt, into the -o directory. bagit: a BagIt 1.0 bag (RFC 8493) in the new -o "
        "directory: records in data/records.jsonl, content in data/content/ID.txt, sha256 and "
        "sha512 manifests (needs the bagit extra). A record whose stored bytes fail their "
        "check is left out with a warning naming it: the export holds the intact records "
        "and the command exits 1.",
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
    exp.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar and no record count"
    )
    add_store_option(exp)
    add_query_options(exp)
    return {"export": _cmd_export}


def _cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    bounds = query_bounds(args)  # bad times are usage errors, before the store is opened
    bar = None if args.quiet else progress(ctx, "record")
    with open_store(args) as store:
        ids = query(store, args, bounds)
        if bar is not None:
            ids = _counted(ids, bar)
        # Records whose bytes fail their check are left out with a warning: the
        # export (atomic or not) holds the intact ones, and the exit code is 1.
        salvage = Salvage(store, ctx, "export")
        args.store_handle = store  # for the exporters that read more than records
        try:
            count = _EXPORTERS[args.format](salvage.records(ids), args, ctx)
        finally:
            if bar is not None:
                bar.close()
    if count == 0 and not (salvage.damaged or salvage.missing):
        ctx.err("newsarchive export: no records match (the output holds none)")
    elif not args.quiet:
        ctx.err(f"newsarchive export: {count} record{'s' if count != 1 else ''}")
    return salvage.exit_code()


def _counted(ids: Iterator[str], bar: Any) -> Iterator[str]:
    for record_id in ids:
        yield record_id
        bar.update(1)


def _needs_directory(args: argparse.Namespace) -> str:
    if args.output is None:
        raise UsageError(f"newsarchive export: --format {args.format} needs -o DIRECTORY")
    return str(args.output)


def _export_jsonl(records: _Records, args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive._atomicfile import atomic_writer  # noqa: PLC0415
    from newsarchive.jsonl import dumps_line  # noqa: PLC0415

    count = 0
    if args.output is None:
        for _, record in records:
            ctx.stdout.write(dumps_line(record))
            count += 1
        return count
    with atomic_writer(args.output) as out:
        for _, record in records:
            out.write(dumps_line(record))
            count += 1
    return count


def _export_text(records: _Records, args: argparse.Namespace, _: Context) -> int:
    from pathlib import Path  # noqa: PLC0415

    from newsarchive._atomicfile import write_atomic  # noqa: PLC0415
    from newsarchive.record import ArchivedArticle  # noqa: PLC0415

    out_dir = Path(_needs_directory(args))
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for record_id, record in records:
        # The file name is the record id (64 hex digits), never text from the record.
        data = ArchivedArticle.from_dict(record).to_article_text()
        write_atomic(out_dir / f"{record_id}.txt", data)
        count += 1
    return count


def _export_bagit(records: _Records, args: argparse.Namespace, _: Context) -> int:
    from newsarchive.bag import write_bag  # noqa: PLC0415

    with _terminate_as_exit():
        return write_bag(
            _needs_directory(args),
            (record for _, record in records),
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


def _export_jsonld(records: _Records, args: argparse.Namespace, ctx: Context) -> int:
    """Stream one JSON-LD @graph document of the records; return how many."""
    from newsarchive._atomicfile import atomic_writer  # noqa: PLC0415
    from newsarchive.jsonld import iter_document  # noqa: PLC0415

    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for _, record in records:
            yield record
            count += 1

    if args.output is None:
        for chunk in iter_document(counted()):
            ctx.out(chunk)
    else:
        with atomic_writer(args.output) as out:
            for chunk in iter_document(counted()):
                out.write(chunk.encode("utf-8"))
    return count


def _export_warc(pairs: _Records, args: argparse.Namespace, ctx: Context) -> int:
    """Write the records as one WARC file: to -o atomically, else to standard output.

    Standard output gets the file only once it is whole: it is written to a
    temporary file first, so a failure (a record without content) leaves
    standard output empty rather than holding half a WARC.
    """
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from newsarchive._atomicfile import atomic_writer  # noqa: PLC0415
    from newsarchive.store._evidence import split_warc  # noqa: PLC0415
    from newsarchive.warc import write_warc  # noqa: PLC0415

    records = (record for _, record in pairs)
    gzip = not args.no_gzip

    def evidence(record_id: str) -> list[bytes]:  # a captured record's evidence follows it
        return split_warc(args.store_handle.evidence_warc(record_id))

    if args.output is None:
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            count = write_warc(records, spool, gzip=gzip, evidence=evidence)
            spool.seek(0)
            shutil.copyfileobj(spool, ctx.stdout)
        return count
    with atomic_writer(args.output) as out:
        name = Path(args.output).name
        return write_warc(records, out, gzip=gzip, filename=name, evidence=evidence)


#: Each export format: the function that writes the matching records and returns how many.
_EXPORTERS: Final[dict[str, Callable[[_Records, argparse.Namespace, Context], int]]] = {
    "jsonl": _export_jsonl,
    "jsonld": _export_jsonld,
    "warc": _export_warc,
    "text": _export_text,
    "bagit": _export_bagit,
}
