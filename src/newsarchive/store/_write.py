"""The writing side of `Store`: plan a batch, append it durably, then index it.

Every function here runs with the writer lock held and the index caught up
(`Store` sees to both). A batch is written with one `write` and made durable
with one `fsync`; a failed write is cut off again so no reader ever trusts it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn

import orjson

from newsarchive._atomicfile import fsync_dir
from newsarchive.errors import RecordNotFound, StoreCorrupted, StoreError
from newsarchive.jsonl import dumps_line
from newsarchive.store import _index, _keys
from newsarchive.store._evidence import evidence_entry
from newsarchive.store._layout import (
    MANAGED_DIRS,
    SEGMENTS,
    TEMP_PREFIX,
    open_nofollow,
    segment_name,
    segment_names,
)
from newsarchive.store._segment import BLOB_THRESHOLD, Batch, Entry, Tail, scan, seal

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Sequence
    from pathlib import Path

__all__ = [
    "SEGMENT_BYTES",
    "Outcome",
    "Prepared",
    "entry_line",
    "plan_batch",
    "plan_capture",
    "prepare_line",
    "write_batch",
    "write_failed",
]

#: A new segment is started once the last one reaches this size.
SEGMENT_BYTES: Final = 64 * 1024 * 1024

Outcome = Literal["stored", "duplicate"]
#: A record's entry line and its SHA-256 (hex), made where the record was built.
Prepared = tuple[bytes, str]
#: (kind, value, prepared line or None) of one entry to write.
_Planned = tuple[str, dict[str, Any], Prepared | None]


def write_failed(root: Path, exc: OSError) -> StoreError:
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


def entry_line(kind: str, value: dict[str, Any]) -> bytes:
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


def _inline(record: dict[str, Any]) -> bool:
    """Whether a record is written whole (its content is not put in a blob)."""
    content, length = record.get("content"), record.get("content_length")
    return not (isinstance(content, str) and isinstance(length, int) and length > BLOB_THRESHOLD)


def prepare_line(record: dict[str, Any]) -> Prepared | None:
    """The entry line of a schema-valid record written whole, and its SHA-256.

    The bulk import's workers call this beside building the record, so the
    writer does not serialize and hash it again (see `Store.add`); None for a
    record whose content becomes a blob (the writer decides its entries).
    """
    if not _inline(record):
        return None
    line = entry_line("record", {"record": record})
    return line, hashlib.sha256(line).hexdigest()


# -- planning: what of the records is new -------------------------------------------


def _stored_ids(conn: sqlite3.Connection, ids: list[str]) -> set[str]:
    return {row[0] for row in _keys.rows_by_id(conn, "", ids)}


def _stored_captures(conn: sqlite3.Connection, digests: list[str]) -> set[tuple[str, str]]:
    # Captures of other digests with the same keys come too: harmless, a capture
    # is compared whole.
    sql = "SELECT canonical_url, content_digest FROM records WHERE digest_key IN ({})"
    return set(_keys.select_in(conn, sql, {_keys.hash_key(d) for d in digests}))


def _has_blob(conn: sqlite3.Connection, digest: str) -> bool:
    sql = "SELECT 1 FROM blobs WHERE digest=? LIMIT 1"
    return conn.execute(sql, (digest,)).fetchone() is not None


def plan_batch(
    conn: sqlite3.Connection,
    items: list[tuple[dict[str, Any], bool]],
    prepared: list[Prepared | None] | None = None,
) -> tuple[list[Outcome], list[_Planned]]:
    """The outcome of each (record, same_capture) and the entries to write for the new ones.

    `prepared`, if given, holds each record's `prepare_line` (or None).
    """
    outcomes: list[Outcome] = []
    entries: list[_Planned] = []
    # What is stored already, in one query per table for the whole batch.
    ids = _stored_ids(conn, [r["id"] for r, _ in items])
    captures = _stored_captures(conn, [str(r.get("content_digest")) for r, s in items if s])
    blobs: set[str] = set()
    for k, (record, same_capture) in enumerate(items):
        capture = (str(record.get("canonical_url")), str(record.get("content_digest")))
        if record["id"] in ids or (same_capture and capture in captures):
            outcomes.append("duplicate")
            continue
        ids.add(record["id"])
        captures.add(capture)
        outcomes.append("stored")
        if not _inline(record):
            content, length = record["content"], record["content_length"]
            digest = str(record["content_digest"])
            if digest not in blobs and not _has_blob(conn, digest):
                blobs.add(digest)
                blob = {"content": content, "digest": digest, "length": length}
                entries.append(("blob", {"blob": blob}, None))
            bare = {key: v for key, v in record.items() if key != "content"}
            entries.append(("record", {"content_blob": digest, "record": bare}, None))
        else:
            line = None if prepared is None else prepared[k]
            entries.append(("record", {"record": record}, line))
    return outcomes, entries


def plan_capture(
    conn: sqlite3.Connection,
    record: dict[str, Any] | None,
    evidence: Sequence[bytes],
    events: Sequence[dict[str, Any]],
    supports: str | None,
) -> tuple[Outcome | None, list[_Planned]]:
    """The entries of one capture (see `Store.add_capture`): record, evidence, events.

    Nothing is written for a duplicate record; events and evidence must name
    a stored record or the new one (`RecordNotFound`).
    """
    record_id = None if record is None else str(record["id"])
    values = [evidence_entry(raw, record_id or supports) for raw in evidence]
    outcome: Outcome | None = None
    entries: list[_Planned] = []
    if record is not None:
        outcomes, entries = plan_batch(conn, [(record, False)])
        outcome = outcomes[0]
        if outcome == "duplicate":
            return outcome, []
    named = {supports, *(event.get("record_id") for event in events)} - {None, record_id}
    for other in sorted(str(n) for n in named):
        sql = f"SELECT 1 FROM records WHERE {_keys.BY_ID}"
        if conn.execute(sql, _keys.by_id(other)).fetchone() is None:
            raise RecordNotFound(f"no record with id {other!r}")
    entries += [("evidence", {"evidence": value}, None) for value in values]
    entries += [("event", {"event": event}, None) for event in events]
    return outcome, entries


# -- writing ------------------------------------------------------------------------


def write_batch(
    root: Path,
    conn: sqlite3.Connection,
    state: _index.IndexState,
    entries: list[_Planned],
    *,
    in_transaction: bool = False,
) -> Batch:
    """Append `entries` as one durable batch, then index it (writer lock held, index caught up).

    With `in_transaction`, the caller holds an open index transaction (a group
    commit, see `Store.group_commit`): the batch's rows join it instead of
    being committed on their own.
    """
    try:
        name, fd = _writable_segment(root, conn, state)
    except OSError as exc:
        raise write_failed(root, exc) from exc
    try:
        start = os.fstat(fd).st_size
        if _index.indexed_offset(conn, name) != start:
            raise StoreCorrupted(
                f"is {start} bytes but the index covers "
                f"{_index.indexed_offset(conn, name)}; writing is refused until "
                "`newsarchive store verify` / `store repair` deal with it",
                path=str(root / SEGMENTS / name),
            )
        seq = (conn.execute("SELECT max(seq) FROM batches").fetchone()[0] or 0) + 1
        lines = [entry_line(kind, value) if p is None else p[0] for kind, value, p in entries]
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
            _undo_write(root, fd, start, exc)
    finally:
        os.close(fd)
    batch = Batch(
        start,
        start + len(data),
        seq,
        digest,
        len(lines),
        tuple(
            Entry(kind, value, offset, line, None if p is None else p[1])
            for (kind, value, p), offset, line in zip(entries, offsets, lines, strict=True)
        ),
    )
    if in_transaction:
        _index.index_batch(conn, name, batch)
        return batch
    with _index._transaction(conn):  # noqa: SLF001 - same package
        # Readers catch up only under a shared lock, which they cannot get
        # while we hold ours; the guard keeps a durable batch from failing
        # on a duplicate insert should that rule ever be broken.
        if _index.indexed_offset(conn, name) < batch.end:
            _index.index_batch(conn, name, batch)
    return batch


def _undo_write(root: Path, fd: int, start: int, exc: OSError) -> NoReturn:
    # After a failed write or fsync nothing was acknowledged, and the page
    # cache may no longer hold what we wrote (a failed fsync can drop
    # dirty pages): cut the batch off so no reader ever trusts it.
    try:
        os.ftruncate(fd, start)
        os.fsync(fd)
    except OSError:
        pass  # the next writer truncates the torn tail instead
    raise write_failed(root, exc) from exc


def _writable_segment(
    root: Path, conn: sqlite3.Connection, state: _index.IndexState
) -> tuple[str, int]:
    """The segment to append to, after cleaning up a crash's traces (lock held)."""
    if state.ahead or state.blocked:
        if state.ahead:
            where = f"segment {state.ahead[0]} does not match the index"
        else:
            name, offset, why = state.blocked[0]
            where = f"segment {name}{f' at byte {offset}' if offset else ''}: {why}"
        raise StoreCorrupted(
            f"{where}; writing is refused until "
            "`newsarchive store verify` / `store repair` deal with it",
            path=str(root),
        )
    _remove_temp_files(root)
    directory = root / SEGMENTS
    names = segment_names(root)
    if names:
        name = names[-1]
        indexed = _index.indexed_offset(conn, name)
        fd = open_nofollow(directory / name, os.O_RDWR | os.O_APPEND)
        try:
            _clean_tail(root, fd, name, indexed)
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


