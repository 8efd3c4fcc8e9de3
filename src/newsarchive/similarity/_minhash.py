"""MinHash signatures of shingle sets, and the exact Jaccard they estimate.

The permutation scheme is datasketch's "affine32" (datasketch >= 2.0, its
default): each 64-bit shingle hash is cut to its low 32 bits, mixed with
MurmurHash3's 32-bit finalizer, then permutation k maps it to
a_k * h + b_k modulo 2^32 (a_k odd, so a bijection); the signature holds the
minimum of each permutation over the set. Only the parameters differ in
origin: datasketch draws (a_k, b_k) from numpy's RandomState, we derive them
from BLAKE2b so they do not depend on numpy's generators:
x_k = BLAKE2b-64 of "newsarchive-minhash seed=S k=K" (little-endian),
a_k = (x_k mod 2^32) | 1, b_k = x_k >> 32. Given the same parameters
(`MinHashParams.permutations`), datasketch's MinHash computes the same values
bit for bit (tests/test_similarity_minhash.py holds us to it).

A signature records its scheme (`MinHashParams.scheme`): normalization
version, n-gram sizes, permutation count, seed. Comparing signatures of
different schemes raises instead of returning a meaningless number.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Final

import attrs
import numpy as np

from newsarchive.similarity._errors import SimilarityError
from newsarchive.similarity._normalize import NORMALIZATION_VERSION
from newsarchive.similarity._shingle import shingle_hashes

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["DEFAULT_PARAMS", "MinHashParams", "Signature", "exact_jaccard", "sign"]

SCHEME_VERSION: Final = 1
_EMPTY: Final = 0xFFFFFFFF
_SCHEME_RE: Final = re.compile(
    r"minhash-affine32/(\d+) norm=(\d+) word=(\d+) char=(\d+) perm=(\d+) seed=(\d+)"
)


@attrs.frozen
class MinHashParams:
    """Everything that decides a signature's values; `scheme` names it in one string."""

    num_perm: int = 128
    seed: int = 1
    word_ngram: int = 3
    char_ngram: int = 3

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.num_perm <= 4096 or self.seed < 0:
            raise SimilarityError("num_perm must be 1..4096 and seed >= 0", code="bad-scheme")
        if not (1 <= self.word_ngram <= 16 and 1 <= self.char_ngram <= 16):
            raise SimilarityError("n-gram sizes must be 1..16", code="bad-scheme")

    @property
    def scheme(self) -> str:
        return (
            f"minhash-affine32/{SCHEME_VERSION} norm={NORMALIZATION_VERSION} "
            f"word={self.word_ngram} char={self.char_ngram} perm={self.num_perm} seed={self.seed}"
        )

    @classmethod
    def from_scheme(cls, scheme: str) -> MinHashParams:
        """The parameters a scheme string names; refuses other versions."""
        match = _SCHEME_RE.fullmatch(scheme)
        if match is None:
            raise SimilarityError(
                f"not a newsarchive MinHash scheme: {scheme!r}", code="bad-scheme"
            )
        version, norm, word, char, perm, seed = (int(g) for g in match.groups())
        if version != SCHEME_VERSION or norm != NORMALIZATION_VERSION:
            raise SimilarityError(
                f"scheme {scheme!r} is from another version of newsarchive "
                f"(this one makes minhash-affine32/{SCHEME_VERSION} norm={NORMALIZATION_VERSION})",
                code="scheme-mismatch",
            )
        return cls(num_perm=perm, seed=seed, word_ngram=word, char_ngram=char)

    def permutations(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
        """(a, b): the permutation parameters, as datasketch's `permutations` argument takes."""
        return _permutations(self.num_perm, self.seed)

    def shingles(self, text: str) -> npt.NDArray[np.uint64]:
        return shingle_hashes(text, word_ngram=self.word_ngram, char_ngram=self.char_ngram)


DEFAULT_PARAMS: Final = MinHashParams()

_perm_cache: dict[tuple[int, int], tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]] = {}


def _permutations(
    num_perm: int, seed: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    cached = _perm_cache.get((num_perm, seed))
    if cached is None:
        a = np.empty(num_perm, dtype=np.uint32)
        b = np.empty(num_perm, dtype=np.uint32)
        for k in range(num_perm):
            label = f"newsarchive-minhash seed={seed} k={k}".encode()
            x = int.from_bytes(hashlib.blake2b(label, digest_size=8).digest(), "little")
            a[k] = (x & 0xFFFFFFFF) | 1
            b[k] = x >> 32
        cached = _perm_cache[num_perm, seed] = (a, b)
    return cached


@attrs.frozen
class Signature:
    """A MinHash signature: `num_perm` uint32 values (little-endian bytes) and its scheme."""

    scheme: str
    values: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        params = MinHashParams.from_scheme(self.scheme)
        if len(self.values) != 4 * params.num_perm:
            raise SimilarityError(
                f"a {params.num_perm}-permutation signature has {4 * params.num_perm} bytes, "
                f"not {len(self.values)}",
                code="bad-signature",
            )

    @property
    def params(self) -> MinHashParams:
        return MinHashParams.from_scheme(self.scheme)

    @property
    def is_empty(self) -> bool:
        """True for the signature of a text without a single word."""
        return self.values == b"\xff" * len(self.values)

    def array(self) -> npt.NDArray[np.uint32]:
        return np.frombuffer(self.values, dtype="<u4")

    def estimate(self, other: Signature) -> float:
        """The estimated Jaccard similarity: the share of equal values (0.0 if either is empty)."""
        if other.scheme != self.scheme:
            raise SimilarityError(
                f"cannot compare signatures of schemes {self.scheme!r} and {other.scheme!r}",
                code="scheme-mismatch",
            )
        if self.is_empty or other.is_empty:
            return 0.0
        mine, theirs = self.array(), other.array()
        return int(np.count_nonzero(mine == theirs)) / len(mine)


def signature_of_hashes(
    hashes: npt.NDArray[np.uint64], params: MinHashParams = DEFAULT_PARAMS
) -> Signature:
    """The signature of a shingle set given as 64-bit hashes (see `_shingle`)."""
    a, b = params.permutations()
    if len(hashes) == 0:
        return Signature(params.scheme, b"\xff" * (4 * params.num_perm))
    h = (hashes & np.uint64(_EMPTY)).astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    phv = np.multiply.outer(h, a)
    phv += b
    mins = phv.min(axis=0)
    return Signature(params.scheme, mins.astype("<u4").tobytes())


def sign(text: str, params: MinHashParams = DEFAULT_PARAMS) -> Signature:
    """The MinHash signature of `text`'s shingles (normalized for similarity only)."""
    return signature_of_hashes(params.shingles(text), params)


def exact_jaccard(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> float:
    """Jaccard of two shingle sets (sorted distinct hashes): shared / all; 0.0 if both are empty."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)
