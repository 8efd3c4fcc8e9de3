"""Checking an index's bucket table against its signatures (for `SimilarityIndex.check`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from newsarchive.similarity._lsh import bucket_rows
from newsarchive.similarity._minhash import Signature

if TYPE_CHECKING:
    import sqlite3

__all__ = ["bucket_problems"]

_BATCH: Final = 500


def bucket_problems(db: sqlite3.Connection, scheme: str, bands: int, rows: int) -> tuple[str, ...]:
    """Compare each key's bucket entries with its signature's, in one pass of each table.

    Per key, the count and the sums of the low and high 32 bits of its
    buckets (aggregated by SQLite) must equal those of the buckets its
    signature gives: a missing, extra or altered entry changes them. Both
    sides are read in key order and merged, so memory stays bounded.
    """
    got = db.execute(
        "SELECT doc, count(*), sum(bucket & 4294967295), sum(bucket >> 32) "
        "FROM buckets GROUP BY doc ORDER BY doc"
    )
    stored = db.execute("SELECT doc, sig FROM docs ORDER BY doc")
    orphans = wrong = 0
    pending = next(got, None)
    while batch := stored.fetchmany(_BATCH):
        docs = [doc for doc, _ in batch]
        sigs = [Signature(scheme, sig) for _, sig in batch]
        expected = dict.fromkeys(docs, (0, 0, 0))
        entries = bucket_rows(docs, sigs, bands, rows)
        if entries:
            buckets = np.array([b for b, _ in entries], dtype=np.int64)
            owners = np.array([d for _, d in entries], dtype=np.int64)
            order = np.argsort(owners, kind="stable")
            owners, buckets = owners[order], buckets[order]
            starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
            counts = np.diff(np.r_[starts, len(owners)])
            low = np.add.reduceat(buckets & 0xFFFFFFFF, starts)
            high = np.add.reduceat(buckets >> 32, starts)
            for doc, n, lo, hi in zip(
                owners[starts].tolist(),
                counts.tolist(),
                low.tolist(),
                high.tolist(),
                strict=True,
            ):
                expected[doc] = (n, lo, hi)
        for doc in docs:
            while pending is not None and pending[0] < doc:
                orphans += pending[1]
                pending = next(got, None)
            if pending is not None and pending[0] == doc:
                wrong += tuple(pending[1:]) != expected[doc]
                pending = next(got, None)
            else:
                wrong += expected[doc] != (0, 0, 0)
    while pending is not None:
        orphans += pending[1]
        pending = next(got, None)
    problems: list[str] = []
    if orphans:
        problems.append(f"{orphans} bucket entries of no indexed key")
    if wrong:
        problems.append(f"{wrong} keys whose bucket entries do not match their signature")
    return tuple(problems)
