"""`store verify`: re-read, re-hash and re-check everything; report every finding.

With `fixity_only`, only the fixity of the bytes is checked, as `bagit.py
--validate` checks a manifest: every batch re-hashed against its commit line,
the layout, and the index's list of segments and batches (so a lost segment
or batch is found); records are not parsed, re-validated or compared with
their index rows, and SQLite's integrity check is skipped.

Work is split into chunks of whole batches (from the index) and checked in
parallel processes; each chunk streams its bytes, so memory stays flat in the
store's size. A finding is a *failure* unless it is a trace a crash leaves
(a torn tail, a temp file, an index that lags): those are *notes*.
Verification never writes to the store; the caller appends the audit event.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import zlib
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from newsarchive.digest import Digest
from newsarchive.errors import NewsArchiveError
from newsarchive.store._index import blob_row, event_row, record_row, tag_keys
from newsarchive.store._layout import (
    INDEX,
    LOCK,
    MARKER,
    MARKER_BYTES,
    SEGMENTS,
    TEMP_PREFIX,
    index_files,
    is_segment_name,
    open_nofollow,
)
from newsarchive.store._segment import Batch, Damage, Entry, Tail, scan
from newsarchive.validation import validate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

__all__ = ["Finding", "VerifyReport", "verify_store"]

_CHUNK_BYTES: Final = 8 * 1024 * 1024


@attrs.frozen
class Finding:
    """One thing `store verify` found: where, what, and whether it is a failure or a note."""

    severity: Literal["failure", "note"]
    code: str
    where: str
    message: str
    record_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class VerifyReport:
    """The outcome of one audit."""

    findings: list[Finding] = attrs.field(factory=list)
    records: int = 0
    blobs: int = 0
    events: int = 0
    batches: int = 0
    unchecked_batches: int = 0
    bytes: int = 0
    sample: float = 1.0
    fixity_only: bool = False
    #: Entries in the batches re-hashed (all kinds; the only count a fixity-only audit has).
    entries: int = 0

    @property
    def ok(self) -> bool:
        return not any(f.severity == "failure" for f in self.findings)

    @property
    def full(self) -> bool:
        return self.sample >= 1.0 and self.unchecked_batches == 0 and not self.fixity_only

    def merge(self, other: VerifyReport) -> None:
        self.findings.extend(other.findings)
        self.records += other.records
        self.blobs += other.blobs
        self.events += other.events
        self.batches += other.batches
        self.unchecked_batches += other.unchecked_batches
        self.bytes += other.bytes
        self.entries += other.entries

    def to_dict(self) -> dict[str, Any]:
        failures = sum(f.severity == "failure" for f in self.findings)
        return {
            "ok": self.ok,
            "full": self.full,
            "sample": self.sample,
            "fixity_only": self.fixity_only,
            "entries": self.entries,
            "records": self.records,
            "blobs": self.blobs,
            "events": self.events,
            "batches": self.batches,
            "bytes": self.bytes,
            "failures": failures,
            "notes": len(self.findings) - failures,
            "findings": [f.to_dict() for f in self.findings],
        }


@attrs.frozen
class _Chunk:
    segment: str
    start: int
    stop: int
    last: bool  # the chunk ends at the end of the segment's file
    final: bool = False  # ... and that is the last segment, where a crash may leave a tear


def _sampled(sample: float, seed: int, segment: str, start: int) -> bool:
    if sample >= 1.0:
        return True
    return zlib.crc32(f"{seed}:{segment}:{start}".encode()) < sample * 2**32


class _ChunkCheck:
    """Checks one chunk of a segment against itself and the (read-only) index."""

    def __init__(
        self, root: Path, chunk: _Chunk, sample: float, seed: int, fixity_only: bool
    ) -> None:
        self.root = root
        self.chunk = chunk
        self.sample = sample
        self.seed = seed
        self.fixity_only = fixity_only
        self.report = VerifyReport(sample=sample, fixity_only=fixity_only)
        self.conn: sqlite3.Connection | None = None
        self.indexed = 0  # the index covers this segment up to here; past it, it lags
        if (root / INDEX).exists():
            try:
                self.conn = sqlite3.connect(f"file:{root / INDEX}?mode=ro", uri=True)
                row = self.row("SELECT indexed FROM segments WHERE name=?", chunk.segment)
                self.indexed = 0 if row is None else int(row[0])
            except sqlite3.Error:
                self.conn = None

    def fail(
        self, code: str, offset: int | None, message: str, record_id: str | None = None
    ) -> None:
        where = self.chunk.segment + ("" if offset is None else f"@{offset}")
        self.report.findings.append(Finding("failure", code, where, message, record_id))

    def row(self, sql: str, *params: Any) -> Any:
        if self.conn is None:
            return None
        return self.conn.execute(sql, params).fetchone()

    def indexed_at(self, offset: int) -> bool:
        """Whether the index should know about this offset (it may lag past `indexed`)."""
        return self.conn is not None and offset < self.indexed

    def _load_index_rows(self) -> None:
        # One query per table for the whole chunk instead of one per entry:
        # bounded by the chunk's size, and several times faster.
        c = self.chunk
        self.entry_rows: dict[int, tuple[int, str]] = {}
        self.record_rows: dict[str, tuple[Any, ...]] = {}
        self.tag_rows: dict[str, list[str]] = {}
        self.blob_rows: dict[int, tuple[Any, ...]] = {}
        self.event_rows: dict[int, tuple[Any, ...]] = {}
        if self.conn is None or self.fixity_only:
            return
        where = "WHERE segment=? AND offset>=? AND offset<?"
        span = (c.segment, c.start, c.stop)
        sql = f"SELECT offset, length, line_sha256 FROM entries {where}"
        for offset, length, digest in self.conn.execute(sql, span):
            self.entry_rows[offset] = (length, digest)
        for row in self.conn.execute(f"SELECT * FROM records {where}", span):
            self.record_rows[row[0]] = tuple(row)
        sql = f"SELECT record_id, tag FROM tags WHERE record_id IN (SELECT id FROM records {where})"
        for record_id, tag in self.conn.execute(sql, span):
            self.tag_rows.setdefault(record_id, []).append(tag)
        for row in self.conn.execute(f"SELECT * FROM blobs {where}", span):
            self.blob_rows[row[2]] = tuple(row)
        sql = f"SELECT * FROM events {where}"
        for row in self.conn.execute(sql, span):
            self.event_rows[row[6]] = tuple(row)

    def run(self) -> VerifyReport:
        c = self.chunk
        try:
            self._load_index_rows()
        except sqlite3.DatabaseError:
            if self.conn is not None:  # a damaged index: the whole-index check reports it
                self.conn.close()
            self.conn = None
        seen: set[int] = set()
        with os.fdopen(open_nofollow(self.root / SEGMENTS / c.segment, os.O_RDONLY), "rb") as f:
            for item in self._scan(f):
                if isinstance(item, Batch):
                    seen.add(item.seq)
                    self.batch(item)
                elif isinstance(item, Damage):
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
                    self.fail(
                        "damaged", item.start, f"bytes {item.start}-{item.end}: {item.reason}"
                    )
        self.report.bytes += c.stop - c.start
        self.index_extra(seen)
        if self.conn is not None:
            self.conn.close()
        return self.report

    def _scan(self, f: Any) -> Iterator[Batch | Damage | Tail]:
        # Sampling decides per batch; a batch not sampled is only parsed for structure.
        if self.sample >= 1.0:
            yield from scan(f, self.chunk.start, self.chunk.stop, parse=not self.fixity_only)
            return
        for item in scan(f, self.chunk.start, self.chunk.stop, check=False):
            if isinstance(item, Batch) and _sampled(
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
            if row is None:
                self.fail("index-missing", batch.start, f"batch {batch.seq} is not in the index")
            elif tuple(row) != (seg, batch.start, batch.end, batch.sha256):
                self.fail(
                    "index-mismatch",
                    batch.start,
                    f"the index places batch {batch.seq} at {row[0]}@{row[1]}-{row[2]}",
                )
        if not batch.checked:
            return
        self.report.entries += batch.count
        for entry in batch.entries:
            if entry.kind == "record":
                self.record(entry)
            elif entry.kind == "blob":
                self.blob(entry)
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
            row = self.row("SELECT segment, offset FROM records WHERE id=?", record_id)
            if row is None:
                self.fail("index-missing", entry.offset, "record is not in the index", record_id)
            elif tuple(row) != (self.chunk.segment, entry.offset):
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
            referenced = self.row("SELECT 1 FROM records WHERE content_blob=? LIMIT 1", digest)
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
            and self.row("SELECT 1 FROM records WHERE id=?", record_id) is None
        ):
            self.fail(
                "dangling-event",
                entry.offset,
                f"event refers to record {record_id!r}, which is not stored",
                record_id if isinstance(record_id, str) else None,
            )

    def index_extra(self, seen: set[int]) -> None:
        """Index batches placed in this chunk that the segment does not hold."""
        if self.conn is None:
            return
        c = self.chunk
        rows = self.conn.execute(
            'SELECT seq, start, "end" FROM batches WHERE segment=? AND start>=? AND start<?',
            (c.segment, c.start, c.stop),
        ).fetchall()
        for seq, start, end in rows:
            if seq in seen:
                continue
            if end > c.stop and os.lstat(self.root / SEGMENTS / c.segment).st_size >= end:
                continue  # a writer finished this batch after the audit planned its reading
            self.fail(
                "index-ahead",
                start,
                f"the index lists batch {seq} here, which the segment does not hold",
            )


def _check_chunk(
    root: Path, chunk: _Chunk, sample: float, seed: int, fixity_only: bool
) -> VerifyReport:
    return _ChunkCheck(root, chunk, sample, seed, fixity_only).run()


def _chunks(root: Path, conn: sqlite3.Connection | None, names: list[str]) -> Iterator[_Chunk]:
    """Split segments into runs of whole batches of about _CHUNK_BYTES (from the index)."""
    for name in names:
        size = os.lstat(root / SEGMENTS / name).st_size
        cuts = [0]
        if conn is not None:
            for (end,) in conn.execute(
                'SELECT "end" FROM batches WHERE segment=? ORDER BY start', (name,)
            ):
                if end - cuts[-1] >= _CHUNK_BYTES and end < size:
                    cuts.append(end)
        for i, start in enumerate(cuts):
            last = i == len(cuts) - 1
            final = last and name == names[-1]
            yield _Chunk(name, start, size if last else cuts[i + 1], last, final)


def _layout_findings(root: Path) -> Iterator[Finding]:
    """Files that should not be there, symlinks, a wrong marker, leftover temp files."""
    allowed = {MARKER, LOCK, SEGMENTS, *index_files()}
    for directory, names in (
        (root, os.listdir(root)),
        (root / SEGMENTS, os.listdir(root / SEGMENTS)),
    ):
        for name in sorted(names):
            path = directory / name
            mode = os.lstat(path).st_mode
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(mode):
                yield Finding(
                    "failure", "symlink", rel, "symlink inside the store (never followed)"
                )
            elif name.startswith(TEMP_PREFIX) and stat.S_ISREG(mode):
                yield Finding(
                    "note",
                    "temp-file",
                    rel,
                    "temp file of an interrupted write; the next writer removes it",
                )
            elif directory == root and name not in allowed:
                yield Finding("failure", "unknown-file", rel, "not part of the store layout")
            elif directory != root and not (is_segment_name(name) and stat.S_ISREG(mode)):
                yield Finding("failure", "unknown-file", rel, "not a segment file")
    try:
        with os.fdopen(open_nofollow(root / MARKER, os.O_RDONLY), "rb") as f:
            marker = f.read(1024)
    except OSError:
        marker = b""
    if marker != MARKER_BYTES:
        yield Finding("failure", "bad-marker", MARKER, "the store marker is missing or altered")


def _index_findings(
    conn: sqlite3.Connection, root: Path, names: list[str], integrity: bool
) -> Iterator[Finding]:
    """Whole-store checks that need the index: integrity, lag, missing segments, batch order."""
    # integrity_check, not quick_check: only it checks that SQLite's own
    # indexes agree with their tables (a flipped row id in the id index).
    result = conn.execute("PRAGMA integrity_check").fetchone() if integrity else ("ok",)
    if result is None or result[0] != "ok":
        yield Finding("failure", "index-corrupt", INDEX, f"SQLite integrity_check: {result}")
    for (name,) in conn.execute("SELECT name FROM segments ORDER BY name"):
        if name not in names:
            yield Finding(
                "failure", "missing-segment", name, "the index lists it; the file is gone"
            )
    for name in names:
        row = conn.execute("SELECT indexed FROM segments WHERE name=?", (name,)).fetchone()
        size = os.lstat(root / SEGMENTS / name).st_size
        if size and (row is None or row[0] < size):
            yield Finding(
                "note",
                "index-lags",
                name,
                "the index does not cover the end of this segment yet; it catches up on the "
                "next open (or a torn tail is noted above)",
            )
    expected = 1
    for (seq,) in conn.execute("SELECT seq FROM batches ORDER BY seq"):
        if seq != expected:
            yield Finding(
                "failure", "missing-batch", INDEX, f"batches {expected}..{seq - 1} are missing"
            )
        expected = seq + 1
    for record_id, blob in conn.execute(
        "SELECT id, content_blob FROM records WHERE content_blob IS NOT NULL "
        "AND content_blob NOT IN (SELECT digest FROM blobs)"
    ):
        yield Finding(
            "failure", "missing-content", INDEX, f"content {blob} is not stored", record_id
        )


def verify_store(
    root: Path,
    *,
    jobs: int | None = None,
    sample: float = 1.0,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    fixity_only: bool = False,
) -> VerifyReport:
    """Audit the store at `root`; `progress` is called with bytes checked as chunks finish.

    `fixity_only`: check the bytes only (see the module docstring).
    """
    if not 0.0 < sample <= 1.0:
        raise ValueError("sample must be a fraction in (0, 1]")
    seed = seed if seed is not None else int(datetime.now(UTC).timestamp())
    report = VerifyReport(sample=sample, fixity_only=fixity_only)
    report.findings.extend(_layout_findings(root))
    names = sorted(n for n in os.listdir(root / SEGMENTS) if is_segment_name(n))
    names = [n for n in names if stat.S_ISREG(os.lstat(root / SEGMENTS / n).st_mode)]
    conn: sqlite3.Connection | None = None
    has_index = (root / INDEX).exists()
    if has_index:
        try:
            conn = sqlite3.connect(f"file:{root / INDEX}?mode=ro", uri=True)
            chunks = list(_chunks(root, conn, names))
        except sqlite3.DatabaseError as exc:
            report.findings.append(Finding("failure", "index-corrupt", INDEX, str(exc)))
            has_index, conn = False, None
        finally:
            if conn is not None:
                conn.close()
    if not has_index:
        chunks = list(_chunks(root, None, names))
        report.findings.append(
            Finding("note", "no-index", INDEX, "no index; it is rebuilt from the segments on open")
        )
    workers = max(1, min(jobs or os.cpu_count() or 1, len(chunks) + has_index))
    if workers == 1:
        if has_index:
            report.findings.extend(_whole_index_check(root, names, not fixity_only))
        for chunk in chunks:
            part = _check_chunk(root, chunk, sample, seed, fixity_only)
            report.merge(part)
            if progress is not None:
                progress(part.bytes)
        return report
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # The whole-index check (integrity_check is slow on a large index)
        # runs beside the chunk checks, not before them.
        whole = pool.submit(_whole_index_check, root, names, not fixity_only) if has_index else None
        futures = [pool.submit(_check_chunk, root, c, sample, seed, fixity_only) for c in chunks]
        for future in futures:
            part = future.result()
            report.merge(part)
            if progress is not None:
                progress(part.bytes)
        if whole is not None:
            report.findings.extend(whole.result())
    return report


def _whole_index_check(root: Path, names: list[str], integrity: bool) -> list[Finding]:
    try:
        conn = sqlite3.connect(f"file:{root / INDEX}?mode=ro", uri=True)
        try:
            return list(_index_findings(conn, root, names, integrity))
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return [Finding("failure", "index-corrupt", INDEX, str(exc))]


def fixity_event(report: VerifyReport, agent: str, now: datetime) -> dict[str, Any]:
    """The PREMIS-style event an audit appends to the store."""
    failures = sum(f.severity == "failure" for f in report.findings)
    return {
        "type": "fixity-check",
        "record_id": None,
        "at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "agent": agent,
        "outcome": "success" if report.ok else "failure",
        "full": report.full,
        "detail": {
            "sample": report.sample,
            "fixity_only": report.fixity_only,
            "entries": report.entries,
            "records": report.records,
            "blobs": report.blobs,
            "events": report.events,
            "batches": report.batches,
            "bytes": report.bytes,
            "failures": failures,
            "notes": len(report.findings) - failures,
        },
    }
