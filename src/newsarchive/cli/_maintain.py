"""`store verify | repair | reindex | stats`: audit and look after a store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from newsarchive.cli import _storeproofs
from newsarchive.cli._common import (
    Context,
    Handler,
    UsageError,
    add_store_option,
    dump,
    jobs,
    open_store,
    progress,
    subcommands,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

__all__ = ["add_commands"]


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add the `store` group to the `newsarchive` sub-parsers; return its handler."""
    st = sub.add_parser(
        "store",
        help="audit, repair, reindex or describe a store",
        description="Maintenance of a store: verify, repair, reindex, stats; its log's "
        "checkpoints (checkpoint, consistency).",
    )
    ops = subcommands(st, "store_command", "ACTION")

    def op(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = ops.add_parser(name, **kwargs)
        add_store_option(p)
        return p

    ver = op(
        "verify",
        help="re-hash and re-check everything (fixity audit)",
        description="Re-read and re-hash every batch, validate every record, and compare the "
        "index with the data. Failures exit 1; traces of an interrupted write are notes, and "
        "so are files of your own beside the store's files at its top (anything unknown "
        "inside segments/ is a failure). Appends a fixity-check event to the store.",
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
    _storeproofs.add_verify_options(ver)
    ver.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar; print nothing unless it fails"
    )
    rep = op(
        "repair",
        help="restore damaged data from a replica",
        description="Rebuild damaged or missing batches byte for byte from another copy of the "
        "store; nothing that checks out is touched. Exit 1 if something could not be restored.",
    )
    rep.add_argument("--from", dest="replica", required=True, metavar="DIR", help="the replica")
    rep.add_argument("--json", action="store_true", help="print the report as JSON")
    op(
        "reindex",
        help="rebuild the index from the data",
        description="Rebuild the index from the segments. Refused (exit 1) when the segments "
        "no longer hold a batch the index lists: that index is what `store repair` restores "
        "from, so it is kept; run `store verify`, then `store repair --from REPLICA`.",
    )
    stats = op("stats", help="counts, size and the last audits", description="Describe the store.")
    stats.add_argument("--json", action="store_true", help="print as JSON")
    _STORE_COMMANDS.update(_storeproofs.add_store_commands(op))

    return {"store": _cmd_store}


def _cmd_verify(args: argparse.Namespace, ctx: Context) -> int:
    if not 0.0 < args.sample <= 1.0:
        raise UsageError("newsarchive store verify: --sample: must be in (0, 1]")
    processes = jobs(args)
    keys = _storeproofs.verifier_keys(args)
    with open_store(args) as store:
        segments = store.root / "segments"
        real = segments.is_dir() and not segments.is_symlink()  # else the audit reports it
        total = sum(p.lstat().st_size for p in segments.iterdir()) if real else 0
        bar = None if args.quiet else progress(ctx, "B", total)
        report = store.verify(
            jobs=processes,
            sample=args.sample,
            progress=None if bar is None else bar.update,
            fixity_only=args.fixity_only,
        )
        if bar is not None:
            bar.close()
        if keys:
            report.findings.extend(_storeproofs.signature_findings(store, keys))
    if args.json:
        ctx.out(dump(report.to_dict()))
    elif not (args.quiet and report.ok):  # quiet: a passing audit prints nothing
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
            if d["evidence"]:
                checked += f", {d['evidence']} evidence"
        ctx.out(
            f"{verdict}: {checked} in {d['batches']} batches checked ({scope}); "
            f"{d['failures']} failures, {d['notes']} notes\n"
        )
    return 0 if report.ok else 1


def _cmd_repair(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.store import Store  # noqa: PLC0415

    with open_store(args) as store, Store(args.replica) as replica:
        report = store.repair(replica)
    if args.json:
        ctx.out(dump(report.to_dict()))
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


def _cmd_reindex(args: argparse.Namespace, ctx: Context) -> int:
    with open_store(args) as store:
        store.reindex()
        ctx.err(f"newsarchive store reindex: {len(store)} records indexed")
    return 0


def _cmd_stats(args: argparse.Namespace, ctx: Context) -> int:
    with open_store(args) as store:
        stats = store.stats()
    if args.json:
        ctx.out(dump(stats))
        return 0
    for key in ("store", "layout", "origin"):
        ctx.out(f"{key}: {stats[key] if stats[key] is not None else 'none'}\n")
    for key in ("records", "blobs", "events", "evidence", "batches", "segments", "bytes"):
        ctx.out(f"{key}: {stats[key]}\n")
    for key in ("last_check", "last_full_check"):
        event = stats[key]
        text = "never" if event is None else f"{event['at']} ({event['outcome']})"
        ctx.out(f"{key}: {text}\n")
    return 0


def _cmd_store(args: argparse.Namespace, ctx: Context) -> int:
    if args.store_command is None:
        actions = ", ".join(_STORE_COMMANDS)
        raise UsageError(f"newsarchive store: an action is required: {actions}")
    return _STORE_COMMANDS[args.store_command](args, ctx)


_STORE_COMMANDS: Final[dict[str, Callable[[argparse.Namespace, Context], int]]] = {
    "verify": _cmd_verify,
    "repair": _cmd_repair,
    "reindex": _cmd_reindex,
    "stats": _cmd_stats,
}
