"""The `newsarchive` command line: `main()` only calls `run()`, which tests call in-process.

Each command group is a module with `add_commands(sub) -> {name: handler}`;
this module builds the parser from them, dispatches, and turns our errors
into one line on stderr and an exit code: 0 ok; 1 a check failed (invalid
record, copy differs, stored data failing its check); 2 usage error or
unreadable/malformed input. The command line is a thin layer: the work is
done by the library.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, BinaryIO, Final, NoReturn, TextIO

from newsarchive._version import __version__
from newsarchive.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    STORE_HELP,
    Context,
    Handler,
    Parser,
    UsageError,
    error_line,
    subcommands,
)
from newsarchive.cli._listing import COMMANDS

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main", "run"]


def _top_parser(out: BinaryIO) -> Parser:
    """The parser of `newsarchive` itself, before its commands are added."""
    parser = Parser(
        out=out,
        prog="newsarchive",
        description="Archive news articles with provenance: capture live pages with their "
        "evidence or import copies, build, validate, verify and convert archived-article "
        "records (formats v1 and v2), and keep them in a durable, indexed, auditable store "
        "that tracks each article's history, finds copies across outlets and signs a "
        "transparency log (init, import, capture, find, history, similar, store verify).",
        epilog="Exit codes: 0 ok, 1 a check failed, 2 usage error or unreadable/malformed input.",
    )
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    # Before the command, for every command that works on a store (`newsarchive
    # --store DIR find`); a --store after the command wins.
    parser.add_argument("--store", dest="global_store", metavar="DIR", help=STORE_HELP)
    return parser


def _build_parser(out: BinaryIO) -> tuple[Parser, dict[str, Handler]]:
    # The command groups are imported here, not at the top: `--version` and
    # `--help` do not need them (compiling them is most of the start-up).
    from newsarchive.cli import (  # noqa: PLC0415
        _annotate,
        _bag,
        _capture,
        _diff,
        _export,
        _find,
        _history,
        _maintain,
        _proofs,
        _records,
        _similar,
        _store,
        _storeproofs,
    )

    parser = _top_parser(out)
    sub = subcommands(parser, "command", "COMMAND")
    handlers: dict[str, Handler] = {}
    # In the order `--help` lists their commands (cli/_listing.py).
    for group in (
        _records,
        _diff,
        _history,
        _store,
        _capture,
        _find,
        _similar,
        _annotate,
        _export,
        _maintain,
        _bag,
        _proofs,
        _storeproofs,
    ):
        handlers.update(group.add_commands(sub))
    return parser, handlers


class _Unbuilt(Parser):
    """Stands for a command's parser where only its name and help are needed: never used."""

    def __init__(self, **_kwargs: object) -> None:
        """Builds nothing: building every command's parser is what `--help` avoids."""


def _print_listing(out: BinaryIO) -> None:
    """`newsarchive --help`: the full parser's help, from the listing, without the groups."""
    parser = _top_parser(out)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Unbuilt)
    for name, line in COMMANDS:
        sub.add_parser(name, help=line)
    parser.print_help()


