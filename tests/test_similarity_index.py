"""The on-disk LSH index: add, query, remove, rebuild, check, crash safety."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from newsarchive.similarity import (
    IndexCheck,
    MinHashParams,
    SimilarityError,
    SimilarityIndex,
    candidate_probability,
    sign,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_VOCAB = [f"w{i}" for i in range(3000)]


def _text(rng: random.Random, n: int = 120) -> str:
    return " ".join(rng.choices(_VOCAB, k=n))


def _copy(rng: random.Random, text: str, keep: float) -> str:
    """Drop words at random, keeping about `keep` of them (in order)."""
    return " ".join(w for w in text.split() if rng.random() < keep)


@pytest.fixture
def corpus() -> dict[str, str]:
    rng = random.Random(15)
    texts: dict[str, str] = {}
    for i in range(30):
        original = _text(rng)
        texts[f"o{i:02d}"] = original
        if i % 3 == 0:
            texts[f"o{i:02d}-copy"] = _copy(rng, original, 0.95)
    return texts


def test_add_get_and_query(tmp_path: Path, corpus: dict[str, str]) -> None:
    with SimilarityIndex(tmp_path / "sim.db") as index:
        assert index.add_many(corpus.items()) == len(corpus)
        assert len(index) == len(corpus)
        assert "o03" in index
        assert "nope" not in index
        assert list(index.keys()) == sorted(corpus)
        assert index.get("o03") == sign(corpus["o03"])
        assert index.get("nope") is None
        found = index.query(corpus["o03"], threshold=0.5)
        assert [m.key for m in found] == ["o03", "o03-copy"]
        assert found[0].estimate == 1.0
        assert 0.5 <= found[1].estimate < 1.0
        assert index.query_key("o03", threshold=0.5) == found[1:]
        assert index.query(corpus["o03"], threshold=0.5, limit=1) == found[:1]
        assert index.query_key("o04", threshold=0.5) == []
        with pytest.raises(KeyError):
            index.query_key("nope", threshold=0.5)


def test_query_finds_what_brute_force_finds(tmp_path: Path) -> None:
    """At 0.5 the chance of missing a match is 1 - candidate_probability ~ 1e-8."""
    rng = random.Random(7)
    base = [_text(rng) for _ in range(8)]
    texts = {f"k{i}": _copy(rng, base[i % 8], rng.uniform(0.3, 1.0)) for i in range(80)}
    sigs = {k: sign(t) for k, t in texts.items()}
    with SimilarityIndex(tmp_path / "sim.db") as index:
        index.add_many(sigs.items())
        for key, sig in sigs.items():
            expected = sorted(
                (k for k, s in sigs.items() if k != key and sig.estimate(s) >= 0.5),
            )
            assert sorted(m.key for m in index.query_key(key, threshold=0.5)) == expected
        pairs = {(a, b) for a, b, _ in index.similar_pairs(threshold=0.5)}
        brute = {(a, b) for a in sigs for b in sigs if a < b and sigs[a].estimate(sigs[b]) >= 0.5}
        assert pairs == brute
        assert set(index.candidate_pairs()) >= brute


def test_candidate_probability() -> None:
    assert candidate_probability(0.0, 64, 2) == 0.0
    assert candidate_probability(1.0, 64, 2) == 1.0
    assert candidate_probability(0.5, 64, 2) == pytest.approx(1 - 0.75**64)


def test_remove_and_replace_leave_no_stale_buckets(tmp_path: Path, corpus: dict[str, str]) -> None:
    with SimilarityIndex(tmp_path / "sim.db") as index:
        index.add_many(corpus.items())
        assert index.remove("o03-copy")
        assert not index.remove("o03-copy")
        assert index.query_key("o03", threshold=0.3) == []
        index.add("o03", corpus["o06"])  # replaced by another text
        assert index.get("o03") == sign(corpus["o06"])
        assert [m.key for m in index.query_key("o03", threshold=0.5)] == ["o06", "o06-copy"]
        expected = {**corpus, "o03": corpus["o06"]}
        del expected["o03-copy"]
        assert index.check(expected.items()) == IndexCheck()


def test_empty_texts_are_stored_but_match_nothing(tmp_path: Path) -> None:
    with SimilarityIndex(tmp_path / "sim.db") as index:
        index.add_many([("a", ""), ("b", "..."), ("c", "one two three")])
        assert index.get("a") == sign("")
        assert index.query("", threshold=0.1) == []
        assert index.query_key("a", threshold=0.1) == []
        assert list(index.candidate_pairs()) == []
        assert index.check([("a", ""), ("b", ""), ("c", "one two three")]).ok


def test_reopen_keeps_content_and_refuses_other_parameters(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    with SimilarityIndex(path, params=MinHashParams(num_perm=64), bands=16) as index:
        index.add("a", "the harbour council met on monday")
    with SimilarityIndex(path) as index:
        assert (index.params.num_perm, index.bands, index.rows) == (64, 16, 4)
        assert index.get("a") == sign("the harbour council met on monday", index.params)
    for kwargs in ({"params": MinHashParams()}, {"bands": 32}):
        with pytest.raises(SimilarityError) as err:
            SimilarityIndex(path, **kwargs)
        assert err.value.code == "scheme-mismatch"
    with SimilarityIndex(path) as index, pytest.raises(SimilarityError) as err:
        index.add("b", sign("other words here"))  # a 128-permutation signature
    assert err.value.code == "scheme-mismatch"


def test_files_that_are_not_an_index(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE meta (name TEXT, value TEXT)").connection.close()
    for path in (junk, other):
        with pytest.raises(SimilarityError) as err:
            SimilarityIndex(path)
        assert err.value.code == "bad-index"


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(SimilarityError) as err:
        SimilarityIndex(tmp_path / "nope" / "sim.db")
    assert err.value.code == "bad-index"
    assert str(err.value).endswith("sim.db: cannot create a similarity index: no such directory")


def test_bad_threshold(tmp_path: Path) -> None:
    with SimilarityIndex(tmp_path / "sim.db") as index:
        for threshold in (0.0, -1.0, 1.5):
            with pytest.raises(SimilarityError) as err:
                index.query("a b c", threshold=threshold)
            assert err.value.code == "bad-threshold"


def test_rebuild_and_check(tmp_path: Path, corpus: dict[str, str]) -> None:
    path = tmp_path / "sim.db"
    with SimilarityIndex(path) as index:
        index.add_many([("gone", "an old article"), ("o00", "a stale text of o00")])
        report = index.check(corpus.items())
        assert report.missing == tuple(k for k in sorted(corpus) if k != "o00")
        assert report.extra == ("gone",)
        assert report.stale == ("o00",)
        assert not report.ok
        assert index.rebuild(corpus.items()) == len(corpus)
        assert index.check(corpus.items()).ok
    db = sqlite3.connect(path)
    with db:
        db.execute("DELETE FROM buckets WHERE bucket = (SELECT min(bucket) FROM buckets)")
        db.execute("INSERT INTO buckets VALUES (42, 99999)")
    db.close()
    with SimilarityIndex(path) as index:
        problems = index.check(corpus.items()).problems
    assert problems == (
        "1 bucket entries of no indexed key",
        "1 keys whose bucket entries do not match their signature",
    )


def test_a_failed_batch_changes_nothing(tmp_path: Path) -> None:
    def items() -> Iterator[tuple[str, str]]:
        yield "a", "first text here"
        raise RuntimeError("source failed")

    with SimilarityIndex(tmp_path / "sim.db") as index:
        with pytest.raises(RuntimeError):
            index.add_many(items())
        assert len(index) == 0
        assert index.check([]).ok


def test_a_killed_writer_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    with SimilarityIndex(path) as index:
        index.add("kept", "a text that was committed before")
    code = f"""
