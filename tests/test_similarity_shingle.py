"""Shingles and their stable 64-bit hashes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.similarity import shingle_hashes
from newsarchive.similarity._shingle import shingle_hash_reference, token_hash
from tests.strategies import sim_words


def test_token_hash_is_blake2b_64_little_endian() -> None:
    expected = int.from_bytes(hashlib.blake2b("naïve".encode(), digest_size=8).digest(), "little")
    assert token_hash("naïve") == expected


def test_pinned_values_catch_any_change_of_the_hash() -> None:
    # If this fails, every stored index is stale: bump SCHEME_VERSION instead.
    assert [int(h) for h in shingle_hashes("The quick brown fox")] == PINNED


PINNED = [356829954823654078, 7332032033516196288]


def test_hashes_are_the_same_in_another_process() -> None:
    code = (
        "from newsarchive.similarity import shingle_hashes;"
        "print([int(h) for h in shingle_hashes('one two three four, cinq six')])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    ).stdout
    assert out.strip() == str([int(h) for h in shingle_hashes("one two three four, cinq six")])


@given(sim_words, st.integers(1, 5))
def test_array_hashes_match_the_reference_definition(ws: list[str], n: int) -> None:
    got = shingle_hashes(" ".join(ws), word_ngram=n)
    if not ws:
        assert len(got) == 0
        return
    k = min(n, len(ws))
    expected = sorted({shingle_hash_reference(ws[i : i + k]) for i in range(len(ws) - k + 1)})
    assert [int(h) for h in got] == expected


def test_word_shingles_ignore_case_and_punctuation_but_not_order() -> None:
    assert list(shingle_hashes("Hello, World — foo!")) == list(shingle_hashes("hello world FOO"))
    assert list(shingle_hashes("a b c")) != list(shingle_hashes("c b a"))


def test_short_and_empty_texts() -> None:
    assert len(shingle_hashes("two words")) == 1
    assert len(shingle_hashes("")) == 0
    assert len(shingle_hashes(" ,.!? ")) == 0


def test_spaceless_text_uses_character_shingles() -> None:
    text = "北京今天发布了新的规定"  # 11 distinct characters
    assert len(shingle_hashes(text)) == 11 - 3 + 1
    # Spaces and punctuation between the characters do not matter.
    assert list(shingle_hashes("北京，今天 发布了新的规定。")) == list(shingle_hashes(text))  # noqa: RUF001


def test_the_token_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsarchive.similarity import _shingle

    monkeypatch.setattr(_shingle, "_CACHE_LIMIT", 5)
    monkeypatch.setattr(_shingle, "_cache", {})
    first = [token_hash(f"t{i}") for i in range(12)]
    assert len(_shingle._cache) <= 5
    assert [token_hash(f"t{i}") for i in range(12)] == first  # same values after clearing


def test_no_shingles_is_an_empty_uint64_array() -> None:
    # the same type as any other shingle set: exact_jaccard and the index mix them
    for text in ("", " ,.!? "):
        empty = shingle_hashes(text)
        assert (empty.dtype, empty.shape) == (np.dtype(np.uint64), (0,))
    assert shingle_hashes("a b c").dtype == np.dtype(np.uint64)
