"""MinHash signatures: exact agreement with datasketch, estimates, schemes."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given

from newsarchive.similarity import (
    DEFAULT_PARAMS,
    MinHashParams,
    Signature,
    SimilarityError,
    exact_jaccard,
    shingle_hashes,
    sign,
    signature_of_hashes,
)
from tests.strategies import sim_words


def _datasketch_same_permutations(hashes: np.ndarray, params: MinHashParams) -> np.ndarray:
    m = MinHash(
        num_perm=params.num_perm,
        permutations=params.permutations(),
        scheme="affine32",
        hashfunc=lambda v: v,
    )
    m.update_batch([int(h) & 0xFFFFFFFF for h in hashes])
    values: np.ndarray = m.hashvalues
    return values


@given(sim_words)
def test_values_equal_datasketch_affine32_with_our_permutations(ws: list[str]) -> None:
    hashes = shingle_hashes(" ".join(ws))
    if len(hashes) == 0:
        assert sign(" ".join(ws)).is_empty
        return
    for params in (DEFAULT_PARAMS, MinHashParams(num_perm=64, seed=7)):
        ours = signature_of_hashes(hashes, params).array()
        assert ours.tolist() == _datasketch_same_permutations(hashes, params).tolist()


def _pair(rng: random.Random, target: float, size: int = 400) -> tuple[list[str], list[str]]:
    """Two texts (as shingle-able word lists) whose 1-gram sets have Jaccard near `target`."""
    shared = round(size * 2 * target / (1 + target))
    common = [f"w{rng.getrandbits(40)}" for _ in range(shared)]
    only_a = [f"a{rng.getrandbits(40)}" for _ in range(size - shared)]
    only_b = [f"b{rng.getrandbits(40)}" for _ in range(size - shared)]
    return common + only_a, common + only_b


def test_estimates_agree_with_datasketch_defaults_and_the_exact_jaccard() -> None:
    """Our estimate and datasketch's own (SHA-1, its permutations) against the truth."""
    rng = random.Random(2026)
    params = MinHashParams(word_ngram=1)
    ours_err, theirs_err = [], []
    for i in range(150):
        a, b = _pair(rng, target=i / 150)
        exact = exact_jaccard(params.shingles(" ".join(a)), params.shingles(" ".join(b)))
        ours = sign(" ".join(a), params).estimate(sign(" ".join(b), params))
        ma, mb = MinHash(num_perm=128), MinHash(num_perm=128)
        ma.update_batch([w.encode() for w in a])
        mb.update_batch([w.encode() for w in b])
        theirs = ma.jaccard(mb)
        sigma = math.sqrt(max(exact * (1 - exact), 0.01) / 128)
        assert abs(ours - exact) < 5 * sigma, (i, exact, ours)
        ours_err.append(ours - exact)
        theirs_err.append(theirs - exact)
    # Same accuracy as the reference: no bias, and a spread within 20% of datasketch's.
    assert abs(sum(ours_err) / len(ours_err)) < 0.01
    rms = math.sqrt(sum(e * e for e in ours_err) / len(ours_err))
    rms_ref = math.sqrt(sum(e * e for e in theirs_err) / len(theirs_err))
    assert rms < 1.2 * rms_ref + 0.002, (rms, rms_ref)


def test_identical_and_disjoint_texts() -> None:
    a = sign("the council approved the harbour budget on monday evening")
    assert a.estimate(sign("The council approved the harbour budget, on Monday evening.")) == 1.0
    assert a.estimate(sign("storm warning issued for the northern coast tonight")) == 0.0


def test_empty_texts_have_an_empty_signature_that_matches_nothing() -> None:
    empty = sign("")
    assert empty.is_empty
    assert empty.estimate(sign("...")) == 0.0
    assert empty.estimate(sign("some words here")) == 0.0
    assert exact_jaccard(shingle_hashes(""), shingle_hashes("")) == 0.0


def test_exact_jaccard_is_the_set_ratio() -> None:
    a, b = shingle_hashes("a b c d e f"), shingle_hashes("a b c d x y")
    sa, sb = {int(h) for h in a}, {int(h) for h in b}
    assert exact_jaccard(a, b) == len(sa & sb) / len(sa | sb) == 2 / 6


def test_signatures_record_their_scheme_and_refuse_other_schemes() -> None:
    text = "one two three four five"
    ours = sign(text)
    assert ours.scheme == "minhash-affine32/1 norm=1 word=3 char=3 perm=128 seed=1"
    assert MinHashParams.from_scheme(ours.scheme) == DEFAULT_PARAMS
    other = sign(text, MinHashParams(seed=2))
    with pytest.raises(SimilarityError) as err:
        ours.estimate(other)
    assert err.value.code == "scheme-mismatch"


@pytest.mark.parametrize(
    ("scheme", "code"),
    [
        ("minhash/1", "bad-scheme"),
        ("minhash-affine32/2 norm=1 word=3 char=3 perm=128 seed=1", "scheme-mismatch"),
        ("minhash-affine32/1 norm=9 word=3 char=3 perm=128 seed=1", "scheme-mismatch"),
        ("minhash-affine32/1 norm=1 word=0 char=3 perm=128 seed=1", "bad-scheme"),
    ],
)
def test_unknown_schemes_are_refused(scheme: str, code: str) -> None:
    with pytest.raises(SimilarityError) as err:
        MinHashParams.from_scheme(scheme)
    assert err.value.code == code


