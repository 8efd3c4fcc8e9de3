"""What every command group shares: exit codes, the parser class, the context, option helpers.

Nothing here imports the library's heavy parts: `--version` and `--help` pay
only for argparse. Command handlers import what they use when they run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Final, NoReturn, TextIO, TypeAlias

if TYPE_CHECKING:
    from datetime import tzinfo

    from newsarchive.store import Store

__all__ = [
    "DEFAULT_STORE",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "METHODS_HELP",
    "STORE_HELP",
    "Context",
    "Handler",
    "Parser",
    "UsageError",
    "add_store_option",
    "command_name",
    "dump",
    "error_line",
    "jobs",
    "open_store",
    "progress",
    "store_dir",
    "subcommands",
    "zone",
]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

METHODS_HELP: Final = (
    "http, browser, wayback, archive-today, perma-cc, api, feed, "
    "file-import, warc-import, bagit-import, manual, or x-<name>"
)

#: Where the store is when neither --store nor NEWSARCHIVE_STORE says.
DEFAULT_STORE: Final = "newsarchive-store"
STORE_HELP: Final = f"the store directory (default: $NEWSARCHIVE_STORE, else ./{DEFAULT_STORE})"


class UsageError(Exception):
    """Bad command-line words; reported as one line, exit 2."""


def error_line(message: str) -> str:
    """Every error in one shape: `newsarchive: error: [COMMAND: ]MESSAGE`.

    Messages may name the program as `newsarchive COMMAND:` (argparse does);
    the name is folded into the one prefix.
    """
    for prefix in ("newsarchive: error: ", "newsarchive: ", "newsarchive "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
            break
    return f"newsarchive: error: {message}"


class Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and prints help to the given stream."""

    def __init__(self, *args: Any, out: BinaryIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.out = out if out is not None else sys.stdout.buffer

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")

    def _print_message(self, message: str, file: object = None) -> None:  # noqa: ARG002
        # argparse writes --help and --version to sys.stdout; ours go where run() was told.
        if message:
            self.out.write(message.encode("utf-8"))


def subcommands(parser: Parser, dest: str, metavar: str) -> Any:
    """Sub-parsers of `parser` that print their help where `parser` does."""
    out = parser.out

    class Bound(Parser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("out", out)
            super().__init__(*args, **kwargs)

    return parser.add_subparsers(dest=dest, metavar=metavar, parser_class=Bound)


class Context:
    """The streams a command talks to: injectable so tests run commands in-process."""

    def __init__(self, stdin: BinaryIO, stdout: BinaryIO, stderr: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr

    def out(self, text: str) -> None:
        self.stdout.write(text.encode("utf-8"))

    def err(self, text: str) -> None:
        self.stderr.write(text + "\n")

    def read(self, path: str) -> bytes:
        if path == "-":
            return self.stdin.read()
        with open(path, "rb") as f:  # noqa: PTH123 - plain open reads clearest here
            return f.read()

    def open(self, path: str) -> IO[bytes]:
        if path == "-":
            return self.stdin
        return open(path, "rb")  # noqa: PTH123 - the caller closes it

    def emit(self, data: bytes, output: str | None) -> None:
        if output is None:
            self.stdout.write(data)
        else:
            from newsarchive._atomicfile import write_atomic  # noqa: PLC0415

            write_atomic(output, data)


#: A command: parsed arguments and the context in, exit code out.
Handler: TypeAlias = Callable[[argparse.Namespace, Context], int]


def command_name(args: argparse.Namespace) -> str:
    """The command as typed: `import`, `store verify`, `bag validate`."""
    action = getattr(args, "store_command", None) or getattr(args, "bag_command", None)
    return f"{args.command} {action}" if action else str(args.command)


def zone(args: argparse.Namespace) -> tzinfo | None:
    """The IANA zone named by --timezone, or None."""
    name = args.timezone
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"newsarchive {command_name(args)}: --timezone: unknown time zone {name!r} "
            "(use an IANA name such as Europe/Berlin)"
        ) from None


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="DIR", help=STORE_HELP)


def store_dir(args: argparse.Namespace) -> str:
    """--store after the command, else before it, else $NEWSARCHIVE_STORE, else the default."""
    chosen = args.store or getattr(args, "global_store", None)
    return str(chosen or os.environ.get("NEWSARCHIVE_STORE") or DEFAULT_STORE)


def open_store(args: argparse.Namespace) -> Store:
    from newsarchive.store import Store  # noqa: PLC0415

    return Store(store_dir(args))


def jobs(args: argparse.Namespace) -> int:
    """--jobs, checked; default: all cores."""
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"newsarchive {command_name(args)}: --jobs: must be at least 1")
    return int(args.jobs or os.cpu_count() or 1)


def progress(ctx: Context, unit: str, total: int | None = None) -> Any:
    """A tqdm bar on a terminal's stderr; None (silent) otherwise."""
    isatty = getattr(ctx.stderr, "isatty", None)
    if not (isatty and isatty()):
        return None
    from tqdm import tqdm  # noqa: PLC0415

    scale = unit == "B"
    return tqdm(total=total, unit=unit, unit_scale=scale, file=ctx.stderr, leave=False)


def dump(value: Any) -> str:
    import json  # noqa: PLC0415 - kept off the start-up path

    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"
