"""What `similar` shows: matches split into other captures of the same page and copies
elsewhere, with the exact Jaccard of the shingle sets for the top results.

The index ranks by the estimate (a MinHash signature, ±0.04 at 128
permutations); the exact value needs both texts, so it is computed only for
the first `exact_top` matches of each group. Texts and URLs come from the
caller (the store) through two functions, so this module reads no files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from newsarchive.similarity._minhash import DEFAULT_PARAMS, MinHashParams, exact_jaccard

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from newsarchive.similarity._lsh import Match

__all__ = ["SimilarArticle", "SimilarResult", "similar_result"]


@attrs.frozen
class SimilarArticle:
    key: str
    canonical_url: str
    estimate: float
    exact: float | None  # None past the first `exact_top` of its group


@attrs.frozen
class SimilarResult:
    """Matches of one query: `same_url` are other captures of the query's canonical
    URL, `copies` are at other URLs; each best first, as the index ranked them."""

    same_url: tuple[SimilarArticle, ...]
    copies: tuple[SimilarArticle, ...]


def similar_result(
    query_text: str,
    query_url: str | None,
    matches: Iterable[Match],
    *,
    url_of: Callable[[str], str],
    text_of: Callable[[str], str | None] | None,
    exact_top: int = 10,
    params: MinHashParams = DEFAULT_PARAMS,
) -> SimilarResult:
    """Split `matches` by canonical URL and add the exact Jaccard to the top ones.

    `query_url` is None for a query by file (no canonical URL: everything is a copy).
    `text_of` returns None for a text it cannot read (that match has no exact
    value); `text_of=None` computes no exact value (the query's text is unknown).
    """
    query_shingles = params.shingles(query_text)
    groups: dict[bool, list[SimilarArticle]] = {True: [], False: []}
    for match in matches:
        url = url_of(match.key)
        group = groups[query_url is not None and url == query_url]
        exact = None
        text = None if text_of is None or len(group) >= exact_top else text_of(match.key)
        if text is not None:
            exact = exact_jaccard(query_shingles, params.shingles(text))
        group.append(SimilarArticle(match.key, url, match.estimate, exact))
    return SimilarResult(same_url=tuple(groups[True]), copies=tuple(groups[False]))
