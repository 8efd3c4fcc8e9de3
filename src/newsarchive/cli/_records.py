"""Commands on single records and files: record, validate, verify, hash, text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Context,
    Handler,
    UsageError,
    error_line,
    zone,
)
from newsarchive.cli._provenance import add_provenance_options

if TYPE_CHECKING:
    import argparse

    from newsarchive.errors import JSONError, Problem
    from newsarchive.record import ArchivedArticle
    from newsarchive.verify import LineDifference

__all__ = ["add_commands"]


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add this group's commands to the `newsarchive` sub-parsers; return their handlers."""
    rec = sub.add_parser(
        "record",
        help="turn an article-text file into a JSON record",
        description="Read an article-text file (body, then LINK: and TAGS: lines) and print its "
        "JSON record with digests, id and an import provenance event.",
    )
    rec.add_argument("file", metavar="FILE", help="article-text file, or - for standard input")
    rec.add_argument(
        "--url",
        help="the article's URL (overrides the LINK: line; required when the file has none)",
    )
    rec.add_argument(
        "--original-url",
        metavar="URL",
        help="the article's own URL when the source is an archive.today or Perma.cc "
        "snapshot (Wayback Machine links contain it)",
    )
    rec.add_argument("--title", help="the article's title")
    rec.add_argument(
        "--retrieved-at",
        metavar="TIME",
        help="when the copy was retrieved "
        "(default: now, UTC); any form with a date, a time and a zone",
    )
    rec.add_argument("--published-at", metavar="TIME", help="when the article was published")
    rec.add_argument(
        "--timezone",
        metavar="ZONE",
        help="IANA zone for times given without one "
        "(e.g. Europe/Berlin); without it such times are an error",
    )
    add_provenance_options(rec, copy="the copy")
    rec.add_argument(
        "--algorithm",
        default="sha256",
        help="digest algorithm: sha256 (default), sha512, sha3-256, blake2b",
    )
    rec.add_argument(
        "--canonical",
        action="store_true",
        help="print RFC 8785 canonical JSON instead of pretty JSON",
    )
    rec.add_argument(
        "-o", "--output", metavar="OUT", help="write to OUT atomically instead of standard output"
    )

    val = sub.add_parser(
        "validate",
        help="check JSON, JSON array or JSON Lines records",
        description="Check records against the schema and the semantic rules (digests, id, "
        "canonical URL, timestamps, tags). Prints 'FILE[:LINE] POINTER CODE message' per problem.",
    )
    val.add_argument("files", nargs="+", metavar="FILE", help="record file, or - for stdin")
    val.add_argument("--json", action="store_true", help="print one JSON report for scripts")

    ver = sub.add_parser(
        "verify",
        help="check a record, and a copy against it",
        description="Check that RECORD is self-consistent and, given COPY (raw content or an "
        "article-text file), that COPY is byte for byte what the record captured. A copy that "
        "matches only after normalization (line endings, BOM, Unicode, trailing whitespace) "
        "is reported as such and fails.",
    )
    ver.add_argument("record", metavar="RECORD", help="JSON record file")
    ver.add_argument("copy", nargs="?", metavar="COPY", help="the copy to compare")
    ver.add_argument("--json", action="store_true", help="print the verdict as JSON")

    hsh = sub.add_parser(
        "hash",
        help="print the digest of files",
        description="Print 'ALGORITHM:HEX  FILE' per file, streaming.",
    )
    hsh.add_argument("files", nargs="+", metavar="FILE", help="file, or - for standard input")
    hsh.add_argument(
        "--algorithm", "-a", default="sha256", help="sha256 (default), sha512, sha3-256, blake2b"
    )

    txt = sub.add_parser(
        "text",
        help="write a record back in the article-text format",
        description="Print the record's content with its LINK: and TAGS: lines.",
    )
    txt.add_argument("record", metavar="RECORD", help="JSON record file, or - for stdin")
    txt.add_argument("-o", "--output", metavar="OUT", help="write to OUT atomically")
    return {
        "record": _cmd_record,
        "validate": _cmd_validate,
        "verify": _cmd_verify,
        "hash": _cmd_hash,
        "text": _cmd_text,
    }


# -- commands ---------------------------------------------------------------------------


