"""Ignore rules: regular expressions for lines whose changes are noise ("Updated 5 minutes ago").

A rules file holds one Python regular expression per line; blank lines and lines
starting with `#` are skipped. Lines are matched without their line break (LF, or
CRLF), so `$` means the end of the line. A content change lying wholly within lines that
a rule matches (`re.search`, in both versions) is kept in the diff, marked
"ignored" with the rule that matched; it is never dropped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs

from newsarchive.errors import NewsArchiveError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

__all__ = ["DiffError", "IgnoreRules", "load_ignore_rules"]


class DiffError(NewsArchiveError, ValueError):
    """Diff inputs that cannot be compared: a record without content, a bad ignore rule."""

    code = "diff-error"


@attrs.frozen
class IgnoreRules:
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_patterns(cls, patterns: Iterable[str], *, source: str | None = None) -> IgnoreRules:
        """Rules from regular expressions; a bad one is named by its place in `patterns`."""
        return cls._compile(enumerate(patterns, start=1), source)

    @classmethod
    def _compile(cls, numbered: Iterable[tuple[int, str]], source: str | None) -> IgnoreRules:
        compiled = []
        for n, text in numbered:
            try:
                compiled.append(re.compile(text))
            except re.error as exc:
                raise DiffError(
                    f"ignore rule {n} is not a valid regular expression ({exc.msg})",
                    code="bad-ignore-rule",
                    path=source,
                ) from None
        return cls(tuple(compiled))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Merged code-point spans of matched lines, each with the line breaks around it."""
        if not self.patterns:
            return []
        out: list[tuple[int, int]] = []
        pos = 0
        for line in text.split("\n"):
            end = pos + len(line)
            if any(p.search(line.removesuffix("\r")) for p in self.patterns):
                lo, hi = max(pos - 1, 0), min(end + 1, len(text))
                if out and out[-1][1] >= lo:
                    out[-1] = (out[-1][0], hi)
                else:
                    out.append((lo, hi))
            pos = end + 1
        return out

    def rule_for(self, text: str) -> str | None:
        for p in self.patterns:
            if any(p.search(line.removesuffix("\r")) for line in text.split("\n")):
                return p.pattern
        return None


def load_ignore_rules(path: Path) -> IgnoreRules:
    """Read a rules file (UTF-8, one regular expression per line, `#` comments)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DiffError(
            f"cannot read ignore rules: {exc.__class__.__name__}",
            code="bad-ignore-rules",
            path=str(path),
        ) from None
    # A bad rule is named by its line in the file, comments and blank lines counted.
    lines = enumerate((ln.rstrip("\r") for ln in text.split("\n")), start=1)
    return IgnoreRules._compile(  # noqa: SLF001 - the same class's private constructor
        ((n, ln) for n, ln in lines if ln.strip() and not ln.lstrip().startswith("#")),
        str(path),
    )


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) is empty or lies within one span."""
    return start == end or any(lo <= start and end <= hi for lo, hi in spans)
