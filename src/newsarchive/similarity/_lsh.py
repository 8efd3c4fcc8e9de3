"""LSH banding arithmetic and the index's small result types (no I/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs
import numpy as np

from newsarchive.similarity._errors import SimilarityError
from newsarchive.similarity._shingle import GOLDEN, fmix64_array

if TYPE_CHECKING:
    import numpy.typing as npt

    from newsarchive.similarity._minhash import Signature

__all__ = [
    "DEFAULT_THRESHOLD",
    "IndexCheck",
    "Match",
    "bucket_matrix",
    "bucket_rows",
    "candidate_probability",
    "check_threshold",
]

#: The default `similar` threshold: see docs/similarity.md for the measurement behind it.
DEFAULT_THRESHOLD: Final = 0.2


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """The chance that two signatures of Jaccard `similarity` share at least one bucket."""
    return 1.0 - (1.0 - similarity**rows) ** bands


@attrs.frozen
class Match:
    """One query result: the key and its estimated Jaccard similarity to the query."""

    key: str
    estimate: float


@attrs.frozen
class IndexCheck:
    """What `SimilarityIndex.check` found; `ok` when all are empty."""

    missing: tuple[str, ...] = ()  # given, not indexed
    extra: tuple[str, ...] = ()  # indexed, not given
    stale: tuple[str, ...] = ()  # indexed with another signature than the text's
    problems: tuple[str, ...] = ()  # buckets that do not agree with the signatures

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.problems)


def bucket_matrix(values: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.int64]:
    """Buckets of n signatures (an n x num_perm array): n x bands signed 64-bit integers.

    Band i of a signature, values v1..vr, goes to h_r read as a signed integer,
    where h_0 = i + 1 and h_j = fmix64(h_(j-1) * G xor v_j) modulo 2^64, with
    the golden-ratio G and MurmurHash3's fmix64 of the shingle hashes.
    """
    n = values.shape[0]
    v = values[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    h = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64), (n, bands)).copy()
    golden = np.uint64(GOLDEN)
    for j in range(rows):
        h *= golden
        h ^= v[:, :, j]
        h = fmix64_array(h)
    return h.view(np.int64)


def bucket_rows(
    docs: list[int], sigs: list[Signature], bands: int, rows: int
) -> list[tuple[int, int]]:
    """(bucket, doc) for every band of every non-empty signature, in bucket order
    (sorted rows go into the b-tree with far fewer page visits)."""
    kept = [(doc, sig) for doc, sig in zip(docs, sigs, strict=True) if not sig.is_empty]
    if not kept:
        return []
    values = np.frombuffer(b"".join(sig.values for _, sig in kept), dtype="<u4")
    buckets = bucket_matrix(values.reshape(len(kept), -1), bands, rows).ravel()
    owners = np.repeat(np.array([doc for doc, _ in kept], dtype=np.int64), bands)
    order = np.argsort(buckets, kind="stable")
    return list(zip(buckets[order].tolist(), owners[order].tolist(), strict=True))


def check_threshold(threshold: float) -> None:
    if not 0.0 < threshold <= 1.0:
        raise SimilarityError(
            f"threshold must be > 0 and <= 1, not {threshold}", code="bad-threshold"
        )
