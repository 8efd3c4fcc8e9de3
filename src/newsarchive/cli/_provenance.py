"""Provenance options (`record`, `import`) checked once, before anything is read or created.

The options are checked by the library's own rules: a stand-in record is
built from them, so an option is refused here exactly when every record made
with it would be. Each problem is reported under the option's name, in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from newsarchive._version import __version__
from newsarchive.cli._common import METHODS_HELP, UsageError

if TYPE_CHECKING:
    import argparse
    from datetime import tzinfo

    from newsarchive.errors import Problem
    from newsarchive.timestamps import Timestamp

__all__ = ["add_provenance_options", "check_provenance"]


def add_provenance_options(p: argparse.ArgumentParser, *, copy: str) -> None:
    """--method, --agent, --note, --tag: how `copy` ("the copy", "the copies") came."""
    p.add_argument(
        "--method",
        default="file-import",
        help=f"retrieval method: {METHODS_HELP} (default: file-import)",
    )
    p.add_argument(
        "--agent",
        help=f"program or person that retrieved {copy} (default: newsarchive/{__version__})",
    )
    p.add_argument(
        "--note", action="append", default=[], metavar="TEXT", help="a retrieval note (repeatable)"
    )
    p.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="add a tag (repeatable); added after the file's TAGS:",
    )


#: Record fields, by JSON Pointer prefix, and the option that sets each.
_OPTIONS: Final = (
    ("/retrieval/method", "--method"),
    ("/retrieval/agent", "--agent"),
    ("/retrieval/notes", "--note"),
    ("/tags", "--tag"),
    ("/retrieved_at", "--retrieved-at"),
    ("/published_at", "--published-at"),
    ("/title", "--title"),
)


def _option(problem: Problem) -> str:
    for prefix, option in _OPTIONS:
        if problem.pointer == prefix or problem.pointer.startswith(prefix + "/"):
            return option
    return problem.pointer or "/"


def _time(
    command: str, option: str, text: str | None, default_tz: tzinfo | None
) -> Timestamp | None:
    from newsarchive.errors import InvalidTimestamp  # noqa: PLC0415
    from newsarchive.timestamps import parse_timestamp  # noqa: PLC0415

    if text is None:
        return None
    try:
        return parse_timestamp(text, default_tz=default_tz)
    except InvalidTimestamp as exc:
        hint = " with --timezone ZONE" if exc.code == "naive-timestamp" else ""
        raise UsageError(f"newsarchive {command}: {option}: {exc.message}{hint}") from None


def check_provenance(
    command: str,
    *,
    method: str,
    agent: str,
    notes: list[str],
    tags: list[str],
    retrieved_at: str | None = None,
    published_at: str | None = None,
    title: str | None = None,
    default_tz: tzinfo | None = None,
) -> None:
    """Raise `UsageError` naming the first bad option; return when every option is usable."""
    from newsarchive.errors import InvalidRecord  # noqa: PLC0415
    from newsarchive.record import ArchivedArticle, Retrieval  # noqa: PLC0415
    from newsarchive.timestamps import Timestamp, utc_now  # noqa: PLC0415

    retrieved = _time(command, "--retrieved-at", retrieved_at, default_tz)
    published = _time(command, "--published-at", published_at, default_tz)
    try:
        ArchivedArticle.create(
            url="https://example.invalid/",
            content="",
            retrieved_at=retrieved or Timestamp.from_datetime(utc_now()),
            published_at=published,
            title=title,
            tags=tags,
            retrieval=Retrieval(method=method, agent=agent, notes=tuple(notes)),
        )
    except InvalidRecord as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        first = errors[0] if errors else exc.problems[0]
        raise UsageError(f"newsarchive {command}: {_option(first)}: {first.message}") from None
