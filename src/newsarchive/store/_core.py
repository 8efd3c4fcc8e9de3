"""`StoreCore`: open a store directory, keep its index and writer lock, add records durably.

The reading side is `_read.StoreReader`, the batch writer `_write`; this
module holds what ties them together: opening, the index, the writer lock and
the derived indexes. The public `Store` (`_store`) is this core with the audit
(`verify`, `repair`) and the feature faces on top; nothing here imports it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from newsarchive._atomicfile import fsync_dir
from newsarchive.errors import RecordNotFound, StoreCorrupted, StoreError
from newsarchive.store import _derived, _index
from newsarchive.store._layout import INDEX, TEMP_PREFIX, check_dir
from newsarchive.store._lock import WriterLock, try_shared_lock, writable
from newsarchive.store._marker import LAYOUT, make_store, read_marker, upgrade
from newsarchive.store._read import StoreReader
from newsarchive.store._write import Outcome, Prepared, plan_batch, plan_capture, write_batch
from newsarchive.validation import validate

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from types import TracebackType

__all__ = ["StoreCore", "read_only_error"]


def read_only_error(root: Path, what: str) -> StoreError:
    """The refusal of what a store we may not write cannot do (`StoreCore.read_only`)."""
    return StoreError(
        f"the store is read-only here (no write access): {what}", code="read-only", path=str(root)
    )


class StoreCore(StoreReader):
    """A store directory opened: its marker, its index, its writer lock, its writes.

    Reading never takes the writer lock; `add` takes it per batch. `Store`
    (`_store`) is the class to use; see there.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.root = Path(path)
        check_dir(self.root)
        self.marker = read_marker(self.root)
        # The marker makes it a store; a lost or replaced segments/ is damage that
        # reads and writes meet (`StoreCorrupted`) and `store verify` reports.
        self._conn: sqlite3.Connection | None = None
        self._locked = False
        self.index_state = _index.IndexState()
        self._group = 0  # batches per index commit while in `group_commit`; 0: each batch
        self._group_hold: contextlib.ExitStack | None = None  # the lock + open index transaction
        self._group_batches = 0  # batches in the open index transaction
        self._derived = _derived.OpenDerived(self.root)
        #: No write access (a read-only copy, another user's store): the index is
        #: read as it stands, never caught up or rebuilt; writes and the derived
        #: indexes, which catching up writes, are refused (`StoreError` "read-only").
        self.read_only = not writable(self.root)

    @property
    def layout(self) -> int:
        """The store's layout: 1 until its first write upgrades it, then 2."""
        return self.marker.layout

    @property
    def origin(self) -> str | None:
        """The name its log signs checkpoints under (None for a layout-1 store)."""
        return self.marker.origin

    def stats(self) -> dict[str, Any]:
        """Counts, sizes and the last fixity checks, after the layout and the log origin."""
        found = super().stats()
        return {"store": found.pop("store"), "layout": self.layout, "origin": self.origin, **found}

    @classmethod
    def init(cls, path: str | os.PathLike[str], *, origin: str | None = None) -> Self:
        """Create a store at `path` (or open the one already there).

        `origin` names the store's log (default: `_marker.default_origin()`,
        unique to the store). An existing layout-1 store is upgraded to layout
        2 under it; an existing layout-2 store must have that origin already
        (`StoreError` "origin-mismatch"): an origin never changes.
        """
        root = Path(path)
        make_store(root, origin)
        store = cls(root)
        store.index  # noqa: B018 - creates the (empty) index now, not on first use
        return store

    # -- lifecycle ------------------------------------------------------------------

    def close(self) -> None:
        self._end_group_part(commit=True)
        self._derived.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def index(self) -> sqlite3.Connection:
        """The index, caught up with the segments; rebuilt if missing or unreadable.

        Of a `read_only` store: the index as it stands (`_index.connect_read_only`).
        """
        if self._conn is None and self.read_only:
            self._conn = _index.connect_read_only(self.root)
        if self._conn is None:
            try:
                self._conn = _index.connect(self.root)
                self._catch_up_unless_writing(self._conn)
            except sqlite3.DatabaseError:
                self.close()
                if self._locked:
                    self._rebuild_index()
                else:
                    with self._lock():
                        self._rebuild_index()
        return self._conn  # type: ignore[return-value]

    def _catch_up_unless_writing(self, conn: sqlite3.Connection) -> None:
        if self._locked:
            self.index_state = _index.catch_up(conn, self.root)
            return
        fd = try_shared_lock(self.root)
        if fd is None:
            return  # a writer is mid-batch; the index lags for now, which is allowed
        try:
            self.index_state = _index.catch_up(conn, self.root)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        if self.read_only:
            raise read_only_error(self.root, "it cannot be written")
        self._end_group_part(commit=True)  # never wait for the lock we hold ourselves
        with WriterLock(self.root):
            if self.marker.layout < LAYOUT:  # every write goes through here: upgrade first
                self.marker = read_marker(self.root)
                if self.marker.layout < LAYOUT:
                    self.marker = upgrade(self.root, None)
            self._locked = True
            try:
                yield
            finally:
                self._locked = False

    def _rebuild_index(self) -> None:
        """Drop and rebuild the index (the caller holds the writer lock)."""
        self.close()
        _index.drop(self.root)
        self._conn = _index.connect(self.root)
        self.index_state = _index.catch_up(self._conn, self.root)

    def reindex(self) -> None:
        """Rebuild the index from the segments alone, unless that would lose what it knows.

        The new index is built beside the old one and replaces it only if it
        lists every batch the old one does. Otherwise the segments lost or
        changed a batch since it was indexed, and the old index is the only
        record of what was there (`repair` restores from it, line by line):
        it is kept, and `StoreCorrupted` says so. An unreadable index is
        simply rebuilt.
        """
        with self._lock():
            self.close()
            try:
                conn = _index.connect(self.root)
            except sqlite3.DatabaseError:
                known: set[tuple[int, str, int, int, str]] = set()
            else:
                with contextlib.closing(conn):
                    known = _index.batches(conn)
            fresh = f"{TEMP_PREFIX}{INDEX}"
            _index.drop(self.root, fresh)  # left by an interrupted reindex
            with contextlib.closing(_index.connect(self.root, name=fresh)) as conn:
                state = _index.catch_up(conn, self.root)
                lost = sorted(known - _index.batches(conn))
            if lost:
                _index.drop(self.root, fresh)
                seq, segment, start, _, _ = lost[0]
                raise StoreCorrupted(
                    f"the segments no longer hold {len(lost)} batch(es) the index lists "
                    f"(first: batch {seq}, {segment} at byte {start}); the index is kept, "
                    "as `newsarchive store repair --from REPLICA` restores from it "
                    "(`newsarchive store verify` lists the damage)",
                    path=str(self.root),
                )
            _index.drop(self.root)
            os.replace(self.root / fresh, self.root / INDEX)
            fsync_dir(self.root)
            self.index_state = state
            self._derived.rebuild(self.index)

    # -- writing --------------------------------------------------------------------

    def add(
        self,
        records: Iterable[tuple[dict[str, Any], bool]],
        *,
        validated: bool = False,
        prepared: list[Prepared | None] | None = None,
    ) -> list[Outcome]:
        """Store records durably as one batch; return "stored" or "duplicate" for each.

        Each item is (record, same_capture): a record whose `id` is stored is
        a duplicate; with `same_capture`, so is one whose canonical url and
        content digest are already stored. Every record is validated first
        (`InvalidRecord`, nothing stored) unless the caller says it already
        did (`validated=True`, as the bulk import does): that is a promise the
        records pass `validate`, on which the writer relies (their lines are
        written by a fast path that is RFC 8785 only for schema-valid records).
        The call returns only after the batch and its directory entry are
        fsync'd.

        `prepared` (with `validated=True` only) gives each record's entry line
        and its SHA-256 as `_write.prepare_line` makes them (or None), made
        where the record was built, so the writer does not serialize and hash
        it again. It is part of the same promise, and the trust boundary is
        the same: the bulk import's worker processes, ours, on this machine,
        build and check each record and make its line from that very dict.
        The line's SHA-256 goes into the index, and `store verify` re-hashes
        every line against it, so a wrong one is found, never silently kept.
        """
        items = list(records)
        if prepared is not None and (not validated or len(prepared) != len(items)):
            raise ValueError("prepared lines go with validated records, one per record")
        if not validated:
            for record, _ in items:
                validate(record, strict=True)
        if self._group:
            return self._add_in_group(items, prepared)
        with self._lock():
            conn = self._caught_up()
            outcomes, entries = plan_batch(conn, items, prepared)
            if entries:
                write_batch(self.root, conn, self.index_state, entries)
                self._update_derived()
        return outcomes

    @contextlib.contextmanager
    def group_commit(self, batches: int = 10) -> Iterator[None]:
        """Within this block, `add` commits the index once per `batches` batches.

        Each batch is still written with one `write` and made durable with one
        `fsync` before `add` returns (its records are acknowledged as before);
        only the index, which is derived and may lag the segments, is
        committed once for several batches: the writer lock is held and one
        index transaction stays open across them, then both are let go, so
        other writers get their turn. A crash, or an error, before that
        commit leaves the index behind the segments, and the next opening (or
        the next batch) catches it up. Readers see the index as last
        committed: up to `batches` batches behind while an import runs.
        """
        if batches < 1:
            raise ValueError("batches must be at least 1")
        self._group = batches
        try:
            yield
        except BaseException:
            self._end_group_part(commit=False)
            raise
        finally:
            self._group = 0
            self._end_group_part(commit=True)

    def _add_in_group(
        self, items: list[tuple[dict[str, Any], bool]], prepared: list[Prepared | None] | None
    ) -> list[Outcome]:
        if self._group_hold is None:
            hold = contextlib.ExitStack()
            hold.enter_context(self._lock())
            try:
                conn = self._caught_up()
                # The indexes kept by writes, opened and up to date: fed each batch from here on.
                self._update_derived()
                conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                hold.close()
                raise
            self._group_hold, self._group_batches = hold, 0
        conn = self.index
        try:
            # Planning sees the rows of the open transaction.
            outcomes, entries = plan_batch(conn, items, prepared)
            if entries:
                batch = write_batch(self.root, conn, self.index_state, entries, in_transaction=True)
                self._derived.feed(batch)
        except BaseException:
            # Rows of a half-indexed batch must not be committed: the index
            # lags instead (durable batches are caught up on the next batch).
            self._end_group_part(commit=False)
            raise
        self._group_batches += 1
        if self._group_batches >= self._group:
            self._end_group_part(commit=True)
        return outcomes

    def _end_group_part(self, *, commit: bool) -> None:
        """Commit (or roll back) the group's index transaction and let go of the lock."""
        hold, self._group_hold = self._group_hold, None
        if hold is None:
            return
        with hold:
            conn = self._conn
            if conn is not None and conn.in_transaction:
                try:
                    conn.execute("COMMIT" if commit else "ROLLBACK")
                except sqlite3.Error:
                    if conn.in_transaction:  # the index lags; the next opening catches it up
                        conn.execute("ROLLBACK")
                    raise
            if commit:
                self._update_derived()
            else:  # what they were handed is not committed: they catch up from the segments
                self._derived.drop_fed()

    def add_capture(
        self,
        record: dict[str, Any] | None,
        *,
        evidence: Sequence[bytes] = (),
        events: Sequence[dict[str, Any]] = (),
        supports: str | None = None,
    ) -> Outcome | None:
        """Store a capture as one durable batch: its record, its evidence, its events.

        `record` (validated here) is new or a "duplicate" (its id is stored:
        then nothing at all is written). `evidence` holds uncompressed WARC
        records (the exchange as received), each stored as an evidence entry
        naming the record it supports: `record`'s id, else `supports` (a
        stored record, as when a failed re-capture adds to the latest
        capture). `events` name their record by `record_id`, which must be
        stored or be `record`. Returns the record's outcome (None without one).
        """
        if record is not None:
            validate(record, strict=True)
        with self._lock():
            conn = self._caught_up()
            outcome, entries = plan_capture(conn, record, evidence, events, supports)
            if entries:
                write_batch(self.root, conn, self.index_state, entries)
                self._update_derived()
        return outcome

    def append_event(self, event: dict[str, Any]) -> None:
        """Append one event (its `record_id` names the record, or None for the store)."""
        with self._lock():
            conn = self._caught_up()
            record_id = event.get("record_id")
            if record_id is not None and not self._has(record_id):
                raise RecordNotFound(f"no record with id {record_id!r}")
            write_batch(self.root, conn, self.index_state, [("event", {"event": event}, None)])
            self._update_derived()

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the writer lock (re-entrant) while a feature writes its own files in the store."""
        if self._locked:
            yield
            return
        with self._lock():
            yield

    # -- derived indexes ----------------------------------------------------------

    def derived(self, name: str) -> _derived.DerivedIndex:
        """The derived index `name` (see `_derived.DERIVED`), caught up with the index.

        Catching up writes it, so this takes the writer lock unless held.
        """
        if name not in _derived.DERIVED:
            raise KeyError(name)
        if self.read_only:
            raise read_only_error(self.root, f"its derived index {name!r} cannot be caught up")
        if self._locked:
            return self._derived.caught_up(name, self.index)
        with self._lock():
            self._caught_up()
            return self._derived.caught_up(name, self.index)

    def _update_derived(self) -> None:
        """Bring the derived indexes kept by writes up to date (the caller holds the lock)."""
        self._derived.update(self.index)

    def _caught_up(self) -> sqlite3.Connection:
        # Another writer may have committed (or crashed after committing) since we opened.
        conn = self.index
        self.index_state = _index.catch_up(conn, self.root)
        return conn
