"""`Store`: open a store directory, add records durably, read them back, find them."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn, Self

import orjson

from newsarchive._atomicfile import fsync_dir, write_atomic
from newsarchive._version import __version__
from newsarchive.errors import RecordNotFound, StoreCorrupted, StoreError
from newsarchive.jsonl import dumps_line
from newsarchive.store import _index
from newsarchive.store._layout import (
    MARKER,
    MARKER_BYTES,
    SEGMENTS,
    TEMP_PREFIX,
    check_dir,
    is_segment_name,
    open_nofollow,
    segment_name,
    segment_names,
)
from newsarchive.store._lock import WriterLock, try_shared_lock
from newsarchive.store._repair import RepairReport, repair_from, unindexed_damage
from newsarchive.store._segment import BLOB_THRESHOLD, Batch, Entry, Tail, scan, seal
from newsarchive.store._verify import Finding, VerifyReport, fixity_event, verify_store
from newsarchive.urls import canonicalize_url
from newsarchive.validation import validate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from types import TracebackType

__all__ = ["AGENT", "SEGMENT_BYTES", "Store"]

#: A new segment is started once the last one reaches this size.
SEGMENT_BYTES: Final = 64 * 1024 * 1024
AGENT: Final = f"newsarchive/{__version__}"

Outcome = Literal["stored", "duplicate"]


def _write_failed(root: Path, exc: OSError) -> StoreError:
    return StoreError(
        f"could not write to the store: {exc.strerror or exc}; nothing of this batch was stored",
        code="write-failed",
        path=str(root),
    )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _entry_line(kind: str, value: dict[str, Any]) -> bytes:
    """The canonical line of an entry; records and blobs come from schema-valid records.

    Such a record holds only ASCII keys, strings, null and integers within
    ±(2**53-1) (unless an integer field is written as a float, checked here),
    for which orjson's bytes are the RFC 8785 bytes: the walk `dumps_line`
    makes to be sure is skipped. A lone surrogate makes orjson refuse, and the
    general path then says what is wrong.
    """
    inner = value.get(kind)
    if kind in ("record", "blob") and isinstance(inner, dict):
        number = inner.get("content_length" if kind == "record" else "length")
        if type(number) is int and type(inner.get("schema_version", 1)) is int:
            with contextlib.suppress(orjson.JSONEncodeError):
                return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    return dumps_line(value)


class Store:
    """An embedded, append-only archive of records in one directory.

    `Store.init(path)` creates one (idempotent); `Store(path)` opens an
    existing one. Reading never takes the writer lock; `add` takes it per batch.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.root = Path(path)
        check_dir(self.root)
        try:
            fd = open_nofollow(self.root / MARKER, os.O_RDONLY)
        except FileNotFoundError:
            raise StoreError(
                f"not a newsarchive store (no {MARKER}); create one with `newsarchive init`",
                code="not-a-store",
                path=str(self.root),
            ) from None
        with os.fdopen(fd, "rb") as f:
            marker = f.read(1024)
        if marker != MARKER_BYTES:
            raise StoreError(
                f"{self.root / MARKER} is not a layout-1 store marker",
                code="bad-marker",
                path=str(self.root),
            )
        check_dir(self.root / SEGMENTS)
        self._conn: sqlite3.Connection | None = None
        self._locked = False
        self.index_state = _index.IndexState()

    @classmethod
    def init(cls, path: str | os.PathLike[str]) -> Store:
        """Create a store at `path` (or open the one already there)."""
        root = Path(path)
        if not root.exists():
            root.mkdir(parents=True)
            fsync_dir(root.absolute().parent)  # the new directory's own entry
        check_dir(root)
        with WriterLock(root):
            marker = root / MARKER
            if not marker.is_file() or marker.is_symlink():
                # Only an interrupted init of ours (lock, empty segments/) may be there.
                others = set(os.listdir(root)) - {"lock", SEGMENTS}
                segments = root / SEGMENTS
                if others or (segments.exists() and os.listdir(segments)):
                    raise StoreError(
                        "not empty and not a store; choose an empty directory",
                        code="not-empty",
                        path=str(root),
                    )
                (root / SEGMENTS).mkdir(exist_ok=True)
                write_atomic(marker, MARKER_BYTES)
                fsync_dir(root)
        store = cls(root)
        store.index  # noqa: B018 - creates the (empty) index now, not on first use
        return store

    # -- lifecycle ------------------------------------------------------------------

    def close(self) -> None:
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
        """The index, caught up with the segments; rebuilt if missing or unreadable."""
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
        with WriterLock(self.root):
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
        """Rebuild the index from the segments alone."""
        with self._lock():
            self._rebuild_index()

    # -- writing --------------------------------------------------------------------

    def add(
        self, records: Iterable[tuple[dict[str, Any], bool]], *, validated: bool = False
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
        """
        items = list(records)
        if not validated:
            for record, _ in items:
                validate(record, strict=True)
        with self._lock():
            conn = self._caught_up()
            outcomes: list[Outcome] = []
            entries: list[tuple[str, dict[str, Any]]] = []
            # What is stored already, in one query per table for the whole batch.
            ids = self._stored_ids([r["id"] for r, _ in items])
            captures = self._stored_captures([str(r.get("content_digest")) for r, s in items if s])
            blobs: set[str] = set()
            for record, same_capture in items:
                capture = (str(record.get("canonical_url")), str(record.get("content_digest")))
                if record["id"] in ids or (same_capture and capture in captures):
                    outcomes.append("duplicate")
                    continue
                ids.add(record["id"])
                captures.add(capture)
                outcomes.append("stored")
                content = record.get("content")
                length = record.get("content_length")
                if isinstance(content, str) and isinstance(length, int) and length > BLOB_THRESHOLD:
                    digest = str(record["content_digest"])
                    if digest not in blobs and not self._has("blobs", "digest", digest):
                        blobs.add(digest)
                        blob = {"content": content, "digest": digest, "length": length}
                        entries.append(("blob", {"blob": blob}))
                    bare = {k: v for k, v in record.items() if k != "content"}
                    entries.append(("record", {"content_blob": digest, "record": bare}))
                else:
                    entries.append(("record", {"record": record}))
            if entries:
                self._write_batch(conn, entries)
        return outcomes

    def append_event(self, event: dict[str, Any]) -> None:
        """Append one event (its `record_id` names the record, or None for the store)."""
        with self._lock():
            conn = self._caught_up()
            record_id = event.get("record_id")
            if record_id is not None and not self._has("records", "id", record_id):
                raise RecordNotFound(f"no record with id {record_id!r}")
            self._write_batch(conn, [("event", {"event": event})])

    def _caught_up(self) -> sqlite3.Connection:
        # Another writer may have committed (or crashed after committing) since we opened.
        conn = self.index
        self.index_state = _index.catch_up(conn, self.root)
        return conn

    def _write_batch(
        self, conn: sqlite3.Connection, entries: list[tuple[str, dict[str, Any]]]
    ) -> None:
        try:
            name, fd = self._writable_segment(conn)
        except OSError as exc:
            raise _write_failed(self.root, exc) from exc
        try:
            start = os.fstat(fd).st_size
            if _index.indexed_offset(conn, name) != start:
                raise StoreCorrupted(
                    f"segment {name} is {start} bytes but the index covers "
                    f"{_index.indexed_offset(conn, name)}; writing is refused until "
                    "`newsarchive store verify` / `store repair` deal with it",
                    path=str(self.root / SEGMENTS / name),
                )
            seq = (conn.execute("SELECT max(seq) FROM batches").fetchone()[0] or 0) + 1
            lines = [_entry_line(kind, value) for kind, value in entries]
            data, digest = seal(lines, seq)
            offsets = []
            pos = start
            for line in lines:
                offsets.append(pos)
                pos += len(line)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            except OSError as exc:
                self._undo_write(fd, start, exc)
        finally:
            os.close(fd)
        batch = Batch(
            start,
            start + len(data),
            seq,
            digest,
            len(lines),
            tuple(
                Entry(kind, value, offset, line)
                for (kind, value), offset, line in zip(entries, offsets, lines, strict=True)
            ),
        )
        with _index._transaction(conn):  # noqa: SLF001 - same package
            # Readers catch up only under a shared lock, which they cannot get
            # while we hold ours; the guard keeps a durable batch from failing
            # on a duplicate insert should that rule ever be broken.
            if _index.indexed_offset(conn, name) < batch.end:
                _index.index_batch(conn, name, batch)

    def _undo_write(self, fd: int, start: int, exc: OSError) -> NoReturn:
        # After a failed write or fsync nothing was acknowledged, and the page
        # cache may no longer hold what we wrote (a failed fsync can drop
        # dirty pages): cut the batch off so no reader ever trusts it.
        try:
            os.ftruncate(fd, start)
            os.fsync(fd)
        except OSError:
            pass  # the next writer truncates the torn tail instead
        raise _write_failed(self.root, exc) from exc

    def _writable_segment(self, conn: sqlite3.Connection) -> tuple[str, int]:
        """The segment to append to, after cleaning up a crash's traces (lock held)."""
        state = self.index_state
        if state.ahead or state.blocked:
            where = state.ahead[0] if state.ahead else f"{state.blocked[0][0]}"
            raise StoreCorrupted(
                f"segment {where} does not match the index; writing is refused until "
                "`newsarchive store verify` / `store repair` deal with it",
                path=str(self.root),
            )
        self._remove_temp_files()
        directory = self.root / SEGMENTS
        names = segment_names(self.root)
        if names:
            name = names[-1]
            indexed = _index.indexed_offset(conn, name)
            fd = open_nofollow(directory / name, os.O_RDWR | os.O_APPEND)
            try:
                self._clean_tail(fd, name, indexed)
            except BaseException:
                os.close(fd)
                raise
            if indexed < SEGMENT_BYTES:
                return name, fd
            os.close(fd)
            number = int(name.split(".")[0]) + 1
        else:
            number = 1
        name = segment_name(number)
        fd = open_nofollow(directory / name, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL)
        fsync_dir(directory)
        return name, fd

    def _clean_tail(self, fd: int, name: str, indexed: int) -> None:
        """Cut off a torn tail after the last indexed batch; refuse anything else odd there."""
        if os.fstat(fd).st_size > indexed:
            self._truncate_torn_tail(fd, name, indexed)
        if indexed and os.pread(fd, 1, indexed - 1) != b"\n":
            raise StoreCorrupted(
                f"segment {name} does not end its last batch with a line feed; "
                "writing is refused until `newsarchive store repair` deals with it",
                path=str(self.root / SEGMENTS / name),
            )

    def _truncate_torn_tail(self, fd: int, name: str, indexed: int) -> None:
        with os.fdopen(os.dup(fd), "rb") as f:
            items = list(scan(f, indexed, check=False))
        if len(items) != 1 or not isinstance(items[0], Tail) or not items[0].torn:
            raise StoreCorrupted(
                f"segment {name} holds unexpected data after byte {indexed}; "
                "run `newsarchive store verify`",
                path=str(self.root / SEGMENTS / name),
            )
        os.ftruncate(fd, indexed)
        os.fsync(fd)

    def _remove_temp_files(self) -> None:
        for directory in (self.root, self.root / SEGMENTS):
            for name in os.listdir(directory):
                path = directory / name
                if name.startswith(TEMP_PREFIX) and stat.S_ISREG(os.lstat(path).st_mode):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()

    # -- auditing -------------------------------------------------------------------

    def verify(
        self,
        *,
        jobs: int | None = None,
        sample: float = 1.0,
        progress: Callable[[int], None] | None = None,
        record_event: bool = True,
        now: datetime | None = None,
        fixity_only: bool = False,
    ) -> VerifyReport:
        """Audit everything (see `_verify`), then append a `fixity-check` event.

        `fixity_only` re-hashes the bytes without re-checking the records or
        the index rows (much faster; not a full audit).

        If the store refuses writes because of what was found, the event is
        not appended and a note says so.
        """
        report = verify_store(
            self.root, jobs=jobs, sample=sample, progress=progress, fixity_only=fixity_only
        )
        if record_event:
            event = fixity_event(report, AGENT, now or datetime.now(UTC))
            try:
                self.append_event(event)
            except StoreCorrupted as exc:
                report.findings.append(
                    Finding("note", "event-not-recorded", str(self.root), exc.message)
                )
        return report

    def repair(self, replica: Store) -> RepairReport:
        """Restore damaged or missing batches from `replica` (see `_repair`)."""
        with self._lock():
            self._caught_up()
            report = repair_from(self, replica)
            self.index_state = _index.catch_up(self.index, self.root)
            report.unrepaired.extend(unindexed_damage(self))
        return report

    # -- reading --------------------------------------------------------------------

    def _has(self, table: str, column: str, value: str) -> bool:
        sql = f"SELECT 1 FROM {table} WHERE {column}=? LIMIT 1"
        return self.index.execute(sql, (value,)).fetchone() is not None

    def _select_in(self, sql: str, values: list[str]) -> Iterator[tuple[Any, ...]]:
        # SQLite limits the number of parameters per statement (999 in old builds).
        for k in range(0, len(values), 500):
            part = values[k : k + 500]
            yield from self.index.execute(sql.format(",".join("?" * len(part))), part)

    def _stored_ids(self, ids: list[str]) -> set[str]:
        return {row[0] for row in self._select_in("SELECT id FROM records WHERE id IN ({})", ids)}

    def _stored_captures(self, digests: list[str]) -> set[tuple[str, str]]:
        sql = "SELECT canonical_url, content_digest FROM records WHERE content_digest IN ({})"
        return {(row[0], row[1]) for row in self._select_in(sql, digests)}

    def read_line(self, segment: str, offset: int, length: int) -> bytes:
        """One entry line, checked against the SHA-256 the index holds for it."""
        if not is_segment_name(segment):  # never a path from a (possibly damaged) index
            raise StoreCorrupted(f"the index names a segment {segment!r} that cannot exist")
        fd = open_nofollow(self.root / SEGMENTS / segment, os.O_RDONLY)
        try:
            line = os.pread(fd, length, offset)
        finally:
            os.close(fd)
        row = self.index.execute(
            "SELECT line_sha256 FROM entries WHERE segment=? AND offset=?", (segment, offset)
        ).fetchone()
        if row is None or hashlib.sha256(line).hexdigest() != row[0]:
            raise StoreCorrupted(
                f"{segment} at byte {offset}: stored bytes do not match their digest; "
                "run `newsarchive store verify`",
                path=str(self.root / SEGMENTS / segment),
            )
        return line

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, str) and self._has("records", "id", record_id)

    def __len__(self) -> int:
        return int(self.index.execute("SELECT count(*) FROM records").fetchone()[0])

    def get(self, record_id: str) -> dict[str, Any]:
        """The record exactly as stored (large content put back in place)."""
        row = self.index.execute(
            "SELECT segment, offset, length, content_blob FROM records WHERE id=?", (record_id,)
        ).fetchone()
        if row is None:
            raise RecordNotFound(f"no record with id {record_id!r} in {self.root}")
        record: dict[str, Any] = orjson.loads(self.read_line(*row[:3]))["record"]
        if record.get("id") != record_id:  # a damaged index pointing at another record
            raise StoreCorrupted(
                f"the index places record {record_id} where another record is; "
                "run `newsarchive store reindex`",
                path=str(self.root),
            )
        if row[3] is not None:
            record["content"] = self._blob_content(row[3])
        return record

    def _blob_content(self, digest: str) -> str:
        row = self.index.execute(
            "SELECT segment, offset, length FROM blobs WHERE digest=?", (digest,)
        ).fetchone()
        if row is None:
            raise StoreCorrupted(f"content {digest} is missing from the store")
        blob = orjson.loads(self.read_line(*row))["blob"]
        if blob.get("digest") != digest:
            raise StoreCorrupted(
                f"the index places content {digest} where other content is; "
                "run `newsarchive store reindex`",
                path=str(self.root),
            )
        content: str = blob["content"]
        return content

    def content(self, record_id: str) -> bytes:
        """The exact content bytes of a record (UTF-8), or raise if it holds none."""
        content = self.get(record_id).get("content")
        if not isinstance(content, str):
            raise RecordNotFound(f"record {record_id} holds no content", code="no-content")
        return content.encode("utf-8")

    def events(self, record_id: str | None) -> list[dict[str, Any]]:
        """Events appended later about a record (or, with None, about the whole store)."""
        where = "record_id IS NULL" if record_id is None else "record_id=?"
        rows = self.index.execute(
            f"SELECT segment, offset, length FROM events WHERE {where} ORDER BY rowid",
            () if record_id is None else (record_id,),
        ).fetchall()
        return [orjson.loads(self.read_line(*row))["event"] for row in rows]

    def find(
        self,
        *,
        url: str | None = None,
        tag: str | None = None,
        since: str | None = None,
        until: str | None = None,
        published_since: str | None = None,
        published_until: str | None = None,
        content_digest: str | None = None,
    ) -> Iterator[str]:
        """Ids of matching records, oldest retrieval first; times are RFC 3339 instants.

        `url` matches by canonical url; `tag` ignores case; bounds are inclusive.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if url is not None:
            clauses.append("canonical_url=?")
            params.append(canonicalize_url(url))
        if tag is not None:
            clauses.append("id IN (SELECT record_id FROM tags WHERE tag=?)")
            params.append(tag.strip().casefold())
        for column, op, value in (
            ("retrieved_key", ">=", since),
            ("retrieved_key", "<=", until),
            ("published_key", ">=", published_since),
            ("published_key", "<=", published_until),
        ):
            if value is not None:
                key = _index.time_key(value)
                if key is None:
                    raise StoreError(f"{value!r} is not an RFC 3339 instant", code="bad-time")
                clauses.append(f"{column} {op} ?")
                params.append(key)
        if content_digest is not None:
            clauses.append("content_digest=?")
            params.append(content_digest)
        sql = "SELECT id FROM records"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        for (record_id,) in self.index.execute(sql + " ORDER BY retrieved_key, id", params):
            yield record_id

    def stats(self) -> dict[str, Any]:
        """Counts, sizes and the last fixity checks."""
        conn = self.index

        def count(table: str) -> int:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        names = segment_names(self.root)
        size = sum((self.root / SEGMENTS / n).stat().st_size for n in names)
        checks = {}
        for label, where in (("last_check", ""), ("last_full_check", "AND full=1")):
            row = conn.execute(
                "SELECT segment, offset, length FROM events WHERE type='fixity-check' "
                f"{where} ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
            checks[label] = None if row is None else orjson.loads(self.read_line(*row))["event"]
        return {
            "store": str(self.root),
            "records": count("records"),
            "blobs": count("blobs"),
            "events": count("events"),
            "batches": count("batches"),
            "segments": len(names),
            "bytes": size,
            **checks,
        }
