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

A full audit also feeds the derived indexes' audits (`_derived.EntryAudit`:
the log's leaves) from the same reading: each chunk's process computes their
values for every entry it checks, and they are fed here in store order as
the chunks finish.
"""

from __future__ import annotations

import os
import sqlite3
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from newsarchive.store._chunkcheck import AuditValues, Chunk, check_chunk
from newsarchive.store._findings import Finding, VerifyReport
from newsarchive.store._index import read_only_uri
from newsarchive.store._layout import INDEX, SEGMENTS, is_regular, is_segment_name
from newsarchive.store._layoutcheck import layout_findings, whole_index_check

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from newsarchive.store._derived import EntryAudit

__all__ = ["verify_store"]

_CHUNK_BYTES: Final = 8 * 1024 * 1024
#: Chunks handed to the pool per worker ahead of the one being merged.
_IN_FLIGHT: Final = 3


def _chunks(root: Path, conn: sqlite3.Connection | None, names: list[str]) -> Iterator[Chunk]:
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
            yield Chunk(name, start, size if last else cuts[i + 1], last, final)


def verify_store(
    root: Path,
    *,
    jobs: int | None = None,
    sample: float = 1.0,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    fixity_only: bool = False,
    audits: Sequence[EntryAudit] = (),
) -> VerifyReport:
    """Audit the store at `root`; `progress` is called with bytes checked as chunks finish.

    `fixity_only`: check the bytes only (see the module docstring).
    `audits` are fed every batch's values (only by a full audit: sample 1).
    """
    if not 0.0 < sample <= 1.0:
        raise ValueError("sample must be a fraction in (0, 1]")
    if audits and (fixity_only or sample < 1.0):
        raise ValueError("derived indexes' audits need every batch parsed: a full audit")
    functions = tuple(audit.entry_function for audit in audits)

    def merge(part: VerifyReport, values: list[AuditValues]) -> None:
        report.merge(part)
        for place, per_function in values:
            for audit, entries in zip(audits, per_function, strict=True):
                audit.feed(place, entries)
        if progress is not None:
            progress(part.bytes)

    seed = seed if seed is not None else int(datetime.now(UTC).timestamp())
    report = VerifyReport(sample=sample, fixity_only=fixity_only)
    report.findings.extend(layout_findings(root))
    # Nothing is read through a segments/ that is gone or replaced (a layout finding).
    real = os.path.isdir(root / SEGMENTS) and not os.path.islink(root / SEGMENTS)
    names = sorted(n for n in os.listdir(root / SEGMENTS) if is_segment_name(n)) if real else []
    names = [n for n in names if is_regular(root / SEGMENTS / n)]
    conn: sqlite3.Connection | None = None
    has_index = is_regular(root / INDEX)
    foreign = not has_index and os.path.lexists(root / INDEX)  # a layout finding, not "no index"
    if has_index:
        try:
            conn = sqlite3.connect(read_only_uri(root / INDEX), uri=True)
            chunks = list(_chunks(root, conn, names))
        except sqlite3.DatabaseError as exc:
            report.findings.append(Finding("failure", "index-corrupt", INDEX, str(exc)))
            has_index, conn = False, None
        finally:
            if conn is not None:
                conn.close()
    if not has_index:
        chunks = list(_chunks(root, None, names))
    if not has_index and not foreign:
        report.findings.append(
            Finding("note", "no-index", INDEX, "no index; it is rebuilt from the segments on open")
        )
    workers = max(1, min(jobs or os.cpu_count() or 1, len(chunks) + has_index))
    if workers == 1:
        if has_index:
            report.findings.extend(whole_index_check(root, names, not fixity_only))
        for chunk in chunks:
            merge(*check_chunk(root, chunk, sample, seed, fixity_only, functions))
        return report
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # The whole-index check (integrity_check is slow on a large index)
        # runs beside the chunk checks, not before them.
        whole = pool.submit(whole_index_check, root, names, not fixity_only) if has_index else None
        # A few chunks in flight at a time, merged in store order as they finish:
        # results never pile up, so memory does not grow with the store.
        todo = iter(chunks)
        futures: deque[Future[tuple[VerifyReport, list[AuditValues]]]] = deque()
        while True:
            while len(futures) < _IN_FLIGHT * workers and (following := next(todo, None)):
                futures.append(
                    pool.submit(check_chunk, root, following, sample, seed, fixity_only, functions)
                )
            if not futures:
                break
            merge(*futures.popleft().result())
        if whole is not None:
            report.findings.extend(whole.result())
    return report
