"""Near-duplicate detection, store-free: similarity signatures, an on-disk LSH index,
clusters of copies and the domain-level copy network.

    from newsarchive.similarity import sign
    a, b = sign(text_a), sign(text_b)
    a.estimate(b)            # estimated Jaccard similarity of their shingle sets

Texts are normalized for similarity only (see `normalize`); the stored content
is never changed. Names are imported on first use (PEP 562), so importing this
package costs nothing until a name is used; numpy loads with the first name
that needs it. See docs/similarity.md for the scheme, the defaults and what
they were measured on.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from newsarchive.similarity._cluster import Article, Cluster, Member, clusters, domain_of
    from newsarchive.similarity._copynet import CopyEdge, CopyNetwork, DomainNode, copy_network
    from newsarchive.similarity._errors import SimilarityError
    from newsarchive.similarity._index import SimilarityIndex
    from newsarchive.similarity._lsh import (
        DEFAULT_THRESHOLD,
        IndexCheck,
        Match,
        candidate_probability,
    )
    from newsarchive.similarity._minhash import (
        DEFAULT_PARAMS,
        MinHashParams,
        Signature,
        exact_jaccard,
        sign,
        signature_of_hashes,
    )
    from newsarchive.similarity._normalize import NORMALIZATION_VERSION, normalize, words
    from newsarchive.similarity._shingle import shingle_hashes
    from newsarchive.similarity._similar import SimilarArticle, SimilarResult, similar_result

_EXPORTS: Final = {
    "SimilarArticle": "_similar",
    "SimilarResult": "_similar",
    "similar_result": "_similar",
    "DEFAULT_THRESHOLD": "_lsh",
    "Article": "_cluster",
    "Cluster": "_cluster",
    "Member": "_cluster",
    "clusters": "_cluster",
    "domain_of": "_cluster",
    "CopyEdge": "_copynet",
    "CopyNetwork": "_copynet",
    "DomainNode": "_copynet",
    "copy_network": "_copynet",
    "IndexCheck": "_lsh",
    "Match": "_lsh",
    "SimilarityIndex": "_index",
    "candidate_probability": "_lsh",
    "DEFAULT_PARAMS": "_minhash",
    "MinHashParams": "_minhash",
    "NORMALIZATION_VERSION": "_normalize",
    "Signature": "_minhash",
    "SimilarityError": "_errors",
    "exact_jaccard": "_minhash",
    "normalize": "_normalize",
    "shingle_hashes": "_shingle",
    "sign": "_minhash",
    "signature_of_hashes": "_minhash",
    "words": "_normalize",
}

__all__ = [
    "DEFAULT_PARAMS",
    "DEFAULT_THRESHOLD",
    "NORMALIZATION_VERSION",
    "Article",
    "Cluster",
    "CopyEdge",
    "CopyNetwork",
    "DomainNode",
    "IndexCheck",
    "Match",
    "Member",
    "MinHashParams",
    "Signature",
    "SimilarArticle",
    "SimilarResult",
    "SimilarityError",
    "SimilarityIndex",
    "candidate_probability",
    "clusters",
    "copy_network",
    "domain_of",
    "exact_jaccard",
    "normalize",
    "shingle_hashes",
    "sign",
    "signature_of_hashes",
    "similar_result",
    "words",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'newsarchive.similarity' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"newsarchive.similarity.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
