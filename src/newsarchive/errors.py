"""The exceptions newsarchive raises: one family rooted in `NewsArchiveError`.

Every exception carries structured data as well as a message: a stable machine
`code`, and where they apply a JSON Pointer (`pointer`), a file `path`, and a
1-based `line`/`column`. Callers branch on the class or on `code`; people read
`str(exc)`. Subclasses also derive from the matching builtin (`ValueError`) so
that generic handlers keep working.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final, Literal

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "ArticleTextError",
    "BagError",
    "BagProblem",
    "DigestError",
    "InvalidBag",
    "InvalidRecord",
    "InvalidTimestamp",
    "InvalidURL",
    "JSONError",
    "JSONLDError",
    "MissingExtra",
    "NewsArchiveError",
    "Problem",
    "ProofError",
    "RecordNotFound",
    "SearchError",
    "Severity",
    "StoreCorrupted",
    "StoreError",
    "WarcError",
    "printable",
]

Severity = Literal["error", "warning"]


class NewsArchiveError(Exception):
    """Root of every error newsarchive raises on purpose."""

    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        pointer: str | None = None,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.pointer = pointer
        self.path = path
        self.line = line
        self.column = column

    def with_path(self, path: str) -> NewsArchiveError:
        """Return self after recording which file the error came from."""
        self.path = path
        return self

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where += f":{self.line}" if where else f"line {self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.pointer:
            where += f" {self.pointer}" if where else self.pointer
        return f"{where}: {self.message}" if where else self.message


class JSONError(NewsArchiveError, ValueError):
    """JSON text that is not strict I-JSON (RFC 7493): syntax, duplicate keys, NaN, ...."""

    code = "bad-json"


class ArticleTextError(NewsArchiveError, ValueError):
    """A file that cannot be read as the article-text format (body + LINK:/TAGS: trailer)."""

    code = "bad-article-text"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        source_line: str | None = None,
    ) -> None:
        super().__init__(message, code=code, path=path, line=line, column=column)
        self.source_line = source_line

    def __str__(self) -> str:
        text = super().__str__()
        if self.source_line is None or self.column is None:
            return text
        # A caret under the offending column, as packaging's ParserSyntaxError does.
        return f"{text}\n    {self.source_line}\n    {' ' * (self.column - 1)}^"


class InvalidURL(NewsArchiveError, ValueError):
    """A URL that is not an absolute http(s) URL newsarchive can archive."""

    code = "bad-url"


class InvalidTimestamp(NewsArchiveError, ValueError):
    """A timestamp that is not one exact instant (codes: bad-timestamp, naive-timestamp, ...)."""

    code = "bad-timestamp"


class StoreError(NewsArchiveError):
    """A store that cannot be used as asked: not a store, a symlink inside it, bad options."""

    code = "store-error"


class StoreCorrupted(StoreError):
    """Stored bytes that fail their check; `store verify` and `store repair` deal with it."""

    code = "store-corrupted"


class RecordNotFound(StoreError, LookupError):
    """No record with that id in the store."""

    code = "not-found"


class DigestError(NewsArchiveError, ValueError):
    """A digest string or algorithm that is malformed, unknown or too weak for integrity."""

    code = "bad-digest"


@attrs.frozen
class Problem:
    """One finding of validation: where (JSON Pointer), what (stable code), and why."""

    pointer: str
    code: str
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, str]:
        return {
            "pointer": self.pointer,
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
        }


def error_summary(problems: Iterable[Problem]) -> str | None:
    """One line for the errors among `problems` (the first, and how many more), else None."""
    errors = [p for p in problems if p.severity == "error"]
    return _summary(errors) if errors else None


def _summary(problems: list[Problem] | tuple[Problem, ...]) -> str:
    first, more = problems[0], len(problems) - 1
    summary = f"{first.pointer or '/'} {first.code}: {first.message}"
    if more > 0:
        summary += f" (and {more} more problem{'s' if more > 1 else ''})"
    return summary


class InvalidRecord(NewsArchiveError, ValueError):
    """A record that failed validation; `problems` holds every problem found, not just the first."""

    code = "invalid-record"

    def __init__(
        self, problems: tuple[Problem, ...] | list[Problem], *, path: str | None = None
    ) -> None:
        problems = tuple(problems)
        summary = error_summary(problems) or (_summary(problems) if problems else "invalid record")
        super().__init__(summary, path=path)
        self.problems = problems


class JSONLDError(NewsArchiveError, ValueError):
    """JSON-LD that cannot be processed offline (codes: context-not-bundled,
    expansion-failed); expansion never fetches a context from the network."""

    code = "jsonld-error"


# -- BagIt (RFC 8493) ---------------------------------------------------------------


class BagError(NewsArchiveError):
    """A bag that cannot be written or read as asked (a target that exists, a missing extra)."""

    code = "bag-error"


@attrs.frozen
class BagProblem:
    """One finding of bag validation: which file of the bag (relative, `/`), what, and why."""

    path: str
    code: str
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        return printable(f"{self.path or '.'}: {self.code}: {self.message}")


_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with C0/C1 controls and DEL as `\\xNN`: a file name cannot forge a line of
    output or send a terminal escape when printed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class InvalidBag(BagError, ValueError):
    """A bag that fails validation as a whole; `problems` holds every problem found."""

    code = "invalid-bag"

    def __init__(self, problems: tuple[BagProblem, ...] | list[BagProblem], *, path: str) -> None:
        problems = tuple(problems)
        errors = [p for p in problems if p.severity == "error"]
        first = errors[0] if errors else None
        summary = "invalid bag" if first is None else f"invalid bag: {first}"
        if len(errors) > 1:
            more = len(errors) - 1
            summary += f" (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(summary, path=path)
        self.problems = problems


class WarcError(NewsArchiveError, ValueError):
    """A WARC file or record that cannot be read or written as asked.

    File-level problems (truncated, corrupt gzip, not WARC) refuse the whole
    file; `record_id` and `target_uri` name the WARC record when one is at fault.
    """

    code = "bad-warc"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        path: str | None = None,
        record_id: str | None = None,
        target_uri: str | None = None,
    ) -> None:
        super().__init__(message, code=code, path=path)
        self.record_id = record_id
        self.target_uri = target_uri


class ProofError(NewsArchiveError, ValueError):
    """Proof material that cannot be read: a malformed key, note, checkpoint, token or bundle.

    A proof that is well-formed but does not check out is not an error: the
    verifiers return a verdict saying which rung failed.
    """

    code = "bad-proof"


class SearchError(NewsArchiveError, ValueError):
    """A full-text query that cannot be read (empty, or a quote left open)."""

    code = "bad-query"


class MissingExtra(NewsArchiveError, ImportError):
    """A feature needs an optional extra that is not installed; the message names the pip command.

    `extra` is the extra's name: `warc` (warcio), `bagit` (bagit), `jsonld` (PyLD),
    `proofs` (cryptography, rfc3161-client).
    """

    code = "missing-extra"

    def __init__(self, feature: str, extra: str, package: str) -> None:
        super().__init__(f"{feature} needs {package}: pip install 'newsarchive[{extra}]'")
        self.extra = extra
