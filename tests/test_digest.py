from __future__ import annotations

import contextlib
import hashlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import Digest, DigestError
from newsarchive.digest import ALGORITHMS, digest_equal, hasher

HELLO_SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_of_bytes_is_hashlib_over_exact_bytes() -> None:
    assert Digest.of_bytes(b"hello") == Digest("sha256", HELLO_SHA256)
    assert str(Digest.of_bytes(b"hello")) == f"sha256:{HELLO_SHA256}"


@pytest.mark.parametrize(
    ("algorithm", "reference"),
    [("sha256", "sha256"), ("sha512", "sha512"), ("sha3-256", "sha3_256"), ("blake2b", "blake2b")],
)
def test_each_algorithm_matches_hashlib(algorithm: str, reference: str) -> None:
    digest = Digest.of_bytes(b"abc", algorithm)
    assert digest.hex == hashlib.new(reference, b"abc").hexdigest()
    assert len(digest.hex) == ALGORITHMS[algorithm]
    assert Digest.parse(str(digest)) == digest


def test_text_is_hashed_as_utf8_without_normalization() -> None:
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    assert Digest.of_text(nfc) != Digest.of_text(nfd)
    zwnj = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # Persian with ZWNJ
    assert Digest.of_text(zwnj).hex == hashlib.sha256(zwnj.encode()).hexdigest()


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "SHA1", "sha-1"])
def test_weak_algorithms_are_refused_with_their_own_code(algorithm: str) -> None:
    with pytest.raises(DigestError) as info:
        hasher(algorithm)
    assert info.value.code == "weak-digest-algorithm"
    assert "collision" in str(info.value)


def test_unknown_algorithm() -> None:
    with pytest.raises(DigestError) as info:
        Digest.parse("crc32:" + "0" * 8)
    assert info.value.code == "unknown-digest-algorithm"


@pytest.mark.parametrize(
    "text",
    [
        "sha256",
        "sha256:",
        ":" + HELLO_SHA256,
        "sha256:" + HELLO_SHA256.upper(),
        "sha256:" + HELLO_SHA256[:-1],
        "sha256:" + HELLO_SHA256 + "0",
        "sha256:" + HELLO_SHA256 + "\n",
        "SHA256:" + HELLO_SHA256,
        "sha256:" + "g" * 64,
    ],
)
def test_malformed_digests(text: str) -> None:
    with pytest.raises(DigestError):
        Digest.parse(text)


def test_streaming_equals_one_shot() -> None:
    data = bytes(range(256)) * 20000  # several read chunks
    assert Digest.of_stream(io.BytesIO(data)) == Digest.of_bytes(data)
    assert Digest.of_chunks([data[:7], data[7:]], "sha512") == Digest.of_bytes(data, "sha512")


def test_stream_without_readinto() -> None:
    class Reader:
        def __init__(self, data: bytes) -> None:
            self.buf = io.BytesIO(data)

        def read(self, n: int) -> bytes:
            return self.buf.read(n)

    assert Digest.of_stream(Reader(b"hello")) == Digest.of_bytes(b"hello")  # type: ignore[arg-type]


def test_matches_and_constant_time_equality() -> None:
    d = Digest.of_bytes(b"x")
    assert d.matches(b"x")
    assert not d.matches(b"y")
    assert not digest_equal(d, Digest.of_bytes(b"x", "sha3-256"))


@given(st.binary(), st.sampled_from(sorted(ALGORITHMS)))
def test_round_trip_through_text(data: bytes, algorithm: str) -> None:
    digest = Digest.of_bytes(data, algorithm)
    assert Digest.parse(str(digest)) == digest


@given(st.text())
def test_parse_raises_only_digest_error(text: str) -> None:
    with contextlib.suppress(DigestError):
        Digest.parse(text)
