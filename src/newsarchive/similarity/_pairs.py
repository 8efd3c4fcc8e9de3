"""All pairs of an index: candidates that share a bucket, and those above a threshold.

Pairs come from one scan of the bucket table in bucket order. A bucket with
more than `big` members (a band whose minimum values are very common
3-grams) would give big²/2 candidate pairs to hold and check; its members
are instead each queried like `query_key` (reading every bucket of theirs),
which finds the same pairs above the threshold in bounded memory. Every pair
is reported once, as (smaller key, larger key, estimate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from newsarchive.similarity._lsh import bucket_matrix

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator

__all__ = ["bucket_pairs", "similar_pairs"]

#: Buckets with more members than this are resolved member by member.
BIG_BUCKET: Final = 1000
_BATCH: Final = 500


def bucket_pairs(db: sqlite3.Connection, big: int | None) -> tuple[set[tuple[int, int]], set[int]]:
    """(doc pairs sharing a bucket of at most `big` members, docs in bigger buckets)."""
    pairs: set[tuple[int, int]] = set()
    in_big: set[int] = set()
    group: list[int] = []
    current = None
    shared = db.execute(
        "SELECT bucket, doc FROM buckets WHERE bucket IN "
        "(SELECT bucket FROM buckets GROUP BY bucket HAVING count(*) > 1) "
        "ORDER BY bucket, doc"
    )
    for bucket, doc in [*shared, (None, None)]:
        if bucket != current:
            if big is not None and len(group) > big:
                in_big.update(group)
            else:
                for i, a in enumerate(group):
                    pairs.update((a, b) for b in group[i + 1 :])
            group, current = [], bucket
        group.append(doc)
    return pairs, in_big


def _rows(db: sqlite3.Connection, docs: list[int]) -> dict[int, tuple[str, bytes]]:
    found: dict[int, tuple[str, bytes]] = {}
    for start in range(0, len(docs), _BATCH):
        chunk = docs[start : start + _BATCH]
        marks = ",".join("?" * len(chunk))
        for doc, key, sig in db.execute(
            f"SELECT doc, key, sig FROM docs WHERE doc IN ({marks})",  # noqa: S608
            chunk,
        ):
            found[doc] = (key, sig)
    return found


def similar_pairs(
    db: sqlite3.Connection, *, bands: int, rows: int, threshold: float
) -> Iterator[tuple[str, str, float]]:
    """Each pair of keys whose estimated Jaccard is >= threshold, once."""
    pairs, in_big = bucket_pairs(db, BIG_BUCKET)
    known = _rows(db, sorted({d for pair in pairs for d in pair}))
    sigs = {doc: np.frombuffer(sig, dtype="<u4") for doc, (_, sig) in known.items()}
    for a, b in sorted(pairs):
        estimate = float(np.count_nonzero(sigs[a] == sigs[b])) / len(sigs[a])
        if estimate >= threshold:
            yield _ordered(known[a][0], known[b][0], estimate)
    del sigs, known
    for doc in sorted(in_big):
        (key, sig), = _rows(db, [doc]).values()  # fmt: skip
        values = np.frombuffer(sig, dtype="<u4")
        buckets = bucket_matrix(values.reshape(1, -1), bands, rows)[0].tolist()
        marks = ",".join("?" * len(buckets))
        found = db.execute(
            "SELECT doc, key, sig FROM docs WHERE doc IN "  # noqa: S608 - only placeholders
            f"(SELECT DISTINCT doc FROM buckets WHERE bucket IN ({marks}))",
            buckets,
        ).fetchall()
        for other, other_key, other_sig in found:
            if other == doc or (min(doc, other), max(doc, other)) in pairs:
                continue  # itself, or already reported from a small bucket
            if other in in_big and other < doc:
                continue  # reported when `other` was resolved
            estimate = float(np.count_nonzero(np.frombuffer(other_sig, "<u4") == values))
            estimate /= len(values)
            if estimate >= threshold:
                yield _ordered(key, other_key, estimate)


def _ordered(a: str, b: str, estimate: float) -> tuple[str, str, float]:
    return (a, b, estimate) if a < b else (b, a, estimate)
