"""Derived indexes beside the SQLite index: the log's tiles, full text, near-duplicates.

Like `index.sqlite`, each is derived data: made from the committed batches of
the segments alone, so losing one loses nothing (`store reindex` rebuilds them
all). Each knows how far it has come, the `seq` of the last batch it took in,
and is brought up to date (`catch_up`) from the batches after that, in store
order, by the writer that appended them (under the writer lock) or by the
first query that needs it. A derived index may lag the segments, never run
ahead of them.

A feature plugs in by naming a factory in `DERIVED` ("module:callable"),
imported only when a store uses it, so the store package imports no feature
and the command line starts fast. The factory takes the store's root and
returns a `DerivedIndex`.
"""

from __future__ import annotations

import functools
import importlib
import os
import sqlite3
from typing import TYPE_CHECKING, Any, Final, Protocol

from newsarchive.errors import StoreCorrupted, StoreError
from newsarchive.store import _index
from newsarchive.store._findings import Finding
from newsarchive.store._layout import (
    SEGMENTS,
    SIMILAR,
    TEXT,
    index_files,
    is_segment_name,
    open_segment,
)
from newsarchive.store._segment import Batch, scan

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from pathlib import Path

    from newsarchive.store._segment import Entry

__all__ = [
    "DERIVED",
    "ON_USE",
    "BatchPlace",
    "DerivedChecks",
    "DerivedIndex",
    "EntryAudit",
    "OpenDerived",
    "batches_after",
    "catch_up",
    "entry_function",
    "load",
]

#: A committed batch as the index lists it: seq, segment, start, end.
BatchPlace = tuple[int, str, int, int]


class EntryAudit(Protocol):
    """A derived index's check, fed by `store verify`'s own reading of the segments.

    The audit's workers run `entry_function` ("module:function", taking an
    entry's parsed JSON value and returning bytes) on every entry of every
    batch they check, and `feed` gets each batch's values in store order: the
    segments are read and parsed once for the store's checks and this one.
    """

    @property
    def entry_function(self) -> str: ...

    def feed(self, place: BatchPlace, values: Sequence[bytes]) -> None:
        """The values of the entries of the intact batch at `place`, in order."""

    def findings(self) -> list[Finding]:
        """What the audit found, once every batch was fed."""


class DerivedIndex(Protocol):
    """What the store asks of a derived index."""

    def position(self) -> int:
        """The seq of the last batch taken in (0: none)."""

    def take(self, seq: int, entries: Sequence[Entry]) -> None:
        """Take in the committed batch `seq` (always position() + 1)."""

    def reset(self) -> None:
        """Forget everything taken in (position 0), for a rebuild."""

    def commit(self) -> None:
        """Make what was taken in durable enough (it may be lost: it is caught up again)."""

    def check(self, index: sqlite3.Connection) -> list[Finding]:
        """For `store verify`: what does not match a recomputation from the segments."""

    def audit(self, index: sqlite3.Connection) -> EntryAudit | None:
        """An audit `store verify` feeds instead of calling `check` (None: `check` reads)."""

    def close(self) -> None:
        """Let go of open files."""


#: name -> "module:factory(root) -> DerivedIndex"; each feature adds its line.
DERIVED: Final[Mapping[str, str]] = {
    "text": "newsarchive.search._index:open_text_index",
    "log": "newsarchive.proofs._storecheck:open_log",
    "similar": "newsarchive.similarity._storeindex:SimilarStoreIndex",
}
#: Derived indexes caught up by the first query that needs one (and by `store
#: reindex`) instead of by every write: each costs the single writer more per
#: record than the rest of an import (measured: FTS5 takes in ~3,000 articles/s
#: of ~5 KB on one core; MinHash signing and LSH buckets 0.3-0.5 ms of CPU per
#: 600-word record), so a bulk import does not wait for them.
ON_USE: Final = frozenset({"text", "similar"})
#: The SQLite file of each derived index kept in one: a rebuild replaces one
#: that cannot be read (the log's tiles rebuild themselves).
FILES: Final[Mapping[str, str]] = {"text": TEXT, "similar": SIMILAR}


@functools.cache
def entry_function(name: str) -> Callable[[Any], bytes]:
    """The function an `EntryAudit` names ("module:function"), imported once per process."""
    module, _, attr = name.partition(":")
    function: Callable[[Any], bytes] = getattr(importlib.import_module(module), attr)
    return function


def load(name: str) -> Callable[[Path], DerivedIndex]:
    """The factory registered under `name`."""
    module, _, attr = DERIVED[name].partition(":")
    factory: Callable[[Path], DerivedIndex] = getattr(importlib.import_module(module), attr)
    return factory


def batches_after(root: Path, index: sqlite3.Connection, seq: int) -> Iterator[Batch]:
    """The committed batches after `seq`, in order, parsed, as the index lists them.

    Bytes that no longer check out, or a segment that cannot be opened, end
    the walk (the index lags or the store is damaged: `store verify` says
    which); the derived index stays behind.
    """
    rows = index.execute(
        'SELECT seq, segment, start, "end" FROM batches WHERE seq > ? ORDER BY seq', (seq,)
    )
    expected = seq + 1
    current: tuple[str, int] | None = None
    try:
        for number, segment, start, end in rows:
            if number != expected or not is_segment_name(segment):
                return
            if current is None or current[0] != segment:
                if current is not None:
                    os.close(current[1])
                try:
                    current = (segment, open_segment(root / SEGMENTS / segment))
                except (OSError, StoreError):
                    return  # a lost (or replaced) segment: verify reports it
            with os.fdopen(os.dup(current[1]), "rb") as f:
                items = list(scan(f, start, end))
            if len(items) != 1 or not isinstance(items[0], Batch) or items[0].seq != number:
                return
            yield items[0]
            expected += 1
    finally:
        if current is not None:
            os.close(current[1])


