"""Shingles: the set of overlapping n-grams of a text, as stable 64-bit hashes.

Word n-grams (default 3) for texts written with spaces; character n-grams
(default 3, over the words joined without spaces) for texts mostly in scripts
written without them (Chinese, Japanese, Thai, ... see `_normalize.is_spaceless`).

The hash, stable across processes, machines and Python versions (it never uses
`hash()`):

- each token (a word, or one character) t hashes to
  w(t) = BLAKE2b with an 8-byte digest of t's UTF-8 bytes, read little-endian;
- an n-gram t1..tn hashes to h1 = w(t1), hk = fmix64(h(k-1) * G xor w(tk)),
  where G = 0x9E3779B97F4A7C15 and fmix64 is MurmurHash3's 64-bit finalizer,
  all modulo 2^64 (so the order of the tokens matters);
- a text with fewer than n tokens (but at least one) has one shingle: the
  hash of all its tokens by the same rule. An empty text has none.

The shingle set is a sorted array of distinct uint64 values; two different
shingles share a hash with probability about 2^-64 per pair.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

import numpy as np

from newsarchive.similarity._normalize import is_spaceless, words

if TYPE_CHECKING:
    import numpy.typing as npt

    Hashes = npt.NDArray[np.uint64]

__all__ = ["GOLDEN", "fmix64", "fmix64_array", "shingle_hashes", "token_hash"]

GOLDEN: Final = 0x9E3779B97F4A7C15
_MASK64: Final = (1 << 64) - 1
_CACHE_LIMIT: Final = 1 << 18  # ~30 MB of tokens and hashes at most; cleared when full
_cache: dict[str, int] = {}


def token_hash(token: str) -> int:
    """w(t): BLAKE2b-64 of the token's UTF-8 bytes, little-endian (cached per process)."""
    value = _cache.get(token)
    if value is None:
        digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[token] = value
    return value


def fmix64(x: int) -> int:
    """MurmurHash3's 64-bit finalizer on a Python int (the reference for the numpy form)."""
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & _MASK64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & _MASK64
    return x ^ (x >> 33)


def fmix64_array(x: Hashes) -> Hashes:
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


def tokens_of(text: str, word_ngram: int, char_ngram: int) -> tuple[list[str], int]:
    """The tokens of `text` and the n to use: words, or characters of spaceless text."""
    found = words(text)
    if is_spaceless(found):
        return list("".join(found)), char_ngram
    return found, word_ngram


def shingle_hashes(text: str, *, word_ngram: int = 3, char_ngram: int = 3) -> Hashes:
    """The sorted, distinct 64-bit shingle hashes of `text` (see the module docstring)."""
    tokens, n = tokens_of(text, word_ngram, char_ngram)
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    w = np.array([token_hash(t) for t in tokens], dtype=np.uint64)
    n = min(n, len(w))
    count = len(w) - n + 1
    h = w[:count].copy()
    golden = np.uint64(GOLDEN)
    with np.errstate(over="ignore"):
        for k in range(1, n):
            h *= golden
            h ^= w[k : k + count]
            h = fmix64_array(h)
    h.sort()
    if len(h) > 1:  # np.unique, without its overhead on small arrays
        keep = np.empty(len(h), dtype=bool)
        keep[0] = True
        np.not_equal(h[1:], h[:-1], out=keep[1:])
        h = h[keep]
    return h


def shingle_hash_reference(tokens: list[str]) -> int:
    """The hash of one n-gram, in plain Python: the definition the array code must match."""
    h = token_hash(tokens[0])
    for token in tokens[1:]:
        h = fmix64(((h * GOLDEN) & _MASK64) ^ token_hash(token))
    return h
