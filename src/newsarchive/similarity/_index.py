"""An on-disk LSH index of MinHash signatures: one SQLite file at a path the caller gives.

Derived data: everything in it can be rebuilt from (key, text) pairs
(`rebuild`), and `check` says which keys are missing, extra or stale.

Layout (format `newsarchive-similarity-index/1`):

    meta(name, value)              format, scheme, bands, rows; and the caller's own
                                   names (`meta`, `add_many(..., meta=)`)
    docs(doc, key, sig)            one row per key; sig = the signature's bytes
    buckets(bucket, doc)           WITHOUT ROWID, primary key (bucket, doc)

A signature of `num_perm` values is cut into `bands` bands of `rows` values;
band i's bucket is a signed 64-bit hash of i and that band's values (see
`_bucket_matrix`: the same fmix64 chain as the shingle hashes). Two
signatures share a bucket when a whole band is equal, which for Jaccard s
happens in at least one band with probability 1 - (1 - s^rows)^bands
(`candidate_probability`). Candidates are then ranked by their full-signature
estimate, read from `docs`: nothing is held in memory between calls, so the
index's memory is SQLite's page cache (bounded by `cache_kib`), not the
number of signatures. Empty signatures (texts without words) are kept in
`docs` but in no bucket: they match nothing.

Every change is one SQLite transaction (WAL journal): a crash leaves the index
as it was before or after the change, never between.
"""

from __future__ import annotations

import itertools
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final, Self

import numpy as np

from newsarchive.similarity._damage import bucket_problems
from newsarchive.similarity._errors import SimilarityError
from newsarchive.similarity._lsh import (
    IndexCheck,
    Match,
    bucket_matrix,
    bucket_rows,
    check_threshold,
)
from newsarchive.similarity._minhash import DEFAULT_PARAMS, MinHashParams, Signature, sign
from newsarchive.similarity._pairs import bucket_pairs
from newsarchive.similarity._pairs import similar_pairs as _similar_pairs

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from os import PathLike


__all__ = ["SimilarityIndex"]

FORMAT: Final = "newsarchive-similarity-index/1"
DEFAULT_BANDS: Final = 64
_SCHEMA: Final = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (doc INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, sig BLOB NOT NULL);
CREATE TABLE buckets (bucket INTEGER NOT NULL, doc INTEGER NOT NULL,
                      PRIMARY KEY (bucket, doc)) WITHOUT ROWID
