"""The per-chunk checks of `store verify`: one run of whole batches against itself and the index.

Each chunk is checked in its own process (see `_verify`): it opens the index
read-only, streams its bytes, and returns its own `VerifyReport` to merge,
with the values the derived indexes' audits asked of each entry of each batch
it checked (`_derived.EntryAudit`).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from typing import TYPE_CHECKING, Any, Final

import attrs

from newsarchive.digest import Digest
from newsarchive.errors import NewsArchiveError
from newsarchive.store._chunkio import PREAD_MAX, Window, pread_all, sampled
from newsarchive.store._derived import BatchPlace, entry_function
from newsarchive.store._evidence import evidence_problems
from newsarchive.store._findings import Finding, VerifyReport
from newsarchive.store._index import (
    blob_row,
    event_row,
    evidence_row,
    read_only_uri,
    record_row,
    tag_keys,
)
from newsarchive.store._keys import BY_ID, by_id
from newsarchive.store._layout import INDEX, SEGMENTS, is_regular, open_nofollow
from newsarchive.store._segment import Batch, Damage, Entry, Tail, scan
from newsarchive.validation import validate

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["BLOB_REFERENCED", "CHUNK_QUERIES", "AuditValues", "Chunk", "check_chunk"]

#: A batch's place, and per entry function the values of its entries in order.
AuditValues = tuple[BatchPlace, list[list[bytes]]]


@attrs.frozen
class Chunk:
    segment: str
    start: int
    stop: int
    last: bool  # the chunk ends at the end of the segment's file
    final: bool = False  # ... and that is the last segment, where a crash may leave a tear


_PLACE: Final = "WHERE segment=? AND offset>=? AND offset<?"
#: The index rows of one chunk (segment, start, stop), table by table; each is
#: answered through an index by place (a test checks the query plans).
CHUNK_QUERIES: Final = {
    "entries": f"SELECT offset, length, line_sha256 FROM entries {_PLACE}",
    "records": f"SELECT * FROM records {_PLACE}",
    "tags": f"SELECT record_id, tag FROM tags {_PLACE}",
    "blobs": f"SELECT * FROM blobs {_PLACE}",
    "events": f"SELECT * FROM events {_PLACE}",
    "evidence": f"SELECT * FROM evidence {_PLACE}",
}
#: Whether any record points at a blob (per blob entry, through `records_blob`).
BLOB_REFERENCED: Final = "SELECT 1 FROM records WHERE content_blob=? LIMIT 1"


_DAMAGED: Final = object()  # what `_ChunkCheck.row` answers for an index that fails


class _ChunkCheck:
    """Checks one chunk of a segment against itself and the (read-only) index."""

    def __init__(
        self,
        root: Path,
        chunk: Chunk,
        sample: float,
        seed: int,
        fixity_only: bool,
        functions: tuple[str, ...] = (),
    ) -> None:
        self.root = root
        self.chunk = chunk
        self.sample = sample
        self.seed = seed
        self.fixity_only = fixity_only
        self.report = VerifyReport(sample=sample, fixity_only=fixity_only)
        self.functions = [entry_function(name) for name in functions]
        self.values: list[AuditValues] = []
        self.conn: sqlite3.Connection | None = None
        self.indexed = 0  # the index covers this segment up to here; past it, it lags
        if is_regular(root / INDEX):
            try:
                self.conn = sqlite3.connect(read_only_uri(root / INDEX), uri=True)
                sql = "SELECT indexed FROM segments WHERE name=?"
                row = self.conn.execute(sql, (chunk.segment,)).fetchone()
                self.indexed = 0 if row is None else int(row[0])
            except sqlite3.Error:
                self.conn = None

    def fail(
        self, code: str, offset: int | None, message: str, record_id: str | None = None
    ) -> None:
        where = self.chunk.segment + ("" if offset is None else f"@{offset}")
        self.report.findings.append(Finding("failure", code, where, message, record_id))

    def row(self, sql: str, *params: Any) -> Any:
        """The index's row, None if it has none, or `_DAMAGED` if the index fails to answer.

        A damaged index is not consulted again in this chunk (the whole-index
        check reports it), and what it could not answer is not a finding.
        """
        if self.conn is None:
            return None
        try:
            return self.conn.execute(sql, params).fetchone()
        except sqlite3.DatabaseError:
            self.conn.close()
            self.conn = None
            return _DAMAGED

    def indexed_at(self, offset: int) -> bool:
        """Whether the index should know about this offset (it may lag past `indexed`)."""
        return self.conn is not None and offset < self.indexed

    def _load_index_rows(self) -> None:
        # One query per table for the whole chunk instead of one per entry,
        # each through an index by place (see CHUNK_QUERIES): bounded by the
        # chunk's size, never by the store's.
        self.entry_rows: dict[int, tuple[int, str]] = {}
        self.record_rows: dict[str, tuple[Any, ...]] = {}
        self.tag_rows: dict[str, list[str]] = {}
        self.blob_rows: dict[int, tuple[Any, ...]] = {}
        self.event_rows: dict[int, tuple[Any, ...]] = {}
        self.evidence_rows: dict[int, tuple[Any, ...]] = {}
        if self.conn is None or self.fixity_only:
            return
        c = self.chunk
        span = (c.segment, c.start, c.stop)
        for offset, length, digest in self.conn.execute(CHUNK_QUERIES["entries"], span):
            self.entry_rows[offset] = (length, digest)
        for row in self.conn.execute(CHUNK_QUERIES["records"], span):
            self.record_rows[row[0]] = tuple(row)
        for record_id, tag in self.conn.execute(CHUNK_QUERIES["tags"], span):
            self.tag_rows.setdefault(record_id, []).append(tag)
        for row in self.conn.execute(CHUNK_QUERIES["blobs"], span):
            self.blob_rows[row[2]] = tuple(row)
        for row in self.conn.execute(CHUNK_QUERIES["events"], span):
            self.event_rows[row[6]] = tuple(row)
        for row in self.conn.execute(CHUNK_QUERIES["evidence"], span):
            self.evidence_rows[row[6]] = tuple(row)

    def run(self) -> VerifyReport:
        c = self.chunk
        try:
            self._load_index_rows()
        except sqlite3.DatabaseError:
            if self.conn is not None:  # a damaged index: the whole-index check reports it
                self.conn.close()
            self.conn = None
        seen: set[int] = set()
        damaged: list[tuple[int, int]] = []  # byte ranges reported as damaged
        with self._open() as f:
            for item in self._scan(f):
                if isinstance(item, Batch):
                    seen.add(item.seq)
                    self.batch(item)
                elif isinstance(item, Damage):
                    damaged.append((item.start, item.end))
                    self.fail(
                        "damaged", item.start, f"bytes {item.start}-{item.end}: {item.reason}"
                    )
                elif item.torn and c.final:
                    self.report.findings.append(
                        Finding(
                            "note",
                            "torn-tail",
                            f"{c.segment}@{item.start}",
                            f"{item.end - item.start} bytes of an interrupted write after the "
                            "last commit; the next writer removes them",
                        )
                    )
                else:
                    damaged.append((item.start, item.end))
                    self.fail(
                        "damaged", item.start, f"bytes {item.start}-{item.end}: {item.reason}"
                    )
        self.report.bytes += c.stop - c.start
        self.index_extra(seen, damaged)
        if self.conn is not None:
            self.conn.close()
        return self.report

    def _open(self) -> Any:
        """The chunk's bytes: read with one `pread` (a stream for an unusually large chunk)."""
        c = self.chunk
        fd = open_nofollow(self.root / SEGMENTS / c.segment, os.O_RDONLY)
        if c.stop - c.start > PREAD_MAX:
            return os.fdopen(fd, "rb")
        try:
            return Window(pread_all(fd, c.stop - c.start, c.start), c.start)
        finally:
            os.close(fd)

    def _scan(self, f: Any) -> Iterator[Batch | Damage | Tail]:
        # Sampling decides per batch; a batch not sampled is only parsed for structure.
        if self.sample >= 1.0:
            yield from scan(f, self.chunk.start, self.chunk.stop, parse=not self.fixity_only)
            return
        for item in scan(f, self.chunk.start, self.chunk.stop, check=False):
            if isinstance(item, Batch) and sampled(
                self.sample, self.seed, self.chunk.segment, item.start
            ):
                checked = list(scan(f, item.start, item.end, parse=not self.fixity_only))
                f.seek(item.end)
                yield from checked
            elif isinstance(item, Batch):
                self.report.unchecked_batches += 1
                yield attrs.evolve(item, checked=False)
            else:
                yield item

    def batch(self, batch: Batch) -> None:
        self.report.batches += 1
        seg = self.chunk.segment
        if self.indexed_at(batch.start):
            row = self.row(
                'SELECT segment, start, "end", sha256 FROM batches WHERE seq=?', batch.seq
            )
            if row is _DAMAGED:
                pass
            elif row is None:
                self.fail("index-missing", batch.start, f"batch {batch.seq} is not in the index")
            elif tuple(row) != (seg, batch.start, batch.end, batch.sha256):
                self.fail(
                    "index-mismatch",
                    batch.start,
                    f"the index places batch {batch.seq} at {row[0]}@{row[1]}-{row[2]}",
                )
        if not batch.checked:
            return
        if self.functions:
            place = (batch.seq, seg, batch.start, batch.end)
            values = [[f(entry.value) for entry in batch.entries] for f in self.functions]
            self.values.append((place, values))
        self.report.entries += batch.count
        for entry in batch.entries:
            if entry.kind == "record":
                self.record(entry)
            elif entry.kind == "blob":
                self.blob(entry)
            elif entry.kind == "evidence":
                self.evidence(entry)
            else:
                self.event(entry)
            if self.indexed_at(entry.offset):
                row = self.entry_rows.get(entry.offset)
                if row is None or row != (len(entry.line), hashlib.sha256(entry.line).hexdigest()):
                    self.fail("index-mismatch", entry.offset, "the index holds another entry here")

    def record(self, entry: Entry) -> None:
        self.report.records += 1
        record = entry.value["record"]
        record_id = record.get("id") if isinstance(record.get("id"), str) else None
        blob = entry.value.get("content_blob")
        if blob is not None:
            if "content" in record:
                self.fail("bad-entry", entry.offset, "record holds content and a blob", record_id)
            if record.get("content_digest") != blob:
                self.fail("bad-entry", entry.offset, "blob is not the record's content", record_id)
            if (
                self.indexed_at(entry.offset)
                and self.row("SELECT 1 FROM blobs WHERE digest=?", blob) is None
            ):
                self.fail(
                    "missing-content",
                    entry.offset,
                    f"content {blob} is not in the store",
                    record_id,
                )
        for problem in validate(record):
            if problem.severity == "error":
                self.fail(
                    "invalid-record",
                    entry.offset,
                    f"{problem.pointer or '/'} {problem.code}: {problem.message}",
                    record_id,
                )
        if (
            self.indexed_at(entry.offset)
            and record_id is not None
            and self.record_rows.get(record_id, (None,) * 9)[8] != entry.offset
        ):
            row = self.row(f"SELECT segment, offset FROM records WHERE {BY_ID}", *by_id(record_id))
            if row is None:
                self.fail("index-missing", entry.offset, "record is not in the index", record_id)
            elif row is not _DAMAGED and tuple(row) != (self.chunk.segment, entry.offset):
                self.fail(
                    "duplicate-id",
                    entry.offset,
                    f"record also stored at {row[0]}@{row[1]}",
                    record_id,
                )
        elif self.indexed_at(entry.offset) and record_id is not None:
            # The index row and tags must say what the data says, or lookups
            # (find, duplicate checks) would silently go wrong.
            same_row = self.record_rows[record_id] == record_row(self.chunk.segment, entry)
            same_tags = sorted(self.tag_rows.get(record_id, [])) == sorted(tag_keys(entry))
            if not (same_row and same_tags):
                self.fail(
                    "index-mismatch",
                    entry.offset,
                    "the index row of this record disagrees with the data",
                    record_id,
                )

    def blob(self, entry: Entry) -> None:
        self.report.blobs += 1
        blob = entry.value["blob"]
        content, digest, length = blob.get("content"), blob.get("digest"), blob.get("length")
        try:
            expected = Digest.parse(digest)
            data = content.encode("utf-8")
        except (NewsArchiveError, AttributeError, TypeError, UnicodeEncodeError):
            self.fail("bad-entry", entry.offset, "blob entry is malformed")
            return
        if len(data) != length or not expected.matches(data):
            self.fail("corrupt-content", entry.offset, f"content {digest} does not match it")
        if self.indexed_at(entry.offset) and self.blob_rows.get(entry.offset) != blob_row(
            self.chunk.segment, entry
        ):
            self.fail("index-mismatch", entry.offset, f"the index row of content {digest} differs")
        if self.indexed_at(entry.offset):
            referenced = self.row(BLOB_REFERENCED, digest)
            if referenced is None:
                self.fail("orphan-content", entry.offset, f"no record points at content {digest}")

    def event(self, entry: Entry) -> None:
        self.report.events += 1
        event = entry.value["event"]
        record_id = event.get("record_id")
        if self.indexed_at(entry.offset) and self.event_rows.get(entry.offset) != event_row(
            self.chunk.segment, entry
        ):
            self.fail("index-mismatch", entry.offset, "the index row of this event differs")
        if (
            record_id is not None
            and self.indexed_at(entry.offset)
            and self.row(f"SELECT 1 FROM records WHERE {BY_ID}", *by_id(record_id)) is None
        ):
            self.fail(
                "dangling-event",
                entry.offset,
                f"event refers to record {record_id!r}, which is not stored",
                record_id if isinstance(record_id, str) else None,
            )

    def evidence(self, entry: Entry) -> None:
        self.report.evidence += 1
        value = entry.value["evidence"]
        record_id = value.get("record_id")
        rid = record_id if isinstance(record_id, str) else None
        for code, message in evidence_problems(value):
            self.fail(code, entry.offset, message, rid)
        if not self.indexed_at(entry.offset):
            return
        if self.evidence_rows.get(entry.offset) != evidence_row(self.chunk.segment, entry):
            self.fail("index-mismatch", entry.offset, "the index row of this evidence differs", rid)
        if record_id is None:
            return
        if self.row(f"SELECT 1 FROM records WHERE {BY_ID}", *by_id(record_id)) is None:
            self.fail(
                "dangling-evidence",
                entry.offset,
                f"evidence supports record {record_id!r}, which is not stored",
                rid,
            )

    def index_extra(self, seen: set[int], damaged: list[tuple[int, int]]) -> None:
        """Index batches placed in this chunk that the segment does not hold.

        A batch whose bytes are reported as damaged is not reported again.
        """
        if self.conn is None:
            return
        c = self.chunk
        # The segment's last chunk also owns batches the index places at or past
        # its end: whole batches lost from the end (truncated, rolled back).
        stop = c.stop if not c.last else 2**62
        try:
            rows = self.conn.execute(
                'SELECT seq, start, "end" FROM batches WHERE segment=? AND start>=? AND start<?',
                (c.segment, c.start, stop),
            ).fetchall()
        except sqlite3.DatabaseError:
            return  # a damaged index: the whole-index check reports it
        for seq, start, end in rows:
            if seq in seen or any(a < end and start < b for a, b in damaged):
                continue
            if end > c.stop and os.lstat(self.root / SEGMENTS / c.segment).st_size >= end:
                continue  # a writer finished this batch after the audit planned its reading
            self.fail(
                "index-ahead",
                start,
                f"the index lists batch {seq} here, which the segment does not hold",
            )


def check_chunk(
    root: Path,
    chunk: Chunk,
    sample: float,
    seed: int,
    fixity_only: bool,
    functions: tuple[str, ...] = (),
) -> tuple[VerifyReport, list[AuditValues]]:
    """The chunk's report, and each checked batch's values of the entry `functions`."""
    check = _ChunkCheck(root, chunk, sample, seed, fixity_only, functions)
    return check.run(), check.values