def catch_up(root: Path, index: sqlite3.Connection, derived: DerivedIndex) -> int:
    """Take in every batch `derived` lacks; return how many it took in."""
    taken = 0
    for batch in batches_after(root, index, derived.position()):
        derived.take(batch.seq, batch.entries)
        taken += 1
    if taken:
        derived.commit()
    return taken


class OpenDerived:
    """A store's derived indexes, each opened on first use and kept open until `close`.

    Catching one up writes it: the caller holds the writer lock.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._open: dict[str, DerivedIndex] = {}
        self._fed: set[str] = set()  # handed batches not committed yet

    def _opened(self, name: str) -> DerivedIndex:
        found = self._open.get(name)
        if found is None:
            try:
                found = self._open[name] = load(name)(self.root)
            except sqlite3.DatabaseError as exc:
                raise StoreCorrupted(
                    f"its derived index {name!r} cannot be read ({exc}); "
                    "`newsarchive store reindex` rebuilds it",
                    path=str(self.root / FILES.get(name, name)),
                ) from None
        return found

    def caught_up(self, name: str, index: sqlite3.Connection) -> DerivedIndex:
        """The derived index `name`, after taking in what `index` lists that it lacks."""
        found = self._opened(name)
        catch_up(self.root, index, found)
        return found

    def update(self, index: sqlite3.Connection) -> None:
        """Catch up those that writes keep up to date (all but `ON_USE`), and commit them."""
        for name in DERIVED:
            if name not in ON_USE:
                found = self.caught_up(name, index)
                if name in self._fed:
                    found.commit()
        self._fed.clear()

    def feed(self, batch: Batch) -> None:
        """Hand a batch just written to those kept by writes that stand just before it.

        They need not read it back; `update`, after the index commit, commits
        them, and `drop_fed` forgets what they were handed if it is not committed.
        """
        for name, found in self._open.items():
            if name not in ON_USE and found.position() == batch.seq - 1:
                found.take(batch.seq, batch.entries)
                self._fed.add(name)

    def drop_fed(self) -> None:
        """Close those handed batches that will not be committed: they catch up when reopened."""
        for name in self._fed:
            self._open.pop(name).close()
        self._fed.clear()

    def rebuild(self, index: sqlite3.Connection) -> None:
        """Rebuild every one from the batches `index` lists (after `store reindex`)."""
        for name in DERIVED:
            try:
                found = self._opened(name)
            except StoreCorrupted:
                if name not in FILES:
                    raise
                for file in index_files(FILES[name]):  # unreadable: made anew
                    (self.root / file).unlink(missing_ok=True)
                found = self._opened(name)
            found.reset()
            catch_up(self.root, index, found)

    def close(self) -> None:
        for found in self._open.values():
            found.close()
        self._open.clear()


class DerivedChecks:
    """Each derived index opened to check itself against the segments (`store verify`).

    With `audited` (a full audit), those that offer an `EntryAudit` are fed by
    the audit's own reading (`audits`); the others read for themselves when
    `findings` asks them. One that cannot be opened is a failure
    (`derived-corrupt`: `store reindex` rebuilds it), except in a store we may
    not write (`read_only`), where opening may need to write (one never built):
    then it is left unchecked, with a note.
    """

    def __init__(self, root: Path, *, audited: bool, read_only: bool = False) -> None:
        self._conn: sqlite3.Connection | None = None
        self._checks: list[tuple[DerivedIndex, EntryAudit | None]] = []
        self._unchecked: list[Finding] = []
        if not DERIVED:
            return
        try:
            self._conn = _index.connect(root, readonly=True)
        except (sqlite3.DatabaseError, StoreError):
            return  # no usable index: the audit of the index reports it
        try:
            for name in DERIVED:
                try:
                    derived = load(name)(root)
                except (OSError, sqlite3.Error, StoreError) as exc:
                    self._unchecked.append(_unopened(name, exc, read_only=read_only))
                    continue
                self._checks.append((derived, derived.audit(self._conn) if audited else None))
        except BaseException:
            self.close()  # what was opened before the failure
            raise

    @property
    def audits(self) -> list[EntryAudit]:
        return [audit for _, audit in self._checks if audit is not None]

    def findings(self) -> list[Finding]:
        found = list(self._unchecked)
        for derived, audit in self._checks:
            if audit is not None:
                found += audit.findings()
            elif self._conn is not None:
                found += derived.check(self._conn)
        return found

    def close(self) -> None:
        for derived, _ in self._checks:
            derived.close()
        if self._conn is not None:
            self._conn.close()


def _unopened(name: str, exc: BaseException, *, read_only: bool) -> Finding:
    if read_only:
        why = f"cannot be opened without write access ({exc}); not checked"
        return Finding("note", "derived-unchecked", name, why)
    why = f"cannot be opened ({exc}); `newsarchive store reindex` rebuilds it"
    return Finding("failure", "derived-corrupt", name, why)
