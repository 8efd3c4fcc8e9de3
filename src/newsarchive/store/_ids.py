"""Record ids by a short prefix, as git takes commits: at least 8 hex digits, unambiguous.

Ids are 64 lowercase hex digits; people copy the first few. A prefix is looked
up through the index's id keys (an index range, no table walk). A prefix that
starts several ids is refused with the candidates named, never guessed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final, Protocol

from newsarchive.errors import RecordNotFound, StoreError
from newsarchive.store._keys import id_key

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

__all__ = ["MIN_PREFIX", "AmbiguousId", "Indexed", "resolve_id"]

#: The fewest hex digits a prefix must have.
MIN_PREFIX: Final = 8
_ID_LENGTH: Final = 64
_PREFIX: Final = re.compile(rf"[0-9a-f]{{{MIN_PREFIX},{_ID_LENGTH}}}")
#: How many candidates an ambiguity error names.
_SHOWN: Final = 3


class Indexed(Protocol):
    """What a lookup needs of a store: its index and where it is."""

    @property
    def index(self) -> sqlite3.Connection: ...

    @property
    def root(self) -> Path: ...


class AmbiguousId(StoreError, LookupError):
    """A prefix that starts more than one record id; `candidates` holds some of them."""

    code = "ambiguous-id"

    def __init__(self, message: str, candidates: tuple[str, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


def resolve_id(store: Indexed, text: str) -> str:
    """The one full record id that `text` (a full id or a prefix of 8+ hex digits) names.

    Raises `StoreError` (code `bad-id`) for text that is not such a prefix,
    `RecordNotFound` when no id starts with it, `AmbiguousId` when several do.
    """
    prefix = text.strip().lower()
    if not _PREFIX.fullmatch(prefix):
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise StoreError(
            f"{shown!r} is not a record id: give the id or at least its first "
            f"{MIN_PREFIX} hex digits",
            code="bad-id",
        )
    # Every id with this prefix sorts in [prefix, prefix + "g") ("g" follows every
    # hex digit), and so does its id key (a prefix of the id) in [key, key + "g").
    key = id_key(prefix)
    rows = store.index.execute(
        "SELECT id FROM records WHERE id_key >= ? AND id_key < ? AND id >= ? AND id < ? "
        "ORDER BY id LIMIT ?",
        (key, f"{key}g", prefix, prefix + "g", _SHOWN + 1),
    ).fetchall()
    ids = tuple(row[0] for row in rows)
    if not ids:
        what = "with id" if len(prefix) == _ID_LENGTH else "id starts with"
        raise RecordNotFound(f"no record {what} {prefix!r} in {store.root}")
    if len(ids) > 1:
        named = ", ".join(i[:16] for i in ids[:_SHOWN]) + (", ..." if len(ids) > _SHOWN else "")
        raise AmbiguousId(
            f"id prefix {prefix!r} is ambiguous: it starts several records ({named}); "
            "give more digits",
            ids[:_SHOWN],
        )
    return str(ids[0])
