"""`capture`, `recapture` and `evidence`: save live articles into the store with their evidence.

The work is `newsarchive.capture` (fetch, extract, store_result, recapture);
this module reads the options, reports one line (or one `--json` object) per
URL, and exits 1 if any URL failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    Handler,
    UsageError,
    add_store_option,
    command_name,
    open_store,
    store_dir,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable

    from newsarchive.capture import CaptureOptions, Stored

__all__ = ["add_commands"]


def _fetch_options(parser: argparse.ArgumentParser) -> None:
    from newsarchive._capturedefaults import (  # noqa: PLC0415 - small, no extra needed
        DEFAULT_DELAY,
        DEFAULT_MAX_BYTES,
        DEFAULT_TIMEOUT,
    )

    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"the most one whole exchange may take (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        metavar="N",
        help=f"refuse a body larger than N bytes (default: {DEFAULT_MAX_BYTES}, 10 MiB)",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="PEM file of CA certificates trusted besides the system's",
    )
    parser.add_argument(
        "--user-agent", metavar="TEXT", help="the User-Agent sent (default: newsarchive/VERSION)"
    )
    parser.add_argument(
        "--ignore-robots",
        action="store_true",
        help="fetch where robots.txt disallows it (the record says so)",
    )
    parser.add_argument(
        "--delay",
        type=float,
        metavar="SECONDS",
        help=f"between two requests to one host (default: {DEFAULT_DELAY:g}; 0 allowed)",
    )
    parser.add_argument("--jobs", type=int, metavar="N", help="hosts fetched at once (default: 4)")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per URL on standard output"
    )
    add_store_option(parser)


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add `capture`, `recapture` and `evidence`; return their handlers."""
    cap: argparse.ArgumentParser = sub.add_parser(
        "capture",
        help="save live articles into the store, with the HTTP exchange as evidence",
        description="Fetch each URL politely (robots.txt, one request at a time per host), "
        "keep the request and response exactly as received as WARC evidence, extract the "
        "article and store it as a new record; the same content as the URL's latest capture "
        "adds an event to it instead, and a failure for a URL already stored adds a failure "
        "event. Prints `stored|unchanged|FAILED ...` per URL; exit 1 if any URL failed. "
        "Needs the capture extra.",
    )
    cap.add_argument("urls", nargs="*", metavar="URL", help="the pages to capture")
    cap.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="read URLs from FILE, one a line (- for standard input; # starts a comment)",
    )
    cap.add_argument("--tag", action="append", default=[], help="a tag for the new records")
    cap.add_argument(
        "--note", action="append", default=[], help="a note for the new records' retrieval"
    )
    _fetch_options(cap)

    rec: argparse.ArgumentParser = sub.add_parser(
        "recapture",
        help="capture the store's URLs again, recording changes and disappearances",
        description="Fetch the stored URLs again: changed content is a new record, the same "
        "content an event on the latest capture, a failure (a 404 or 410: the article "
        "vanished) a failure event. --due (the default) takes the URLs the age schedule says "
        "are due: every hour on the first day, daily for a week, weekly for a month, every 30 "
        "days for a year, then never (docs/capture.md). Same output and exit codes as capture.",
    )
    which = rec.add_mutually_exclusive_group()
    which.add_argument(
        "--due", action="store_true", help="only the URLs due by the schedule (default)"
    )
    which.add_argument("--all", action="store_true", help="every URL in the store")
    rec.add_argument(
        "--schedule",
        metavar="AGE:EVERY,...",
        help="the schedule for --due (default: 1d:1h,7d:1d,30d:1w,365d:30d)",
    )
    _fetch_options(rec)

    evi: argparse.ArgumentParser = sub.add_parser(
        "evidence",
        help="write a captured record's evidence (its HTTP exchanges) as a WARC file",
        description="Write the WARC request and response records kept as evidence of record "
        "ID (its capture, then later re-captures that found it unchanged or failed) as one "
        "WARC 1.1 file, byte for byte as stored: gzip-compressed record by record when FILE "
        "ends in .gz. Exit 1 if the record has no evidence.",
    )
    evi.add_argument("id", metavar="ID", help="the record (or an unambiguous id prefix)")
    evi.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="the WARC file to write (atomic)"
    )
    add_store_option(evi)
    return {"capture": _cmd_capture, "recapture": _cmd_recapture, "evidence": _cmd_evidence}


def _options(args: argparse.Namespace) -> CaptureOptions:
    """The capture options given (`UsageError` when one is unusable)."""
    from newsarchive.capture import CaptureError, CaptureOptions  # noqa: PLC0415

    given = {
        "timeout": args.timeout,
        "max_bytes": args.max_bytes,
        "ca_bundle": args.ca_bundle,
        "user_agent": args.user_agent,
        "delay": args.delay,
    }
    try:
        options = CaptureOptions(
            ignore_robots=args.ignore_robots, **{k: v for k, v in given.items() if v is not None}
        )
    except CaptureError as exc:
        name = str(exc.message).split(" ", 1)[0].replace("_", "-")
        raise UsageError(f"newsarchive {command_name(args)}: --{name}: {exc.message}") from None
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"newsarchive {command_name(args)}: --jobs: must be at least 1")
    return options


