"""`Store.similar` and `Store.clusters`: the near-duplicate index read with the store's index.

The LSH index (`similar.sqlite`) knows record ids and signatures only; the
canonical URLs and times come from the store's SQLite index, and texts (for
the exact Jaccard of the top results) from the records themselves, read past
damage: a record whose stored bytes fail their check keeps its estimate and
has no exact value.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Final

from newsarchive.errors import NewsArchiveError
from newsarchive.similarity._cluster import Article, clusters
from newsarchive.similarity._lsh import check_threshold
from newsarchive.similarity._similar import similar_result
from newsarchive.store._ids import resolve_id
from newsarchive.store._keys import rows_by_id
from newsarchive.urls import canonicalize_url

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable

    from newsarchive.similarity._cluster import Cluster
    from newsarchive.similarity._index import SimilarityIndex
    from newsarchive.similarity._similar import SimilarResult
    from newsarchive.store._core import StoreCore

__all__ = ["looks_like_id", "record_text", "similar", "store_clusters"]

_ID_LIKE: Final = re.compile(r"\s*[0-9a-fA-F]{8,64}\s*")


def looks_like_id(query: str) -> bool:
    """Whether `query` is a record id or an id prefix (8 to 64 hex digits), not a text."""
    return _ID_LIKE.fullmatch(query) is not None


def record_text(store: StoreCore, record_id: str) -> str | None:
    """The record's content ('' without one); None if its stored bytes fail their check."""
    try:
        content = store.get(record_id).get("content")
    except NewsArchiveError:
        return None
    return content if isinstance(content, str) else ""


def similar(
    store: StoreCore,
    index: SimilarityIndex,
    query: str,
    *,
    url: str | None = None,
    threshold: float,
    limit: int | None = None,
) -> SimilarResult:
    """Records near-duplicate of `query`: a record id (or prefix), else a text.

    For a record, other captures of its canonical URL are `same_url`; for a
    text, those of `url` (when given). The record itself is never a match.
    """
    check_threshold(threshold)
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    if looks_like_id(query):
        record_id = resolve_id(store, query)
        text = record_text(store, record_id)
        query_url = _urls(store.index, [record_id]).get(record_id)
        if record_id in index:
            matches = index.query_key(record_id, threshold=threshold, limit=limit)
        else:  # taken in by none: its content, if readable, still has its neighbours
            found = [] if text is None else index.query(text, threshold=threshold)
            matches = [m for m in found if m.key != record_id][:limit]
    else:
        text, query_url = query, None if url is None else canonicalize_url(url)
        matches = index.query(text, threshold=threshold, limit=limit)
    urls = _urls(store.index, [m.key for m in matches])
    return similar_result(
        text or "",
        query_url,
        matches,
        url_of=lambda key: urls.get(key, ""),
        text_of=None if text is None else (lambda key: record_text(store, key)),
        params=index.params,
    )


def _urls(conn: sqlite3.Connection, keys: list[str]) -> dict[str, str]:
    return {key: url or "" for key, url in rows_by_id(conn, "canonical_url", keys)}


def store_clusters(
    store: StoreCore,
    index: SimilarityIndex,
    *,
    threshold: float,
    since: datetime | None = None,
    until: datetime | None = None,
    min_size: int = 2,
) -> list[Cluster]:
    """Clusters of the store's near-duplicates (see `clusters`), times from the store's index.

    Only records in at least one pair are read from the index: memory follows
    the number of near-duplicates, not the store's size.
    """
    check_threshold(threshold)
    pairs = list(index.similar_pairs(threshold=threshold))
    keys = sorted({key for a, b, _ in pairs for key in (a, b)})
    return clusters(
        _articles(store.index, keys),
        pairs,
        threshold=threshold,
        min_size=min_size,
        since=since,
        until=until,
    )


def _articles(conn: sqlite3.Connection, keys: list[str]) -> Iterable[Article]:
    rows = rows_by_id(conn, "canonical_url, retrieved_key, published_key", keys)
    for key, url, retrieved, published in rows:
        retrieved_at = time_of_key(retrieved)
        if retrieved_at is not None:
            yield Article(key, url or "", retrieved_at, time_of_key(published))


def time_of_key(key: str | None) -> datetime | None:
    """The instant of an index time key (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`), to the microsecond."""
    if key is None:
        return None
    try:
        return datetime.fromisoformat(f"{key[:26]}+00:00")
    except ValueError:
        return None
