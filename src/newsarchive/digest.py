"""Content digests: `ALGORITHM:LOWERCASE_HEX`, parsed, formatted, computed and compared.

The string form follows the OCI image-spec digest grammar
(`algorithm ":" encoded`), narrowed to the algorithms below and to lower-case
hex of the algorithm's exact length. MD5 and SHA-1 are refused: collisions
for both are practical, so they cannot vouch for integrity.

Digest rule (format v1): a digest is computed over the exact bytes given, with
no normalization of any kind; for text that is its UTF-8 encoding.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TYPE_CHECKING, BinaryIO, Final

import attrs

from newsarchive.errors import DigestError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHM", "Digest", "digest_equal", "hasher"]

DEFAULT_ALGORITHM: Final = "sha256"

#: Accepted algorithms, mapped to the length of their hex encoding.
ALGORITHMS: Final[dict[str, int]] = {
    "sha256": 64,
    "sha512": 128,
    "sha3-256": 64,
    "blake2b": 128,  # BLAKE2b-512, hashlib's default digest size
}
_HASHLIB_NAMES: Final = {
    "sha256": "sha256",
    "sha512": "sha512",
    "sha3-256": "sha3_256",
    "blake2b": "blake2b",
}
_WEAK: Final = frozenset({"md5", "sha1", "sha-1", "md4", "sha224"})
# OCI grammar: algorithm-component ([+._-] algorithm-component)* ":" encoded
_GRAMMAR: Final = re.compile(r"([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)")
_HEX: Final = re.compile(r"[0-9a-f]+")
_CHUNK: Final = 1 << 20


def _check_algorithm(algorithm: str) -> str:
    if algorithm in ALGORITHMS:
        return algorithm
    if algorithm.lower() in _WEAK:
        raise DigestError(
            f"{algorithm} is not collision resistant and cannot vouch for integrity; "
            f"use one of {', '.join(ALGORITHMS)}",
            code="weak-digest-algorithm",
        )
    raise DigestError(
        f"unknown digest algorithm {algorithm!r}; expected one of {', '.join(ALGORITHMS)}",
        code="unknown-digest-algorithm",
    )


def hasher(algorithm: str = DEFAULT_ALGORITHM) -> hashlib._Hash:
    """Return a fresh hashlib object for an accepted algorithm name."""
    return hashlib.new(_HASHLIB_NAMES[_check_algorithm(algorithm)])


@attrs.frozen
class Digest:
    """A digest value: algorithm name plus lower-case hex, e.g. `sha256:9f86…`."""

    algorithm: str
    hex: str

    def __attrs_post_init__(self) -> None:
        _check_algorithm(self.algorithm)
        if len(self.hex) != ALGORITHMS[self.algorithm] or not _HEX.fullmatch(self.hex):
            raise DigestError(
                f"a {self.algorithm} digest is {ALGORITHMS[self.algorithm]} lower-case hex "
                f"digits (got {self.hex!r})",
            )

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Parse `ALGORITHM:HEX`, raising `DigestError` with a code that says what is wrong."""
        if not isinstance(text, str):
            raise DigestError(f"a digest is a string 'algorithm:hex' (got {type(text).__name__})")
        match = _GRAMMAR.fullmatch(text)
        if match is None:
            raise DigestError(f"a digest has the form 'algorithm:hex' (got {text!r})")
        algorithm, value = match.groups()
        if ALGORITHMS.get(algorithm) == len(value) and _HEX.fullmatch(value):
            return cls._checked(algorithm, value)
        return cls(algorithm, value)  # raises with the precise reason

    @classmethod
    def _checked(cls, algorithm: str, value: str) -> Digest:
        # For values already known good (just checked, or a hexdigest just
        # computed): skips __attrs_post_init__, which is most of the cost.
        digest = object.__new__(cls)
        object.__setattr__(digest, "algorithm", algorithm)
        object.__setattr__(digest, "hex", value)
        return digest

    @classmethod
    def of_bytes(
        cls, data: bytes | bytearray | memoryview, algorithm: str = DEFAULT_ALGORITHM
    ) -> Digest:
        h = hasher(algorithm)
        h.update(data)
        return cls._checked(algorithm, h.hexdigest())

    @classmethod
    def of_text(cls, text: str, algorithm: str = DEFAULT_ALGORITHM) -> Digest:
        """Digest of the exact UTF-8 bytes of `text` (never normalized)."""
        return cls.of_bytes(text.encode("utf-8"), algorithm)

    @classmethod
    def of_chunks(cls, chunks: Iterable[bytes], algorithm: str = DEFAULT_ALGORITHM) -> Digest:
        h = hasher(algorithm)
        for chunk in chunks:
            h.update(chunk)
        return cls._checked(algorithm, h.hexdigest())

    @classmethod
    def of_stream(cls, stream: BinaryIO, algorithm: str = DEFAULT_ALGORITHM) -> Digest:
        """Digest of everything readable from a binary stream, in constant memory."""
        h = hasher(algorithm)
        # readinto a reused buffer: no per-chunk allocation, so streaming costs
        # about what hashlib itself costs.
        buf = bytearray(_CHUNK)
        view = memoryview(buf)
        readinto = getattr(stream, "readinto", None)
        if readinto is None:
            while chunk := stream.read(_CHUNK):
                h.update(chunk)
        else:
            while n := readinto(buf):
                h.update(view[:n])
        return cls._checked(algorithm, h.hexdigest())

    def matches(self, data: bytes | bytearray | memoryview) -> bool:
        """True when `data` hashes to this digest (compared in constant time)."""
        return digest_equal(self, Digest.of_bytes(data, self.algorithm))

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"


def digest_equal(a: Digest, b: Digest) -> bool:
    """Compare two digests in constant time (no early exit on the first differing byte)."""
    return a.algorithm == b.algorithm and hmac.compare_digest(a.hex, b.hex)
