"""Records to and from JSON bytes: pretty JSON for people, RFC 8785 canonical JSON for machines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from newsarchive._json import canonical_dumps, loads
from newsarchive.errors import InvalidRecord, Problem
from newsarchive.record import ArchivedArticle

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["from_json", "to_canonical_json", "to_json"]


def to_json(record: ArchivedArticle) -> bytes:
    """Pretty UTF-8 JSON (two-space indent, fields in reading order) ending in a newline."""
    return (json.dumps(record.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def to_canonical_json(record: ArchivedArticle) -> bytes:
    """RFC 8785 canonical JSON bytes: one exact byte string per record, no trailing newline."""
    return canonical_dumps(record.to_dict())


def from_json(data: bytes | str, *, now: datetime | None = None) -> ArchivedArticle:
    """Parse strict I-JSON and check every rule; raises `JSONError` or `InvalidRecord`."""
    value: Any = loads(data)
    if not isinstance(value, dict):
        raise InvalidRecord(
            [Problem("", "wrong-type", f"a record is a JSON object (got {type(value).__name__})")]
        )
    return ArchivedArticle.from_dict(value, now=now)