def _cmd_record(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.cli._provenance import check_provenance  # noqa: PLC0415
    from newsarchive.record import DEFAULT_AGENT, ArchivedArticle  # noqa: PLC0415
    from newsarchive.serialize import to_canonical_json, to_json  # noqa: PLC0415

    agent = DEFAULT_AGENT if args.agent is None else args.agent
    default_tz = zone(args)
    check_provenance(  # the options, by name, before the file is read
        "record",
        method=args.method,
        agent=agent,
        notes=args.note,
        tags=args.tag,
        retrieved_at=args.retrieved_at,
        published_at=args.published_at,
        title=args.title,
        default_tz=default_tz,
    )
    data = ctx.read(args.file)
    record = ArchivedArticle.from_article_text(
        data,
        url=args.url,
        retrieved_at=args.retrieved_at,
        title=args.title,
        tags=args.tag,
        published_at=args.published_at,
        method=args.method,
        agent=agent,
        notes=args.note,
        source_name=None if args.file == "-" else args.file,
        algorithm=args.algorithm,
        default_tz=default_tz,
        original_url=args.original_url,
    )
    ctx.emit(to_canonical_json(record) if args.canonical else to_json(record), args.output)
    _warn(ctx, record)
    return EXIT_OK


def _warn(ctx: Context, record: ArchivedArticle) -> None:
    """What `validate` would warn about the new record (published after retrieved, ...)."""
    from newsarchive.validation import validate  # noqa: PLC0415

    for p in validate(record):
        if p.severity == "warning":
            ctx.err(f"newsarchive: warning: {p.pointer or '/'} {p.code}: {p.message}")


def _cmd_validate(args: argparse.Namespace, ctx: Context) -> int:
    import json  # noqa: PLC0415 - only these commands need it

    from newsarchive.jsonl import iter_values, records_of  # noqa: PLC0415
    from newsarchive.validation import validate  # noqa: PLC0415

    report: list[dict[str, Any]] = []
    worst = EXIT_OK
    total = 0
    for path in args.files:
        entry: dict[str, Any] = {"path": path, "records": 0, "problems": []}
        report.append(entry)
        try:
            stream = ctx.open(path)
        except OSError as exc:
            _input_error(ctx, args, entry, None, "unreadable", exc.strerror or str(exc))
            worst = EXIT_USAGE
            continue
        try:
            for line, value, error in iter_values(stream):
                if error is not None:
                    _input_error(ctx, args, entry, line, error.code, error.message, error)
                    worst = EXIT_USAGE
                    continue
                for prefix, item in records_of(value):
                    entry["records"] += 1
                    for problem in validate(item):
                        _problem(
                            ctx, args, entry, line, prefix, problem.code, problem.message, problem
                        )
                        if problem.severity == "error":
                            worst = max(worst, EXIT_FAILED)
        except OSError as exc:
            _input_error(ctx, args, entry, None, "unreadable", exc.strerror or str(exc))
            worst = EXIT_USAGE
        finally:
            if stream is not ctx.stdin:
                stream.close()
        if entry["records"] == 0 and not entry["problems"]:
            # `[]` is well-formed but holds nothing: checking nothing is not a pass.
            _problem(ctx, args, entry, None, "", "no-records", "no records found")
            worst = max(worst, EXIT_FAILED)
        total += entry["records"]
    if args.json:
        ctx.out(
            json.dumps(
                {"valid": worst == EXIT_OK, "records": total, "files": report},
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    else:
        bad = sum(1 for e in report for p in e["problems"] if p["severity"] == "error")
        ctx.err(
            f"newsarchive validate: {total} record{'s' if total != 1 else ''} checked, "
            f"{bad} problem{'s' if bad != 1 else ''}"
        )
    return worst


def _input_error(
    ctx: Context,
    args: argparse.Namespace,
    entry: dict[str, Any],
    line: int | None,
    code: str,
    message: str,
    error: JSONError | None = None,
) -> None:
    """Input that could not be read as JSON: in the report, and as an error line on stderr."""
    if error is not None and error.line is not None:
        line = error.line if line is None else line
    column = None if error is None else error.column
    entry["problems"].append(
        {
            "line": line,
            "column": column,
            "pointer": "",
            "code": code,
            "message": message,
            "severity": "error",
        }
    )
    if not args.json:
        from newsarchive.jsonl import where  # noqa: PLC0415

        ctx.err(error_line(f"{where(entry['path'], line, error)}: {message}"))


def _problem(
    ctx: Context,
    args: argparse.Namespace,
    entry: dict[str, Any],
    line: int | None,
    prefix: str,
    code: str,
    message: str,
    problem: Problem | None = None,
) -> None:
    pointer = prefix + (problem.pointer if problem else "")
    severity = problem.severity if problem else "error"
    entry["problems"].append(
        {"line": line, "pointer": pointer, "code": code, "message": message, "severity": severity}
    )
    if not args.json:
        where = entry["path"] + (f":{line}" if line is not None else "")
        tag = " (warning)" if severity == "warning" else ""
        ctx.out(f"{where} {pointer or '/'} {code}{tag} {message}\n")


def _load_record_dict(ctx: Context, path: str) -> Any:
    from newsarchive._json import loads  # noqa: PLC0415
    from newsarchive.errors import JSONError  # noqa: PLC0415

    try:
        value = loads(ctx.read(path))
    except JSONError as exc:
        raise exc.with_path(path) from None
    if not isinstance(value, dict):
        raise UsageError(f"{path}: expected one JSON record object (got {type(value).__name__})")
    return value


def _cmd_verify(args: argparse.Namespace, ctx: Context) -> int:
    import json  # noqa: PLC0415 - only these commands need it

    from newsarchive.record import ArchivedArticle  # noqa: PLC0415
    from newsarchive.validation import validate  # noqa: PLC0415
    from newsarchive.verify import verify_copy  # noqa: PLC0415

    data = _load_record_dict(ctx, args.record)
    problems = [p for p in validate(data) if p.severity == "error"]
    result: dict[str, Any] = {
        "record": args.record,
        "record_ok": not problems,
        "problems": [p.to_dict() for p in problems],
    }
    copy_data = ctx.read(args.copy) if args.copy is not None else None
    if not problems and copy_data is not None:
        verdict = verify_copy(ArchivedArticle.from_dict(data), copy_data)
        diff = verdict.first_difference
        result["copy"] = {
            "path": args.copy,
            "status": verdict.status,
            "form": verdict.form,
            "normalizations": list(verdict.normalizations),
            "detail": verdict.detail,
            "first_difference": None
            if diff is None
            else {
                "line": diff.line,
                "column": diff.column,
                "expected": diff.expected,
                "actual": diff.actual,
            },
        }
    ok = not problems and ("copy" not in result or result["copy"]["status"] == "exact")
    if args.json:
        ctx.out(json.dumps({"ok": ok, **result}, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK if ok else EXIT_FAILED
    for p in problems:
        ctx.out(f"{args.record} {p.pointer or '/'} {p.code} {p.message}\n")
    if problems:
        ctx.out(f"{args.record}: FAILED: the record is not self-consistent\n")
        return EXIT_FAILED
    ctx.out(f"{args.record}: OK: record is self-consistent\n")
    if "copy" in result:
        copy = result["copy"]
        if copy["status"] == "exact":
            ctx.out(f"{args.copy}: OK: exact match ({copy['detail']})\n")
        else:
            word = "NORMALIZED" if copy["status"] == "normalized" else "MISMATCH"
            where = "" if diff is None else _difference(diff)
            ctx.out(f"{args.copy}: FAILED: {word}: {copy['detail']}{where}\n")
    return EXIT_OK if ok else EXIT_FAILED


def _difference(diff: LineDifference) -> str:
    """Where the texts part, each side shown around that place with invisibles escaped."""
    expected, actual = diff.excerpts()
    return (
        f"; first difference at line {diff.line}, column {diff.column}: "
        f"expected {expected}, got {actual}"
    )


def _cmd_hash(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.digest import Digest, hasher  # noqa: PLC0415

    hasher(args.algorithm)  # refuse an unknown or weak algorithm before reading anything
    status = EXIT_OK
    for path in args.files:
        try:
            stream = ctx.open(path)
            try:
                digest = Digest.of_stream(stream, args.algorithm)  # type: ignore[arg-type]
            finally:
                if stream is not ctx.stdin:
                    stream.close()
        except OSError as exc:
            ctx.err(f"newsarchive: error: {path}: {exc.strerror or exc}")
            status = EXIT_USAGE
            continue
        ctx.out(f"{digest}  {path}\n")
    return status


def _cmd_text(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.errors import InvalidRecord  # noqa: PLC0415
    from newsarchive.record import ArchivedArticle  # noqa: PLC0415

    try:
        record = ArchivedArticle.from_dict(_load_record_dict(ctx, args.record))
    except InvalidRecord as exc:
        raise exc.with_path(args.record) from None
    ctx.emit(record.to_article_text(), args.output)
    return EXIT_OK