def test_signature_bytes_must_fit_the_scheme() -> None:
    with pytest.raises(SimilarityError) as err:
        Signature(DEFAULT_PARAMS.scheme, b"\x00" * 12)
    assert err.value.code == "bad-signature"


def test_numpy_loads_only_when_a_signature_is_needed() -> None:
    import subprocess
    import sys

    code = (
        "import sys, newsarchive, newsarchive.similarity as s;"
        "assert 'numpy' not in sys.modules, 'import';"
        "s.words('a b');"
        "assert 'numpy' not in sys.modules, 'words';"
        "s.sign('a b c');"
        "assert 'numpy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- mutation gaps (issue 16): the scheme's parameters are a contract of stored signatures --


def test_permutations_follow_the_documented_blake2b_derivation() -> None:
    import hashlib

    for seed in (0, 1, 7):
        a, b = MinHashParams(num_perm=5, seed=seed).permutations()
        assert (str(a.dtype), str(b.dtype), len(a), len(b)) == ("uint32", "uint32", 5, 5)
        for k in range(5):
            label = f"newsarchive-minhash seed={seed} k={k}".encode()
            x = int.from_bytes(hashlib.blake2b(label, digest_size=8).digest(), "little")
            assert (int(a[k]), int(b[k])) == ((x % 2**32) | 1, x >> 32)
    a, b = MinHashParams(num_perm=3, seed=7).permutations()
    assert [int(v) for v in a] == [2369235849, 1123091651, 247084555]  # pinned
    assert [int(v) for v in b] == [2965410651, 128545073, 2729466068]


def test_pinned_signature_values_catch_any_change_of_the_scheme() -> None:
    # If this fails, every stored signature is stale: bump SCHEME_VERSION instead.
    s = sign("The quick brown fox jumps over the lazy dog", MinHashParams(num_perm=4, seed=3))
    assert s.values.hex() == "62688c374fb9bc125cfa003c3f657925"


@pytest.mark.parametrize(
    ("kwargs", "ok"),
    [
        ({"num_perm": 1}, True),
        ({"num_perm": 4096}, True),
        ({"seed": 0}, True),
        ({"word_ngram": 1, "char_ngram": 1}, True),
        ({"word_ngram": 16, "char_ngram": 16}, True),
        ({"num_perm": 0}, False),
        ({"num_perm": 4097}, False),
        ({"seed": -1}, False),
        ({"word_ngram": 0}, False),
        ({"word_ngram": 17}, False),
        ({"char_ngram": 0}, False),
        ({"char_ngram": 17}, False),
    ],
)
def test_parameter_bounds(kwargs: dict[str, int], ok: bool) -> None:
    if ok:
        params = MinHashParams(**kwargs)
        assert MinHashParams.from_scheme(params.scheme) == params
        return
    with pytest.raises(SimilarityError) as err:
        MinHashParams(**kwargs)
    assert err.value.code == "bad-scheme"
    ngram = "word_ngram" in kwargs or "char_ngram" in kwargs
    assert err.value.message == (
        "n-gram sizes must be 1..16" if ngram else "num_perm must be 1..4096 and seed >= 0"
    )


def test_every_parameter_goes_through_the_scheme_string() -> None:
    params = MinHashParams(num_perm=64, seed=5, word_ngram=2, char_ngram=4)
    assert params.scheme == "minhash-affine32/1 norm=1 word=2 char=4 perm=64 seed=5"
    assert MinHashParams.from_scheme(params.scheme) == params
    assert Signature(params.scheme, bytes(256)).params == params


def test_shingles_use_both_n_gram_sizes() -> None:
    assert len(MinHashParams(word_ngram=1).shingles("a b c d")) == 4
    assert len(MinHashParams(word_ngram=2).shingles("a b c d")) == 3
    assert len(MinHashParams(char_ngram=2).shingles("北京今天发布")) == 5
    assert len(MinHashParams(char_ngram=4).shingles("北京今天发布")) == 3


def test_refusals_name_the_scheme_or_sizes() -> None:
    with pytest.raises(SimilarityError) as err:
        MinHashParams.from_scheme("minhash/1")
    assert err.value.message == "not a newsarchive MinHash scheme: 'minhash/1'"
    other = "minhash-affine32/2 norm=1 word=3 char=3 perm=128 seed=1"
    with pytest.raises(SimilarityError) as err:
        MinHashParams.from_scheme(other)
    assert err.value.message == (
        f"scheme {other!r} is from another version of newsarchive "
        "(this one makes minhash-affine32/1 norm=1)"
    )
    with pytest.raises(SimilarityError) as err:
        Signature(DEFAULT_PARAMS.scheme, b"\x00" * 12)
    assert err.value.message == "a 128-permutation signature has 512 bytes, not 12"
    one, two = sign("a b c"), sign("a b c", MinHashParams(seed=2))
    with pytest.raises(SimilarityError) as err:
        one.estimate(two)
    assert err.value.message == (
        f"cannot compare signatures of schemes {one.scheme!r} and {two.scheme!r}"
    )
