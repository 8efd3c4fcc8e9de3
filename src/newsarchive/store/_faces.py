"""The store's feature faces: thin methods that hand a `Store` to the feature packages.

Capture, the transparency log's checkpoints, full-text search and
near-duplicates are packages of their own; a `Store` offers them as methods
(`Store.capture`, `Store.checkpoint`, `Store.search`, `Store.similar`,
`Store.clusters`), each importing its feature only when called, so the store
package imports no feature and `newsarchive --help` stays fast. Their
derived indexes come from `Store.derived` (`_derived`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from newsarchive.capture import CaptureOptions, Capturer, Stored
    from newsarchive.search._index import TextIndex
    from newsarchive.similarity._cluster import Cluster
    from newsarchive.similarity._similar import SimilarResult
    from newsarchive.similarity._storeindex import SimilarStoreIndex
    from newsarchive.store._derived import DerivedIndex
    from newsarchive.store._store import Store

__all__ = ["FeatureFaces"]


class FeatureFaces:
    """Mixed into `Store`, which provides `derived` (and what the features use)."""

    def derived(self, name: str) -> DerivedIndex:
        raise NotImplementedError

    def capture(
        self,
        url: str,
        *,
        options: CaptureOptions | None = None,
        capturer: Capturer | None = None,
        tags: Iterable[str] = (),
        notes: Iterable[str] = (),
    ) -> Stored:
        """Capture `url` into the store: a new record with its evidence, or an
        event on the URL's latest capture (`newsarchive.capture.store_result`).
        Needs the `capture` extra."""
        (done,) = self.capture_many(
            [url], options=options, capturer=capturer, tags=tags, notes=notes
        )
        return done

    def capture_many(
        self,
        urls: Iterable[str],
        *,
        options: CaptureOptions | None = None,
        capturer: Capturer | None = None,
        jobs: int = 1,
        tags: Iterable[str] = (),
        notes: Iterable[str] = (),
    ) -> Iterator[Stored]:
        """Capture `urls`, `jobs` hosts at a time, yielding each as it is stored."""
        from newsarchive.capture import capture_into  # noqa: PLC0415 - a feature of its own

        return capture_into(
            cast("Store", self),
            urls,
            options=options,
            capturer=capturer,
            jobs=jobs,
            tags=tags,
            notes=notes,
        )

    def checkpoint(
        self, signer: Any, *, tsa_url: str | None = None, cafile: str | None = None
    ) -> Any:
        """Sign a checkpoint of the log (see `newsarchive.proofs`; needs the `proofs` extra).

        `signer` is a `newsarchive.proofs.SignerKey`; the result a `StoreCheckpoint`.
        The proofs feature is imported here, when asked for, as derived indexes are.
        """
        from newsarchive.proofs._storecheckpoints import write_checkpoint  # noqa: PLC0415

        return write_checkpoint(cast("Store", self), signer, tsa_url=tsa_url, cafile=cafile)

    def search(self, text: str, *, ranked: bool = True) -> list[str]:
        """Ids of the records matching the full-text query `text`, best match (BM25) first.

        The query language is `newsarchive.search`'s (words, "phrases", prefix*);
        `SearchError` for a query without a word. The text index is caught up first.
        """
        from newsarchive.search import parse_query  # noqa: PLC0415 - the feature, when used

        query = parse_query(text)  # a bad query is refused before anything is opened
        index = cast("TextIndex", self.derived("text"))  # what the registry makes for "text"
        return index.search(query, ranked=ranked)

    def similar(
        self,
        query: str,
        *,
        url: str | None = None,
        threshold: float = 0.2,
        limit: int | None = None,
    ) -> SimilarResult:
        """Near-duplicates of a record (`query` is its id or an id prefix) or of a text.

        See `newsarchive.similarity` (docs/similarity.md): best first, other
        captures of the same canonical URL apart from copies elsewhere.
        """
        found = cast("SimilarStoreIndex", self.derived("similar"))
        return found.similar(cast("Store", self), query, url=url, threshold=threshold, limit=limit)

    def clusters(
        self,
        *,
        threshold: float = 0.2,
        since: datetime | None = None,
        until: datetime | None = None,
        min_size: int = 2,
    ) -> list[Cluster]:
        """Groups of near-duplicate records, each in time order, the likely origin first."""
        found = cast("SimilarStoreIndex", self.derived("similar"))
        return found.clusters(
            cast("Store", self), threshold=threshold, since=since, until=until, min_size=min_size
        )