def run(
    argv: Sequence[str],
    *,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one command; return its exit code. Never raises for bad input."""
    ctx = Context(
        stdin if stdin is not None else sys.stdin.buffer,
        stdout if stdout is not None else sys.stdout.buffer,
        stderr if stderr is not None else sys.stderr,
    )
    # Answered before the parser of every command is built.
    if list(argv) == ["--version"]:
        ctx.out(f"newsarchive {__version__}\n")
        return EXIT_OK
    if list(argv) in (["--help"], ["-h"]):
        _print_listing(ctx.stdout)
        return EXIT_OK
    parser, handlers = _build_parser(ctx.stdout)
    try:
        args = parser.parse_args(list(argv))
        if args.command is None:
            ctx.err("newsarchive: error: a command is required (see --help)")
            return EXIT_USAGE
        _check_global_options(args)
        return handlers[args.command](args, ctx)
    except UsageError as exc:
        ctx.err(error_line(str(exc)))
    except BrokenPipeError:
        raise  # the reader went away: main() handles it quietly
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        ctx.err(f"newsarchive: error: {name}{exc.strerror or exc}")
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except Exception as exc:  # noqa: BLE001 - _report re-raises what is not ours
        return _report(ctx, exc)
    return EXIT_USAGE


def _check_global_options(args: argparse.Namespace) -> None:
    """Options before the command must make sense for it."""
    if args.global_store is not None and not hasattr(args, "store") and args.command != "store":
        raise UsageError(f"{args.command}: --store applies only to commands that use a store")


def _report(ctx: Context, exc: Exception) -> int:
    """One line for one of our errors; anything else is a bug and propagates."""
    # Imported here, not at the top: the error classes need attrs, which
    # `--version` and `--help` should not pay for.
    import sqlite3  # noqa: PLC0415

    from newsarchive.errors import (  # noqa: PLC0415
        ArticleTextError,
        InvalidRecord,
        NewsArchiveError,
        RecordNotFound,
        StoreCorrupted,
    )

    if isinstance(exc, (RecordNotFound, StoreCorrupted)):
        # An unknown id, or stored bytes that fail their check: a failed check.
        ctx.err(f"newsarchive: error: {str(exc).splitlines()[0]}")
        return EXIT_FAILED
    if isinstance(exc, InvalidRecord):
        # Well-formed input that breaks a rule: a failed check, from every command.
        ctx.err(f"newsarchive: error: invalid record: {exc}")
        return EXIT_FAILED
    if isinstance(exc, sqlite3.Error):
        ctx.err(
            f"newsarchive: error: the store's index: {exc} "
            "(`newsarchive store reindex` rebuilds it from the data)"
        )
    elif isinstance(exc, ArticleTextError):
        # Where the file went wrong: the line, clipped around the place, a caret under it.
        ctx.err(f"newsarchive: error: {str(exc).splitlines()[0]}")
        for line in _caret(exc.source_line, exc.column):
            ctx.err(line)
    elif isinstance(exc, NewsArchiveError):
        ctx.err(f"newsarchive: error: {str(exc).splitlines()[0]}")
    else:
        raise exc
    return EXIT_USAGE


#: Characters of the offending line shown on each side of the caret.
_CARET_CONTEXT: Final = 40


def _caret(source_line: str | None, column: int | None) -> list[str]:
    """Two lines: the source line around `column` (invisibles escaped), a caret under it."""
    if source_line is None or column is None:
        return []
    from newsarchive.verify import visible  # noqa: PLC0415

    at = column - 1
    start = max(0, at - _CARET_CONTEXT)

    def shown(text: str) -> str:  # invisibles escaped; backslashes as they are in the file
        return visible(text).replace("\\\\", "\\")

    before = ("…" if start else "") + shown(source_line[start:at])
    rest = source_line[at : at + _CARET_CONTEXT]
    after = shown(rest) + ("…" if at + _CARET_CONTEXT < len(source_line) else "")
    return [f"    {before}{after}", f"    {' ' * len(before)}^"]


def main() -> NoReturn:
    """Console entry point."""
    try:
        code = run(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours. Point stdout at
        # devnull so the interpreter's final flush does not raise again.
        import os  # noqa: PLC0415

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:
        # A bug of ours (`run` lets what is not our error propagate, so tests see
        # it): the user still gets one line, never a traceback, unless asking for it.
        import os  # noqa: PLC0415

        if os.environ.get("NEWSARCHIVE_DEBUG"):
            raise
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        sys.stderr.write(
            f"newsarchive: error: internal error ({type(exc).__name__}"
            f"{': ' + detail if detail else ''}); please report it "
            "(NEWSARCHIVE_DEBUG=1 shows where)\n"
        )
        code = EXIT_USAGE
    sys.exit(code)