def _clean_tail(root: Path, fd: int, name: str, indexed: int) -> None:
    """Cut off a torn tail after the last indexed batch; refuse anything else odd there."""
    if os.fstat(fd).st_size > indexed:
        _truncate_torn_tail(root, fd, name, indexed)
    if indexed and os.pread(fd, 1, indexed - 1) != b"\n":
        raise StoreCorrupted(
            "does not end its last batch with a line feed; "
            "writing is refused until `newsarchive store repair` deals with it",
            path=str(root / SEGMENTS / name),
        )


def _truncate_torn_tail(root: Path, fd: int, name: str, indexed: int) -> None:
    with os.fdopen(os.dup(fd), "rb") as f:
        items = list(scan(f, indexed, check=False))
    if len(items) != 1 or not isinstance(items[0], Tail) or not items[0].torn:
        raise StoreCorrupted(
            f"holds unexpected data after byte {indexed}; run `newsarchive store verify`",
            path=str(root / SEGMENTS / name),
        )
    os.ftruncate(fd, indexed)
    os.fsync(fd)


def _remove_temp_files(root: Path) -> None:
    for directory in (root, *(root / name for name in MANAGED_DIRS)):
        if not os.path.isdir(directory) or os.path.islink(directory):
            continue  # a managed directory not written yet (a symlink: never followed)
        for name in os.listdir(directory):
            path = directory / name
            if name.startswith(TEMP_PREFIX) and stat.S_ISREG(os.lstat(path).st_mode):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
