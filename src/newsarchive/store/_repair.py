"""`store repair --from OTHER`: put back damaged or missing batches, byte for byte, from a replica.

The index says where every committed batch was and which entry lines it held
(by their SHA-256). A batch whose bytes no longer check out is rebuilt from
the replica's copies of exactly those lines, found by their SHA-256 and
re-checked (a record must also pass validation: its `id`, `record_digest`
and `content_digest`); the rebuilt batch must hash to its commit. Only then
does it replace the damaged bytes, through a temp file, fsync and rename.
Batches that check out are never touched, so good data is never overwritten.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import orjson

from newsarchive._atomicfile import write_atomic
from newsarchive.errors import NewsArchiveError, StoreError
from newsarchive.store._layout import SEGMENTS, is_segment_name, open_segment
from newsarchive.store._segment import commit_line
from newsarchive.validation import validate

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    from newsarchive.store._index import IndexState

__all__ = ["RepairReport", "Replica", "repair_from", "unindexed_damage"]


class Replica(Protocol):
    """What repair reads from the other copy (a `Store` is one)."""

    @property
    def index(self) -> sqlite3.Connection: ...

    def read_line(self, segment: str, offset: int, length: int) -> bytes: ...

    def get(self, record_id: str) -> dict[str, Any]: ...


@attrs.define
class RepairReport:
    """Batches restored, and damage the replica could not fix (with why)."""

    restored: list[str] = attrs.field(factory=list)
    unrepaired: list[str] = attrs.field(factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": not self.unrepaired, "restored": self.restored, "unrepaired": self.unrepaired}


def _intact(data: bytes, count: int, seq: int, sha256: str) -> bool:
    commit = commit_line(count, seq, sha256)
    return data.endswith(commit) and hashlib.sha256(data[: -len(commit)]).hexdigest() == sha256


def _replica_line(replica: Replica, line_sha256: str) -> bytes | None:
    for segment, offset, length in replica.index.execute(
        "SELECT segment, offset, length FROM entries WHERE line_sha256=?", (line_sha256,)
    ):
        try:
            line = replica.read_line(segment, offset, length)
        except (NewsArchiveError, OSError):
            continue
        if _line_is_sound(replica, line):
            return line
    return None


def _line_is_sound(replica: Replica, line: bytes) -> bool:
    value = orjson.loads(line)
    if "record" not in value:
        return True  # blobs and events are vouched for by their line digest alone
    record = dict(value["record"])
    if "content_blob" in value:
        try:
            record["content"] = replica.get(record["id"])["content"]
        except (NewsArchiveError, OSError, KeyError):
            return False
    return not any(p.severity == "error" for p in validate(record))


def _rebuild(
    conn: sqlite3.Connection, replica: Replica, name: str, batch: tuple[int, int, int, int, str]
) -> bytes | str:
    # Only repair looks lines up by digest, so only a repair with work to do
    # pays for that index (once; IF NOT EXISTS makes the later calls no-ops).
    replica.index.execute("CREATE INDEX IF NOT EXISTS entries_line ON entries (line_sha256)")
    seq, start, end, count, sha256 = batch
    lines: list[bytes] = []
    pos = start
    for offset, length, line_sha256 in conn.execute(
        "SELECT offset, length, line_sha256 FROM entries "
        "WHERE segment=? AND offset>=? AND offset<? ORDER BY offset",
        (name, start, end),
    ):
        line = _replica_line(replica, line_sha256)
        if line is None or len(line) != length or offset != pos:
            return f"the replica has no sound copy of the entry at {name}@{offset}"
        lines.append(line)
        pos += length
    data = b"".join(lines) + commit_line(count, seq, sha256)
    if len(data) != end - start or not _intact(data, count, seq, sha256):
        return f"batch {seq} rebuilt from the replica does not match its commit"
    return data


def repair_from(root: Path, conn: sqlite3.Connection, replica: Replica) -> RepairReport:
    """Restore what the index `conn` of the store at `root` says is lost or damaged.

    The copies come from `replica`; the caller holds the store's writer lock.
    """
    report = RepairReport()
    for name, indexed in conn.execute(
        "SELECT name, indexed FROM segments ORDER BY name"
    ).fetchall():
        if not is_segment_name(name):  # never a path from a (possibly damaged) index
            report.unrepaired.append(f"the index names a segment {name!r} that cannot exist")
            continue
        path = root / SEGMENTS / name
        try:
            with os.fdopen(open_segment(path), "rb") as f:
                current = f.read()
        except FileNotFoundError:
            current = b""
        except StoreError as exc:
            if not os.path.islink(path):  # a directory, say: it may hold someone's files
                report.unrepaired.append(f"{name}: {exc.message}; move it away, then repair")
                continue
            current = b""  # a symlink planted where the segment was: never read, replaced
        # Bytes past the index (a lagging index, a torn tail) are kept as they are.
        fixed = bytearray(current.ljust(indexed, b"\0"))
        restored: list[str] = []
        missing_left = False  # a lost range nobody could restore: never write padding
        for batch in conn.execute(
            'SELECT seq, start, "end", entries, sha256 FROM batches WHERE segment=? ORDER BY start',
            (name,),
        ).fetchall():
            seq, start, end, count, sha256 = batch
            if _intact(current[start:end], count, seq, sha256):
                continue
            data = _rebuild(conn, replica, name, batch)
            if isinstance(data, str):
                report.unrepaired.append(data)
                missing_left = missing_left or end > len(current)
                continue
            fixed[start:end] = data
            restored.append(f"{name}@{start}: batch {seq} ({count} entries)")
        if restored and missing_left:
            report.unrepaired.extend(
                f"{line}: found but not written, the segment would keep a lost range"
                for line in restored
            )
        elif restored:
            if os.path.islink(path):  # the link itself goes; what it points at is not touched
                os.unlink(path)
            write_atomic(path, bytes(fixed))
            report.restored.extend(restored)
    return report


def unindexed_damage(state: IndexState) -> list[str]:
    """Damage past what the index covers: repair cannot know what was there."""
    return [
        f"{name}: the index does not cover it (it is gone, or shorter)" for name in state.ahead
    ] + [
        f"{name}@{offset}: {why} (not in the index: restore it by hand from a replica)"
        for name, offset, why in state.blocked
    ]