"""
_BATCH: Final = 500
_WRITE_BATCH: Final = 5000
_OWN_META: Final = frozenset({"format", "scheme", "bands", "rows"})


class SimilarityIndex:
    """The LSH index in the SQLite file at `path`, created if missing.

    `params` and `bands` apply when creating; opening an existing index with
    `params` of another scheme raises `SimilarityError` (code scheme-mismatch):
    its signatures would be meaningless to each other. Use as a context manager
    or call `close`.
    """

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        params: MinHashParams | None = None,
        bands: int | None = None,
        cache_kib: int = 16384,
    ) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise SimilarityError(
                "cannot create a similarity index: no such directory",
                code="bad-index",
                path=str(path),
            )
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise SimilarityError(
                f"cannot open the similarity index ({exc})", code="bad-index", path=str(path)
            ) from None
        try:
            self._db.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
            # Opening an index reads its meta without a write lock (a check beside a
            # writer never makes it wait); only creating one takes the lock.
            if self._tables():
                self._load_meta(params, bands)
            else:
                with self._transaction():
                    if self._tables():  # made by another process meanwhile
                        self._load_meta(params, bands)
                    else:
                        self._create(params or DEFAULT_PARAMS, bands)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise SimilarityError(
                f"not a similarity index ({exc})", code="bad-index", path=str(path)
            ) from None
        except SimilarityError:
            self._db.close()
            raise

    def _tables(self) -> int:
        (tables,) = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return int(tables)

    def _create(self, params: MinHashParams, bands: int | None) -> None:
        bands = bands or min(DEFAULT_BANDS, params.num_perm)
        if not 1 <= bands <= params.num_perm:
            raise SimilarityError(f"bands must be 1..{params.num_perm}", code="bad-index")
        rows = params.num_perm // bands
        for statement in _SCHEMA.split(";"):
            self._db.execute(statement)
        self._db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("format", FORMAT), ("scheme", params.scheme), ("bands", str(bands)),
             ("rows", str(rows))],
        )  # fmt: skip
        self._set(params, bands, rows)

    def _load_meta(self, params: MinHashParams | None, bands: int | None) -> None:
        try:
            meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
        except sqlite3.OperationalError:
            meta = {}
        if meta.get("format") != FORMAT or not {"scheme", "bands", "rows"} <= meta.keys():
            raise SimilarityError(
                f"not a similarity index of format {FORMAT}", code="bad-index", path=str(self.path)
            )
        stored = MinHashParams.from_scheme(meta["scheme"])
        if params is not None and params != stored:
            raise SimilarityError(
                f"the index was built with {stored.scheme!r}, not {params.scheme!r}: rebuild it",
                code="scheme-mismatch",
                path=str(self.path),
            )
        stored_bands = int(meta["bands"])
        if bands is not None and bands != stored_bands:
            raise SimilarityError(
                f"the index has {stored_bands} bands, not {bands}: rebuild it",
                code="scheme-mismatch",
                path=str(self.path),
            )
        self._set(stored, stored_bands, int(meta["rows"]))

    def _set(self, params: MinHashParams, bands: int, rows: int) -> None:
        self.params = params
        self.bands = bands
        self.rows = rows

    # -- life cycle ------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- signatures and buckets ------------------------------------------------------------

    def sign(self, text: str) -> Signature:
        """The signature of `text` with this index's parameters."""
        return sign(text, self.params)

    def _signature(self, item: str | Signature) -> Signature:
        if isinstance(item, str):
            return self.sign(item)
        if item.scheme != self.params.scheme:
            raise SimilarityError(
                f"signature of scheme {item.scheme!r} given to an index of {self.params.scheme!r}",
                code="scheme-mismatch",
            )
        return item

    def buckets(self, signature: Signature) -> list[int]:
        """The bucket of each band of `signature` (none for an empty signature)."""
        if signature.is_empty:
            return []
        matrix = bucket_matrix(signature.array().reshape(1, -1), self.bands, self.rows)
        return [int(b) for b in matrix[0]]

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM docs").fetchone()
        return int(count)

    def __contains__(self, key: object) -> bool:
        return self._db.execute("SELECT 1 FROM docs WHERE key = ?", (key,)).fetchone() is not None

    def keys(self) -> Iterator[str]:
        """Every indexed key, in key order."""
        for (key,) in self._db.execute("SELECT key FROM docs ORDER BY key"):
            yield key

    def meta(self, name: str) -> str | None:
        """A value the caller stored with `add_many(..., meta=)` (or the index's own)."""
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def get(self, key: str) -> Signature | None:
        """The signature stored for `key`, or None."""
        row = self._db.execute("SELECT sig FROM docs WHERE key = ?", (key,)).fetchone()
        return None if row is None else Signature(self.params.scheme, row[0])

    def query(
        self, item: str | Signature, *, threshold: float, limit: int | None = None
    ) -> list[Match]:
        """Indexed keys whose estimated Jaccard with `item` (a text or a signature) is
        >= threshold, best first (ties by key). The LSH step finds a key of Jaccard s
        with probability `candidate_probability(s, bands, rows)`.
        """
        check_threshold(threshold)
        signature = self._signature(item)
        return self._ranked(signature, threshold, limit, exclude=None)

    def query_key(self, key: str, *, threshold: float, limit: int | None = None) -> list[Match]:
        """Like `query` with the signature stored for `key`, without `key` itself.

        Raises KeyError if `key` is not indexed.
        """
        signature = self.get(key)
        if signature is None:
            raise KeyError(key)
        check_threshold(threshold)
        return self._ranked(signature, threshold, limit, exclude=key)

    def _ranked(
        self,
        signature: Signature,
        threshold: float,
        limit: int | None,
        exclude: str | None,
    ) -> list[Match]:
        buckets = self.buckets(signature)
        if not buckets:
            return []
        marks = ",".join("?" * len(buckets))
        rows = self._db.execute(
            "SELECT key, sig FROM docs WHERE doc IN "  # noqa: S608 - only placeholders
            f"(SELECT DISTINCT doc FROM buckets WHERE bucket IN ({marks}))",
            buckets,
        ).fetchall()
        rows = [row for row in rows if row[0] != exclude]
        if not rows:
            return []
        sigs = np.frombuffer(b"".join(sig for _, sig in rows), dtype="<u4")
        sigs = sigs.reshape(len(rows), self.params.num_perm)
        estimates = (sigs == signature.array()).mean(axis=1)
        found = [
            Match(key, float(e))
            for (key, _), e in zip(rows, estimates, strict=True)
            if e >= threshold
        ]
        found.sort(key=lambda m: (-m.estimate, m.key))
        return found[:limit] if limit is not None else found

    def candidate_pairs(self) -> Iterator[tuple[str, str]]:
        """Each pair of keys (in key order) that share a bucket, once (all of them: a
        bucket of n keys gives n(n-1)/2 pairs; `similar_pairs` avoids holding those)."""
        pairs, _ = bucket_pairs(self._db, None)
        names: dict[int, str] = {}
        docs = sorted({d for pair in pairs for d in pair})
        for start in range(0, len(docs), _BATCH):
            chunk = docs[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            names.update(
                self._db.execute(
                    f"SELECT doc, key FROM docs WHERE doc IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
            )
        for a, b in sorted(pairs):
            x, y = names[a], names[b]
            yield (x, y) if x < y else (y, x)

    def similar_pairs(self, *, threshold: float) -> Iterator[tuple[str, str, float]]:
        """Each pair of keys whose estimated Jaccard is >= threshold, once, as
        (smaller key, larger key, estimate); see `_pairs` for very large buckets."""
        check_threshold(threshold)
        return _similar_pairs(self._db, bands=self.bands, rows=self.rows, threshold=threshold)

    # -- writing ---------------------------------------------------------------------------

    def add(self, key: str, item: str | Signature) -> None:
        """Index `key` with `item` (a text or its signature), replacing what it had."""
        self.add_many([(key, item)])

    def add_many(
        self, items: Iterable[tuple[str, str | Signature]], *, meta: Mapping[str, str] | None = None
    ) -> int:
        """Index many (key, text or signature) pairs in one transaction; returns the count.

        A key given twice keeps its last item. `meta` values (`meta(name)`) are
        set in the same transaction: a caller's position (how far it has indexed)
        is then never ahead or behind what the index holds.
        """
        with self._transaction():
            self._set_meta(meta)
            return self._put_many(items)

    def _set_meta(self, meta: Mapping[str, str] | None) -> None:
        if not meta:
            return
        if _OWN_META & meta.keys():
            raise ValueError(f"meta names {sorted(_OWN_META)} are the index's own")
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())

    def _put_many(self, items: Iterable[tuple[str, str | Signature]]) -> int:
        count = 0
        (top,) = self._db.execute("SELECT coalesce(max(doc), 0) FROM docs").fetchone()
        it = iter(items)
        while batch := list(itertools.islice(it, _WRITE_BATCH)):
            latest = {key: self._signature(item) for key, item in batch}
            count += len(batch)
            self._drop_many(list(latest))
            docs = range(top + 1, top + 1 + len(latest))
            top += len(latest)
            self._db.executemany(
                "INSERT INTO docs (doc, key, sig) VALUES (?, ?, ?)",
                [
                    (doc, key, sig.values)
                    for doc, (key, sig) in zip(docs, latest.items(), strict=True)
                ],
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO buckets VALUES (?, ?)",
                self._bucket_rows(list(docs), list(latest.values())),
            )
        return count

    def _bucket_rows(self, docs: list[int], sigs: list[Signature]) -> list[tuple[int, int]]:
        return bucket_rows(docs, sigs, self.bands, self.rows)

    def _drop_many(self, keys: list[str]) -> int:
        found: list[tuple[int, bytes]] = []
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            found += self._db.execute(
                f"SELECT doc, sig FROM docs WHERE key IN ({marks})",  # noqa: S608
                chunk,
            ).fetchall()
        if not found:
            return 0
        scheme = self.params.scheme
        sigs = [Signature(scheme, sig) for _, sig in found]
        docs = [doc for doc, _ in found]
        self._db.executemany(
            "DELETE FROM buckets WHERE bucket = ? AND doc = ?", self._bucket_rows(docs, sigs)
        )
        self._db.executemany("DELETE FROM docs WHERE doc = ?", [(doc,) for doc in docs])
        return len(found)

    def remove(self, key: str) -> bool:
        """Remove `key`; False if it was not indexed."""
        with self._transaction():
            return self._drop_many([key]) > 0

    def rebuild(
        self, items: Iterable[tuple[str, str | Signature]], *, meta: Mapping[str, str] | None = None
    ) -> int:
        """Replace the whole content with (key, text or signature) pairs, in one transaction.

        The caller's meta values are replaced by `meta`.
        """
        with self._transaction():
            self._db.execute("DELETE FROM buckets")
            self._db.execute("DELETE FROM docs")
            marks = ",".join("?" * len(_OWN_META))
            self._db.execute(f"DELETE FROM meta WHERE name NOT IN ({marks})", sorted(_OWN_META))  # noqa: S608
            self._set_meta(meta)
            return self._put_many(items)

    # -- checking --------------------------------------------------------------------------

    def check(self, items: Iterable[tuple[str, str | Signature]]) -> IndexCheck:
        """Compare the index with what it should hold: (key, text or signature) pairs."""
        missing: list[str] = []
        stale: list[str] = []
        seen: set[int] = set()
        for key, item in items:
            row = self._db.execute("SELECT doc, sig FROM docs WHERE key = ?", (key,)).fetchone()
            if row is None:
                missing.append(key)
                continue
            seen.add(row[0])
            if row[1] != self._signature(item).values:
                stale.append(key)
        extra = [
            key for doc, key in self._db.execute("SELECT doc, key FROM docs") if doc not in seen
        ]
        return IndexCheck(
            missing=tuple(sorted(missing)),
            extra=tuple(sorted(extra)),
            stale=tuple(sorted(stale)),
            problems=self._bucket_problems(),
        )

    def _bucket_problems(self) -> tuple[str, ...]:
        return bucket_problems(self._db, self.params.scheme, self.bands, self.rows)