import os
from newsarchive.similarity import SimilarityIndex
index = SimilarityIndex({str(path)!r})
def items():
    for i in range(200):
        yield f"k{{i}}", f"text number {{i}} with some words"
    os._exit(9)  # killed mid-transaction: no rollback, no close
index.add_many(items())
"""
    proc = subprocess.run([sys.executable, "-c", code], check=False)
    assert proc.returncode == 9
    with SimilarityIndex(path) as index:
        assert list(index.keys()) == ["kept"]
        assert index.check([("kept", "a text that was committed before")]).ok


def test_bucket_rule_matches_its_plain_definition(tmp_path: Path) -> None:
    from newsarchive.similarity._shingle import GOLDEN, fmix64

    sig = sign("the harbour council approved the ferry timetable on monday")
    with SimilarityIndex(tmp_path / "sim.db", params=MinHashParams(), bands=32) as index:
        got = index.buckets(sig)
    values = sig.array().tolist()
    expected = []
    for band in range(32):
        h = band + 1
        for v in values[band * 4 : band * 4 + 4]:
            h = fmix64(((h * GOLDEN) % 2**64) ^ v)
        expected.append(h - 2**64 if h >= 2**63 else h)
    assert got == expected


def test_batches_and_repeated_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsarchive.similarity import _index

    monkeypatch.setattr(_index, "_WRITE_BATCH", 3)
    rng = random.Random(3)
    texts = [_text(rng) for _ in range(8)]
    items = [(f"k{i}", t) for i, t in enumerate(texts)]
    items += [("k1", texts[7]), ("k6", texts[0]), ("k6", texts[2])]  # later ones win
    with SimilarityIndex(tmp_path / "sim.db") as index:
        assert index.add_many(items) == len(items)
        expected = dict(items)
        assert len(index) == 8
        assert index.check(expected.items()).ok
        assert {m.key for m in index.query(texts[2], threshold=0.9)} == {"k2", "k6"}


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        # A bucket entry lost, one added to a real key, one moved to another bucket.
        (
            (
                "DELETE FROM buckets WHERE doc = 3 AND bucket = (SELECT min(bucket) FROM buckets "
                "WHERE doc = 3)"
            ),
            ("1 keys whose bucket entries do not match their signature",),
        ),
        (
            "INSERT INTO buckets VALUES (12345, 5)",
            ("1 keys whose bucket entries do not match their signature",),
        ),
        (
            (
                "UPDATE buckets SET bucket = bucket + 1 WHERE doc = 7 AND bucket = "
                "(SELECT max(bucket) FROM buckets WHERE doc = 7)"
            ),
            ("1 keys whose bucket entries do not match their signature",),
        ),
        ("INSERT INTO buckets VALUES (12345, 0)", ("1 bucket entries of no indexed key",)),
        ("DELETE FROM docs WHERE doc = 2", ("64 bucket entries of no indexed key",)),
    ],
)
def test_check_finds_each_kind_of_bucket_damage(
    tmp_path: Path, corpus: dict[str, str], tamper: str, expected: tuple[str, ...]
) -> None:
    path = tmp_path / "sim.db"
    with SimilarityIndex(path) as index:
        index.add_many(corpus.items())
        assert index.check(corpus.items()).ok
    db = sqlite3.connect(path)
    with db:
        db.execute(tamper)
    db.close()
    with SimilarityIndex(path) as index:
        assert index.check(corpus.items()).problems == expected


@pytest.mark.parametrize("big", [1000, 2, 0])
def test_similar_pairs_are_the_same_when_big_buckets_are_resolved_per_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, big: int
) -> None:
    """Buckets above BIG_BUCKET members are resolved key by key: same pairs, each once."""
    from newsarchive.similarity import _pairs

    rng = random.Random(11)
    base = [_text(rng) for _ in range(5)]
    texts = {f"k{i:02d}": _copy(rng, base[i % 5], rng.uniform(0.4, 1.0)) for i in range(40)}
    texts["lonely"] = _text(rng)
    sigs = {k: sign(t) for k, t in texts.items()}
    brute = sorted(
        (a, b, sigs[a].estimate(sigs[b]))
        for a in sigs
        for b in sigs
        if a < b and sigs[a].estimate(sigs[b]) >= 0.3
    )
    monkeypatch.setattr(_pairs, "BIG_BUCKET", big)
    with SimilarityIndex(tmp_path / "sim.db") as index:
        index.add_many(sigs.items())
        found = list(index.similar_pairs(threshold=0.3))
        if big == 0:  # every shared bucket is "big": nothing is held as candidate pairs
            assert _pairs.bucket_pairs(index._db, big)[0] == set()
    assert sorted(found) == brute
    assert len(found) == len({(a, b) for a, b, _ in found})


def test_caller_meta_values_go_with_the_batch_and_rebuild_replaces_them(tmp_path: Path) -> None:
    with SimilarityIndex(tmp_path / "sim.db") as index:
        assert index.meta("position") is None
        assert index.meta("format") == "newsarchive-similarity-index/1"
        index.add_many([("a", "one two three four")], meta={"position": "1", "other": "x"})
        assert (index.meta("position"), index.meta("other")) == ("1", "x")
        with pytest.raises(ValueError, match="the index's own"):
            index.add_many([("b", "five six seven")], meta={"scheme": "mine"})
        assert "b" not in index  # refused before anything was added
        index.rebuild([("c", "eight nine ten")], meta={"position": "0"})
        assert (index.meta("position"), index.meta("other")) == ("0", None)
        assert list(index.keys()) == ["c"]
    with SimilarityIndex(tmp_path / "sim.db") as index:  # what a rebuild kept, and its own
        assert index.meta("position") == "0"
        assert index.meta("scheme") == index.params.scheme


def test_opening_an_index_never_waits_for_a_writer(tmp_path: Path) -> None:
    # Found in review: opening took a write lock, so a check beside a writer's open
    # transaction waited 5 s and then failed as "not a similarity index".
    path = tmp_path / "sim.db"
    with SimilarityIndex(path) as index:
        index.add("a", "one two three four")
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with SimilarityIndex(path) as index:
            assert list(index.keys()) == ["a"]
    finally:
        writer.execute("ROLLBACK")
        writer.close()
