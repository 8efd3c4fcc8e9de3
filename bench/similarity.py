"""Near-duplicate quality and speed of newsarchive.similarity, beside its references.

    python -m bench.similarity [--originals 1200] [--size 20000] [--threshold T]

Quality, on a generated corpus with ground truth (bench/_simcorpus.py): pair
precision, pair recall on copies that keep >= 50% of the original's text
(overall and per transform), cluster quality (adjusted Rand index) and the
share of clusters whose origin is right where the original states its
publication time — for our index at the default threshold, an exact-digest
baseline and datasketch (its defaults, and at our threshold), in the same run.

Speed: signatures per second for ~600-word articles (one process, and two
processes), against datasketch's MinHash over the same shingles; then an
index of --size articles: build rate, file size per article, `query` p50/p99
and peak memory in a fresh process, and the time to cluster all of it.
Nothing here is a pass/fail test; work files go to bench/_work/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datasketch import MinHash, MinHashLSH

from bench._simcorpus import T0, TRANSFORMS, Doc, corpus, filler
from newsarchive.similarity import (
    DEFAULT_THRESHOLD,
    Article,
    Signature,
    SimilarityIndex,
    clusters,
    sign,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

WORK = Path(__file__).resolve().parent / "_work"
Pair = tuple[str, str]


# -- quality ------------------------------------------------------------------------------


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def _ari(labels_a: list[str], labels_b: list[str]) -> float:
    def c2(n: int) -> float:
        return n * (n - 1) / 2

    joint = sum(c2(n) for n in Counter(zip(labels_a, labels_b, strict=True)).values())
    sa = sum(c2(n) for n in Counter(labels_a).values())
    sb = sum(c2(n) for n in Counter(labels_b).values())
    expected = sa * sb / c2(len(labels_a))
    top = 0.5 * (sa + sb) - expected
    return (joint - expected) / top if top else 1.0


def score(docs: list[Doc], pairs: Iterable[tuple[str, str, float]]) -> dict[str, Any]:
    """Precision, recall (>= 50% shared, overall and per transform), ARI, origin right."""
    by_key = {d.key: d for d in docs}
    found = [(a, b, e) for a, b, e in pairs]
    predicted = {_pair(a, b) for a, b, _ in found}
    correct = sum(by_key[a].group == by_key[b].group for a, b in predicted)
    wanted = [d for d in docs if d.kind != "original" and d.shared >= 0.5]
    hit = [_pair(d.key, d.group) in predicted for d in wanted]
    per_kind = {}
    for kind in TRANSFORMS:
        flags = [h for d, h in zip(wanted, hit, strict=True) if kind in d.kind.split("+")]
        per_kind[kind] = sum(flags) / len(flags) if flags else math.nan
    per_lang = {}
    for lang in sorted({d.lang for d in docs}):
        flags = [h for d, h in zip(wanted, hit, strict=True) if d.lang == lang]
        per_lang[lang] = sum(flags) / len(flags) if flags else math.nan
    articles = [Article(d.key, d.canonical_url, d.retrieved_at, d.published_at) for d in docs]
    found_clusters = clusters(articles, found)
    label = {d.key: d.key for d in docs}
    origin_of: dict[str, str] = {}
    for i, c in enumerate(found_clusters):
        for key in c.keys:
            label[key] = f"c{i}"
            origin_of[key] = c.origin.key
    groups = Counter(d.group for d in docs)
    known = [d for d in docs if d.kind == "original" and groups[d.key] > 1 and d.published_at]
    right = sum(origin_of.get(d.key) == d.key for d in known)
    return {
        "pairs": len(predicted),
        "precision": correct / len(predicted) if predicted else math.nan,
        "recall50": sum(hit) / len(hit),
        "per_kind": per_kind,
        "per_lang": per_lang,
        "ari": _ari([label[d.key] for d in docs], [d.group for d in docs]),
        "origin": right / len(known),
        "clusters": len(found_clusters),
    }


def ours(docs: list[Doc], threshold: float) -> list[tuple[str, str, float]]:
    path = WORK / "sim-quality.db"
    path.unlink(missing_ok=True)
    with SimilarityIndex(path) as index:
        index.add_many((d.key, sign(d.text)) for d in docs)
        return list(index.similar_pairs(threshold=threshold))


def exact_digest(docs: list[Doc]) -> list[tuple[str, str, float]]:
    by_digest: dict[bytes, list[str]] = {}
    for d in docs:
        by_digest.setdefault(hashlib.sha256(d.text.encode()).digest(), []).append(d.key)
    return [(a, b, 1.0) for keys in by_digest.values() for a in keys for b in keys if a < b]


def _ds_shingles(text: str) -> list[bytes]:
    """What a datasketch user typically feeds: lowercased whitespace-split word 3-grams."""
    w = text.lower().split()
    return [" ".join(w[i : i + 3]).encode() for i in range(max(len(w) - 2, 1))]


def datasketch_pairs(docs: list[Doc], threshold: float | None) -> list[tuple[str, str, float]]:
    """datasketch MinHash(128) + MinHashLSH: its default threshold (0.9) and candidates
    as matches when `threshold` is None; else at `threshold` with candidates verified."""
    lsh = MinHashLSH(num_perm=128) if threshold is None else MinHashLSH(threshold, num_perm=128)
    sigs = {}
    for d in docs:
        m = MinHash(num_perm=128)
        m.update_batch(_ds_shingles(d.text))
        sigs[d.key] = m
        lsh.insert(d.key, m)
    out = []
    for key, m in sigs.items():
        for other in lsh.query(m):
            if key < other:
                est = m.jaccard(sigs[other])
                if threshold is None or est >= threshold:
                    out.append((key, other, est))
    return out


def quality(originals: int, threshold: float) -> None:
    docs = corpus(originals)
    copies = [d for d in docs if d.kind != "original"]
    print(
        f"\nQuality: {len(docs):,} articles ({originals:,} originals in 6 languages, "
        f"{len(copies):,} copies, {sum(d.shared >= 0.5 for d in copies):,} keep >= 50%)"
    )
    sweep = sorted({0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, threshold})
    everything = ours(docs, sweep[0])
    print("newsarchive at other thresholds (same index):")
    for t in sweep:
        s = score(docs, [p for p in everything if p[2] >= t])
        print(
            f"  {t:4.2f}: pairs {s['pairs']:6,} precision {s['precision']:.3f} "
            f"recall>=50% {s['recall50']:.3f} ARI {s['ari']:.3f} origin {s['origin']:.3f}"
        )
    mine = [p for p in everything if p[2] >= threshold]
    rows = [
        (f"newsarchive, threshold {threshold}", score(docs, mine)),
        ("exact digest (SHA-256 of the text)", score(docs, exact_digest(docs))),
        ("datasketch defaults (LSH 0.9)", score(docs, datasketch_pairs(docs, None))),
        (f"datasketch, threshold {threshold}", score(docs, datasketch_pairs(docs, threshold))),
    ]
    print(
        f"{'method':38} {'pairs':>7} {'precision':>9} {'recall>=50%':>11} {'ARI':>6} {'origin':>7}"
    )
    for name, s in rows:
        print(
            f"{name:38} {s['pairs']:7,} {s['precision']:9.3f} {s['recall50']:11.3f} "
            f"{s['ari']:6.3f} {s['origin']:7.3f}"
        )
    print("recall >= 50% by transform (a copy counts under each transform it had):")
    for name, s in rows:
        kinds = " ".join(f"{k} {v:.2f}" for k, v in s["per_kind"].items())
        print(f"  {name:36} {kinds}")
    print("recall >= 50% by language:")
    for name, s in rows:
        langs = " ".join(f"{k} {v:.2f}" for k, v in s["per_lang"].items())
        print(f"  {name:36} {langs}")


# -- speed --------------------------------------------------------------------------------


def _rates(fn: Callable[[], None], count: int) -> tuple[float, float]:
    """Best items per wall second and per CPU second over three runs."""
    wall = cpu = 0.0
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        wall = max(wall, count / (time.perf_counter() - started))
        cpu = max(cpu, count / (time.process_time() - cpu_started))
    return wall, cpu


def _sign_all(texts: list[str]) -> list[bytes]:
    return [sign(t).values for t in texts]


def speed(size: int, queries: int) -> None:
    texts = filler(3000)

    def ours_sign() -> None:
        for t in texts:
            sign(t)

    def ref_sign() -> None:
        for t in texts:
            MinHash(num_perm=128).update_batch(_ds_shingles(t))

    print("\nSpeed (~600-word English articles, 128 permutations; best of 3)")
    print("  per wall-clock second and per CPU-second of the process (the machine is shared)")
    (ow, oc), (rw, rc) = _rates(ours_sign, len(texts)), _rates(ref_sign, len(texts))
    print(
        f"  signatures, one process: {ow:6,.0f}/s wall, {oc:6,.0f}/s CPU;  datasketch MinHash "
        f"(same 3-grams): {rw:6,.0f}/s wall, {rc:6,.0f}/s CPU;  ratio {oc / rc:.1f}x (CPU)"
    )
    rng = random.Random(size)
    base = filler(size)
    docs = [(f"a{i:07d}", t) for i, t in enumerate(base)]
    for i in range(0, size, 20):  # 5% are copies with about a quarter of the words dropped
        words = [w for w in base[i].split() if rng.random() < 0.75]
        docs.append((f"c{i:07d}", " ".join(words)))
    started = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        values = [
            v
            for chunk in pool.map(
                _sign_all, [[t for _, t in docs[i : i + 1000]] for i in range(0, len(docs), 1000)]
            )
            for v in chunk
        ]
    sign_s = time.perf_counter() - started
    scheme = sign("").scheme
    path = WORK / f"sim-index-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    with SimilarityIndex(path) as index:
        index.add_many(
            (key, Signature(scheme, v)) for (key, _), v in zip(docs, values, strict=True)
        )
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    size_bytes = sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )
    n = len(docs)
    print(f"\nIndex of {n:,} articles ({size:,} unrelated + {n - size:,} copies)")
    print(f"  signing, two processes: {n / sign_s:8,.0f}/s ({n / sign_s / 2:,.0f}/s per process)")
    print(f"  index build (add_many): {n / build_s:8,.0f}/s wall, {n / build_cpu:,.0f}/s CPU")
    print(
        f"  file: {size_bytes / n:,.0f} bytes per article = "
        f"{size_bytes / n * 1e6 / 2**30:.2f} GiB per million articles"
    )
    job = subprocess.run(
        [sys.executable, "-m", "bench._simquery", str(path), str(queries)],
        check=True,
        capture_output=True,
        text=True,
        cwd=WORK.parent.parent,
    )
    q = json.loads(job.stdout)
    print(
        f"  query by key ({queries} keys): p50 {q['p50_ms']:.2f} ms, p99 {q['p99_ms']:.2f} ms "
        f"wall (max {q['max_ms']:.1f}); CPU time p50 {q['cpu_p50_ms']:.2f} ms, "
        f"p99 {q['cpu_p99_ms']:.2f} ms; peak RSS of that process {q['rss_mib']:.0f} MiB "
        "(SQLite cache bound 16 MiB)"
    )
    articles = [
        Article(key, f"https://site-{i % 97}.example/{key}", T0 + timedelta(seconds=i))
        for i, (key, _) in enumerate(docs)
    ]
    started, cpu = time.perf_counter(), time.process_time()
    with SimilarityIndex(path) as index:
        pairs = list(index.similar_pairs(threshold=DEFAULT_THRESHOLD))
    found = clusters(articles, pairs)
    cluster_s, cluster_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"  clustering all {n:,}: {cluster_s:.1f} s wall, {cluster_cpu:.1f} s CPU "
        f"({len(pairs):,} pairs, {len(found):,} clusters)"
    )
    started, cpu = time.perf_counter(), time.process_time()
    with SimilarityIndex(path) as index:
        report = index.check(
            (key, Signature(scheme, v)) for (key, _), v in zip(docs, values, strict=True)
        )
    print(
        f"  check (as store verify will run it, signatures given): "
        f"{time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, "
        f"ok={report.ok}"
    )
    print(
        f"  peak RSS of this process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (holds the corpus)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.similarity",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--originals", type=int, default=1200)
    parser.add_argument("--size", type=int, default=20000, help="articles in the speed index")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)
    WORK.mkdir(exist_ok=True)
    quality(args.originals, args.threshold)
    if not args.skip_speed:
        speed(args.size, args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
