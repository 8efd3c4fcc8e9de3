"""The store's near-duplicate index, `similar.sqlite`: a derived index of the store.

Registered in `newsarchive.store._derived.DERIVED` as "similar": the store
hands it every committed batch in store order (`take`), and it signs the
content of each record in the batch (a blob's content for a record whose
content is a blob) and adds the signatures in one SQLite transaction, with the
batch's seq as its position in the index's `meta` table, so what it holds and
how far it has come never disagree. Every record is indexed under its id; one
without content (or whose blob cannot be read) has the empty signature, which
matches nothing.

An index file that SQLite cannot read, or that was made with other MinHash
parameters, is derived data: the writer deletes and rebuilds it. `check`
(for `store verify`) compares it with a recomputation from the segments; see
docs/store.md for its findings.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from typing import TYPE_CHECKING, Final

from newsarchive.errors import NewsArchiveError, StoreCorrupted
from newsarchive.similarity._errors import SimilarityError
from newsarchive.similarity._index import DEFAULT_BANDS, SimilarityIndex
from newsarchive.similarity._lsh import DEFAULT_THRESHOLD
from newsarchive.similarity._minhash import DEFAULT_PARAMS
from newsarchive.store._derived import batches_after
from newsarchive.store._findings import Finding
from newsarchive.store._keys import BY_ID, by_id
from newsarchive.store._layout import SIMILAR, index_files, is_regular, open_nofollow
from newsarchive.store._read import StoreReader

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from datetime import datetime
    from pathlib import Path

    from newsarchive.similarity._cluster import Cluster
    from newsarchive.similarity._minhash import Signature
    from newsarchive.similarity._similar import SimilarResult
    from newsarchive.store._core import StoreCore
    from newsarchive.store._segment import Entry

__all__ = ["POSITION", "SimilarStoreIndex", "record_texts", "reporting"]

#: The meta name under which the index keeps the seq of the last batch it took in.
POSITION: Final = "store-position"
#: SQLite's page cache for the writer (KiB), as the store's index has.
_CACHE_KIB: Final = 65536
#: Records named one by one per kind of mismatch; the rest are counted.
_NAMED: Final = 10
#: Called with the number of records of each batch taken in (a progress bar), or None.
_report: list[Callable[[int], object] | None] = [None]


@contextlib.contextmanager
def reporting(callback: Callable[[int], object] | None) -> Iterator[None]:
    """Within this block, `take` calls `callback(records)` after each batch (progress)."""
    saved, _report[0] = _report[0], callback
    try:
        yield
    finally:
        _report[0] = saved


def record_texts(
    entries: Sequence[Entry], blob_text: Callable[[str], str | None]
) -> list[tuple[str, str]]:
    """(record id, text) for each record of a batch, in order.

    The text is the record's content; for a record whose content is a blob,
    the blob's content from the same batch, else `blob_text(digest)` (None,
    unreadable: the empty text). A record without content has the empty text.
    """
    blobs: dict[str, str] = {}
    found: list[tuple[str, str]] = []
    for entry in entries:
        if entry.kind == "blob":
            blob = entry.value.get("blob")
            if isinstance(blob, dict) and isinstance(blob.get("content"), str):
                blobs[str(blob.get("digest"))] = blob["content"]
            continue
        if entry.kind != "record":
            continue
        record = entry.value.get("record")
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            continue  # not a record: `store verify` reports it (invalid-record)
        digest = entry.value.get("content_blob")
        if isinstance(digest, str):
            text = blobs.get(digest)
            if text is None:
                text = blob_text(digest)
        else:
            text = record.get("content")
        found.append((record["id"], text if isinstance(text, str) else ""))
    return found


class _Reader(StoreReader):
    """Reads blobs of earlier batches through a given index connection."""

    def __init__(self, root: Path, index: sqlite3.Connection) -> None:
        self.root = root
        self._index = index

    @property
    def index(self) -> sqlite3.Connection:
        return self._index

    def blob_text(self, digest: str) -> str | None:
        try:
            return self._blob_content(digest)
        except (NewsArchiveError, sqlite3.Error, OSError, ValueError, KeyError, TypeError):
            return None  # damaged or lost: indexed as empty; `store verify` reports the damage


class SimilarStoreIndex:
    """The derived index "similar" of the store at `root` (see `_derived.DerivedIndex`).

    The file is opened (created if missing) on first use, not by the constructor.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / SIMILAR
        self._index: SimilarityIndex | None = None
        self._conn: sqlite3.Connection | None = None  # the store's index, for blobs

    # -- the DerivedIndex protocol ----------------------------------------------------------

    @property
    def index(self) -> SimilarityIndex:
        """The LSH index, opened or created; an unusable file is replaced by an empty one."""
        if self._index is None:
            if os.path.lexists(self.path) and not is_regular(self.path):
                raise StoreCorrupted(
                    "is not the store's near-duplicate index (a symlink, a directory, ...); "
                    "run `newsarchive store verify`",
                    path=str(self.path),
                )
            os.close(open_nofollow(self.path, os.O_RDWR | os.O_CREAT))
            try:
                self._index = self._open()
            except SimilarityError as exc:  # damaged, or built with other parameters: rebuilt
                if "locked" in exc.message:  # busy, not damaged: never delete it for that
                    raise
                for name in index_files(SIMILAR):
                    with contextlib.suppress(FileNotFoundError):
                        (self.root / name).unlink()
                self._index = self._open()
        return self._index

    def _open(self) -> SimilarityIndex:
        return SimilarityIndex(
            self.path, params=DEFAULT_PARAMS, bands=DEFAULT_BANDS, cache_kib=_CACHE_KIB
        )

    def position(self) -> int:
        return int(self.index.meta(POSITION) or 0)

    def take(self, seq: int, entries: Sequence[Entry]) -> None:
        items = record_texts(entries, self._blob_text)
        self.index.add_many(items, meta={POSITION: str(seq)})
        if _report[0] is not None:
            _report[0](len(items))

    def _blob_text(self, digest: str) -> str | None:
        if self._conn is None:
            from newsarchive.store import _index  # noqa: PLC0415

            self._conn = _index.connect(self.root, readonly=True)
        return _Reader(self.root, self._conn).blob_text(digest)

    def reset(self) -> None:
        if self._conn is not None:  # the store's index may have been replaced (reindex)
            self._conn.close()
            self._conn = None
        self.index.rebuild([], meta={POSITION: "0"})

    def commit(self) -> None:
        """Nothing to do: each batch taken in is its own transaction."""

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- queries (`Store.similar`, `Store.clusters`) -----------------------------------------

    def similar(
        self,
        store: StoreCore,
        query: str,
        *,
        url: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int | None = None,
    ) -> SimilarResult:
        from newsarchive.similarity._storequery import similar  # noqa: PLC0415

        return similar(store, self.index, query, url=url, threshold=threshold, limit=limit)

    def clusters(
        self,
        store: StoreCore,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        since: datetime | None = None,
        until: datetime | None = None,
        min_size: int = 2,
    ) -> list[Cluster]:
        from newsarchive.similarity._storequery import store_clusters  # noqa: PLC0415

        return store_clusters(
            store, self.index, threshold=threshold, since=since, until=until, min_size=min_size
        )

    # -- checking ---------------------------------------------------------------------------

    def audit(self, index: sqlite3.Connection) -> None:  # noqa: ARG002
        """`check` reads what it needs itself."""
        return

    def check(self, index: sqlite3.Connection) -> list[Finding]:
        """What `store verify` reports about `similar.sqlite` (see docs/store.md)."""
        (last,) = index.execute("SELECT coalesce(max(seq), 0) FROM batches").fetchone()
        if not os.path.lexists(self.path) or not is_regular(self.path):
            # Not built yet (the next write or query builds it), or a name holding the
            # wrong kind of file, which the layout audit reports.
            return []
        try:
            found = SimilarityIndex(self.path)
            try:
                return self._check(found, index, int(last))
            finally:
                found.close()
        except (SimilarityError, sqlite3.DatabaseError) as exc:
            message = exc.message if isinstance(exc, SimilarityError) else str(exc)
            return [_failure("similar-corrupt", f"{message}; {_REINDEX}")]

    def _check(self, found: SimilarityIndex, index: sqlite3.Connection, last: int) -> list[Finding]:
        findings: list[Finding] = []
        if found.params != DEFAULT_PARAMS:
            return [_failure("similar-corrupt", f"built with {found.params.scheme!r}; {_REINDEX}")]
        position = int(found.meta(POSITION) or 0)
        if position > last:  # lagging is normal (caught up by the next write or query)
            findings.append(
                _note("similar-ahead", f"has taken in batch {position}, the index lists {last}")
            )
        reached: list[int] = [0]
        (records,) = index.execute("SELECT count(*) FROM records").fetchone()
        every = max(1, int(records) // RESIGNED)
        result = found.check(self._expected(index, position, reached, found, every))
        extra = list(result.extra)
        if reached[0] < min(position, last):
            # The walk stopped at damage (reported by the audit): records after it are not extra.
            extra = [k for k in extra if not _is_record(index, k)]
        for code, keys, what in (
            ("similar-mismatch", result.missing, "a record missing from it"),
            ("similar-mismatch", tuple(extra), "indexed, but not a record of the store"),
            ("similar-mismatch", result.stale, "indexed with another signature than its content's"),
        ):
            findings += [_failure(code, what, key) for key in keys[:_NAMED]]
            if len(keys) > _NAMED:
                findings.append(_failure(code, f"{what}: {len(keys) - _NAMED} more like it"))
        findings += [_failure("similar-corrupt", problem) for problem in result.problems]
        return findings

    def _expected(
        self,
        index: sqlite3.Connection,
        position: int,
        reached: list[int],
        found: SimilarityIndex,
        every: int,
    ) -> Iterator[tuple[str, str | Signature]]:
        """Every record in the batches up to `position`, as `take` made them.

        Each `every`-th record (and every record the index lacks) comes with
        its text, to be signed again and compared; the others with the
        signature the index holds, so their presence is checked but signing
        every record of a large store again (0.2 ms each) is not repeated.
        """
        reader = _Reader(self.root, index)
        walk = batches_after(self.root, index, 0)
        seen = 0
        while True:
            try:
                batch = next(walk, None)
            except (OSError, NewsArchiveError):  # a lost segment: the audit reports it
                return
            if batch is None or batch.seq > position:
                return
            reached[0] = batch.seq
            for key, text in record_texts(batch.entries, reader.blob_text):
                seen += 1
                held = None if seen % every == 0 else found.get(key)
                yield (key, text if held is None else held)


_REINDEX: Final = "`newsarchive store reindex` rebuilds it"
#: How many records `store verify` signs again (spread over the store); the
#: rest are checked for presence with the signature the index holds.
RESIGNED: Final = 2000


def _is_record(index: sqlite3.Connection, key: str) -> bool:
    sql = f"SELECT 1 FROM records WHERE {BY_ID}"  # noqa: S608
    return index.execute(sql, by_id(key)).fetchone() is not None


def _failure(code: str, message: str, record_id: str | None = None) -> Finding:
    return Finding("failure", code, SIMILAR, message, record_id)


def _note(code: str, message: str) -> Finding:
    return Finding("note", code, SIMILAR, message)