def _capturer(args: argparse.Namespace) -> Any:
    from newsarchive.capture import CaptureError, Capturer  # noqa: PLC0415

    options = _options(args)
    try:
        return Capturer(options)
    except CaptureError as exc:  # an unreadable --ca-bundle
        raise UsageError(f"newsarchive {command_name(args)}: --ca-bundle: {exc.message}") from None


def _urls(args: argparse.Namespace, ctx: Context) -> list[str]:
    urls = list(args.urls)
    if args.from_file is not None:
        try:
            data = ctx.read(args.from_file)
        except OSError as exc:
            raise UsageError(
                f"newsarchive capture: --from: {args.from_file}: {exc.strerror or exc}"
            ) from None
        text = data.decode("utf-8", errors="replace")
        for line in text.splitlines():
            line = line.strip()  # noqa: PLW2901 - the line, trimmed
            if line and not line.startswith("#"):
                urls.append(line)
    if not urls:
        raise UsageError("newsarchive capture: no URL given (URL... or --from FILE)")
    return list(dict.fromkeys(urls))  # each URL once, in the order given


def _report(done: Iterable[Stored], args: argparse.Namespace, ctx: Context) -> int:
    import json  # noqa: PLC0415

    failed = 0
    counts = {"stored": 0, "unchanged": 0, "failed": 0}
    for item in done:
        counts[item.outcome] += 1
        if args.json:
            ctx.out(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
        elif item.outcome == "failed":
            on = f" (failure event on {item.id})" if item.id else ""
            ctx.out(f"FAILED {item.url}: {item.reason}: {item.message}{on}\n")
        else:
            ctx.out(f"{item.outcome} {item.id} {item.url}\n")
        failed += item.outcome == "failed"
    name = command_name(args)
    ctx.err(
        f"newsarchive {name}: {counts['stored']} stored, {counts['unchanged']} unchanged, "
        f"{counts['failed']} failed"
    )
    return EXIT_FAILED if failed else EXIT_OK


def _refuse_if_none_is_valid(urls: list[str]) -> None:
    """A usage error when no URL could be captured; with one that could, the others
    are reported as failed captures (reason "bad-url"), as before."""
    from newsarchive.capture._fetch import url_problem  # noqa: PLC0415

    problems = [url_problem(url) for url in urls]
    if all(problems):
        others = f" (and {len(urls) - 1} more malformed URL(s))" if len(urls) > 1 else ""
        raise UsageError(f"newsarchive capture: malformed URL: {problems[0]}{others}")


def _store(args: argparse.Namespace) -> Any:
    from pathlib import Path  # noqa: PLC0415

    from newsarchive.store import Store  # noqa: PLC0415

    if not Path(store_dir(args)).exists():
        return Store.init(store_dir(args))  # as import does: a new store for a first capture
    return open_store(args)


def _cmd_capture(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.capture._store import check_labels  # noqa: PLC0415
    from newsarchive.errors import InvalidRecord  # noqa: PLC0415

    capturer = _capturer(args)
    try:
        check_labels(args.tag, args.note)
    except InvalidRecord as exc:
        problem = exc.problems[0]
        what = "--tag" if problem.pointer.startswith("/tags") else "--note"
        raise UsageError(f"newsarchive capture: {what}: {problem.message}") from None
    urls = _urls(args, ctx)
    _refuse_if_none_is_valid(urls)  # before `_store` makes a store for nothing
    with _store(args) as store:
        done = store.capture_many(
            urls, capturer=capturer, jobs=args.jobs or 4, tags=args.tag, notes=args.note
        )
        return _report(done, args, ctx)


def _cmd_recapture(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.capture import (  # noqa: PLC0415
        DEFAULT_SCHEDULE,
        CaptureError,
        parse_schedule,
        recapture,
    )
    from newsarchive.timestamps import utc_now  # noqa: PLC0415

    schedule = DEFAULT_SCHEDULE
    if args.schedule is not None:
        try:
            schedule = parse_schedule(args.schedule)
        except CaptureError as exc:
            raise UsageError(f"newsarchive recapture: --schedule: {exc.message}") from None
    capturer = _capturer(args)
    with open_store(args) as store:
        done = recapture(
            store,
            now=utc_now(),
            due_only=not args.all,
            schedule=schedule,
            capturer=capturer,
            jobs=args.jobs or 4,
        )
        return _report(done, args, ctx)


def _cmd_evidence(args: argparse.Namespace, ctx: Context) -> int:
    import gzip  # noqa: PLC0415

    from newsarchive._atomicfile import write_atomic  # noqa: PLC0415
    from newsarchive.store._evidence import split_warc  # noqa: PLC0415
    from newsarchive.store._ids import resolve_id  # noqa: PLC0415

    with open_store(args) as store:
        record_id = resolve_id(store, args.id)
        warc = store.evidence_warc(record_id)
    if not warc:
        ctx.err(f"newsarchive evidence: record {record_id} has no evidence (it was not captured)")
        return EXIT_FAILED
    records = split_warc(warc)
    if str(args.output).endswith(".gz"):
        warc = b"".join(gzip.compress(r, compresslevel=6, mtime=0) for r in records)
    write_atomic(args.output, warc)
    ctx.err(f"newsarchive evidence: {len(records)} WARC records of {record_id} to {args.output}")
    return EXIT_OK
