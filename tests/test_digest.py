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


# -- issue 16: every algorithm, not only sha256 ---------------------------------------------

_KNOWN = {
    # hashlib's digests of b"abc", written out so a wrong algorithm cannot pass
    "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "sha512": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    "sha3-256": "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    "blake2b": "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
    "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
}


@pytest.mark.parametrize(("algorithm", "hexdigest"), _KNOWN.items())
def test_every_algorithm_computes_its_own_digest(algorithm: str, hexdigest: str) -> None:
    expected = Digest(algorithm, hexdigest)
    assert Digest.of_bytes(b"abc", algorithm) == expected
    assert Digest.of_text("abc", algorithm) == expected
    assert Digest.of_chunks([b"a", b"bc"], algorithm) == expected
    assert Digest.of_stream(io.BytesIO(b"abc"), algorithm) == expected
    assert Digest.parse(f"{algorithm}:{hexdigest}") == expected
    assert str(expected) == f"{algorithm}:{hexdigest}"
    assert expected.matches(b"abc")
    assert not expected.matches(b"abd")


@pytest.mark.parametrize("algorithm", sorted(_KNOWN))
def test_matches_uses_the_digest_algorithm(algorithm: str) -> None:
    # A digest of another algorithm with the same hex length must not match.
    same_length = [a for a in _KNOWN if a != algorithm and len(_KNOWN[a]) == len(_KNOWN[algorithm])]
    for other in same_length:
        assert not Digest(algorithm, _KNOWN[other]).matches(b"abc")


def test_of_text_hashes_the_exact_utf8_bytes() -> None:
    text = "e\u0301"  # not NFC: never normalized
    assert Digest.of_text(text, "sha512") == Digest.of_bytes(text.encode(), "sha512")
    assert Digest.of_text(text) != Digest.of_text("\u00e9")


def test_digest_equal_needs_the_same_algorithm() -> None:
    a = Digest("sha256", _KNOWN["sha256"])
    b = Digest("sha3-256", _KNOWN["sha256"])
    assert not digest_equal(a, b)
    assert digest_equal(a, Digest.parse(str(a)))


def test_of_stream_reads_a_stream_without_readinto() -> None:
    class Reader:
        def __init__(self, data: bytes) -> None:
            self.stream = io.BytesIO(data)

        def read(self, size: int = -1) -> bytes:
            return self.stream.read(min(size, 2))

    digest = Digest.of_stream(Reader(b"abc"), "blake2b")  # type: ignore[arg-type]
    assert digest == Digest("blake2b", _KNOWN["blake2b"])


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("md5:" + "0" * 32, "weak-digest-algorithm", "md5 is not collision resistant"),
        ("sha1:" + "0" * 40, "weak-digest-algorithm", "sha1 is not collision resistant"),
        ("sha384:" + "0" * 96, "unknown-digest-algorithm", "unknown digest algorithm 'sha384'"),
        ("sha256:" + "0" * 63, "bad-digest", "a sha256 digest is 64 lower-case hex digits"),
        ("sha256:" + "A" * 64, "bad-digest", "lower-case hex"),
        ("sha256" + "0" * 64, "bad-digest", "the form 'algorithm:hex'"),
    ],
)
def test_parse_refusals_have_codes(text: str, code: str, words: str) -> None:
    with pytest.raises(DigestError) as caught:
        Digest.parse(text)
    assert caught.value.code == code
    assert words in str(caught.value)


def test_weak_algorithms_are_refused_whatever_their_case() -> None:
    with pytest.raises(DigestError) as caught:
        hasher("SHA-1")
    assert caught.value.code == "weak-digest-algorithm"
    with pytest.raises(DigestError) as caught:
        Digest.parse(123)  # type: ignore[arg-type]
    assert "(got int)" in str(caught.value)


def test_refusals_list_the_accepted_algorithms() -> None:
    # The message is how a user learns what to use instead.
    for text in ("md5:" + "0" * 32, "sha384:" + "0" * 96):
        with pytest.raises(DigestError) as caught:
            Digest.parse(text)
        assert "sha256, sha512, sha3-256, blake2b" in str(caught.value)
