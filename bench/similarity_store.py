"""Near-duplicates through the store: `Store.similar`, `Store.clusters` and the index's cost.

    python -m bench.similarity_store [--originals 600] [--size 20000] [--queries 300]

Quality: the generated corpus of bench/_simcorpus.py stored as records (URL,
content, capture and publication times), then every article queried with
`Store.similar(id)` at the default threshold: pair precision, recall on copies
keeping >= 50% of the original's text, ARI and origin right (bench/similarity.py's
`score`), and the same for `Store.clusters` directly.

Speed: --size unrelated ~600-word articles plus 5% copies, written with
`Store.add` in batches of 1,000 under `group_commit(10)` (as the import's
writer does) into a store with the near-duplicate index and, in the same run,
into one without it: the index's cost per record in the writing process.
Then `Store.similar(id)` latency (p50/p99, warm, exact Jaccard for the top 10
included), `Store.clusters()` over everything, and the index's `check` as
`store verify` runs it. Nothing here is a test; work files go to bench/_work/.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench._simcorpus import T0, Doc, corpus, filler
from bench.similarity import score
from newsarchive import ArchivedArticle
from newsarchive.similarity import DEFAULT_THRESHOLD
from newsarchive.similarity._storeindex import SimilarStoreIndex
from newsarchive.store import Store, _derived, _index

if TYPE_CHECKING:
    from collections.abc import Iterator

WORK = Path(__file__).resolve().parent / "_work"


def _record(url: str, text: str, doc: Doc | None = None, i: int = 0) -> dict[str, Any]:
    return ArchivedArticle.create(
        url=url,
        content=text,
        retrieved_at=doc.retrieved_at if doc else T0 + timedelta(seconds=i),
        published_at=doc.published_at if doc else None,
    ).to_dict()


def _fresh(name: str) -> Path:
    path = WORK / name
    shutil.rmtree(path, ignore_errors=True)
    return path


def _write(root: Path, records: list[dict[str, Any]]) -> tuple[float, float]:
    """Seconds (wall, CPU) to add `records` as the import's writer does."""
    with Store.init(root) as store:
        started, cpu = time.perf_counter(), time.process_time()
        with store.group_commit(batches=10):
            for start in range(0, len(records), 1000):
                store.add([(r, False) for r in records[start : start + 1000]], validated=True)
        return time.perf_counter() - started, time.process_time() - cpu


def quality(originals: int) -> None:
    docs = corpus(originals)
    records = [_record(d.canonical_url, d.text, d) for d in docs]
    key_of = {r["id"]: d.key for r, d in zip(records, docs, strict=True)}
    root = _fresh("sim-store-quality")
    _write(root, records)
    pairs: set[tuple[str, str, float]] = set()
    with Store(root) as store:
        for record_id, key in key_of.items():
            result = store.similar(record_id, threshold=DEFAULT_THRESHOLD)
            for match in (*result.same_url, *result.copies):
                other = key_of[match.key]
                a, b = sorted((key, other))
                pairs.add((a, b, match.estimate))
        found = store.clusters(threshold=DEFAULT_THRESHOLD)
    s = score(docs, sorted(pairs))
    print(f"\nQuality through the store: {len(docs):,} articles, threshold {DEFAULT_THRESHOLD}")
    print(
        f"  Store.similar for every article: pairs {s['pairs']:,} precision "
        f"{s['precision']:.3f} recall>=50% {s['recall50']:.3f} ARI {s['ari']:.3f} "
        f"origin {s['origin']:.3f}"
    )
    groups = {d.key: d.group for d in docs}
    stated = {d.key for d in docs if d.kind == "original" and d.published_at}
    with_copies = {d.group for d in docs if d.kind != "original"}
    origin_right = [
        key_of[c.origin.key] == groups[key_of[c.origin.key]]
        for c in found
        if groups[key_of[c.origin.key]] in stated & with_copies
    ]
    print(
        f"  Store.clusters: {len(found):,} clusters; the origin is the original in "
        f"{sum(origin_right) / max(len(origin_right), 1):.3f} of those whose original "
        "states its publication time (clusters found; score above counts missed ones too)"
    )


def _speed_corpus(size: int) -> list[dict[str, Any]]:
    rng = random.Random(size)
    base = filler(size)
    # 5% are copies with about a quarter of the words dropped
    copies = [
        " ".join(w for w in base[i].split() if rng.random() < 0.75) for i in range(0, size, 20)
    ]
    texts = base + copies
    return [_record(f"https://site-{i % 97}.example/{i}", t, None, i) for i, t in enumerate(texts)]


def _percentiles(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=100)
    return q[49] * 1000, q[98] * 1000


@contextlib.contextmanager
def _without_derived() -> Iterator[None]:
    saved = dict(_derived.DERIVED)
    registry: dict[str, str] = _derived.DERIVED  # type: ignore[assignment]
    registry.clear()
    try:
        yield
    finally:
        registry.update(saved)


def speed(size: int, queries: int) -> None:
    records = _speed_corpus(size)
    n = len(records)
    print(f"\nStore of {n:,} ~600-word articles ({size:,} unrelated + {n - size:,} copies)")
    off = _fresh("sim-store-off")
    on = _fresh("sim-store-on")
    with _without_derived():
        off_wall, off_cpu = _write(off, records)
    on_wall, on_cpu = _write(on, records)
    print(
        f"  Store.add, batches of 1,000, group commit: without the index "
        f"{off_cpu / n * 1e3:.3f} ms CPU ({off_wall / n * 1e3:.3f} wall) per record; with it "
        f"{on_cpu / n * 1e3:.3f} ms CPU ({on_wall / n * 1e3:.3f} wall): the index costs "
        f"{(on_cpu - off_cpu) / n * 1e3:.3f} ms CPU per record"
    )
    size_bytes = sum(p.stat().st_size for p in on.glob("similar.sqlite*"))
    print(f"  similar.sqlite: {size_bytes / n:,.0f} bytes per article")
    rng = random.Random(1)
    with Store(on) as store:
        ids = list(store.find())
        store.similar(ids[0])  # opens the index
        walls, cpus = [], []
        for record_id in rng.sample(ids, min(queries, n)):
            started, cpu = time.perf_counter(), time.thread_time()
            store.similar(record_id)
            walls.append(time.perf_counter() - started)
            cpus.append(time.thread_time() - cpu)
        (p50, p99), (c50, c99) = _percentiles(walls), _percentiles(cpus)
        print(
            f"  Store.similar(id), {len(walls)} ids: wall p50 {p50:.2f} ms, p99 {p99:.2f} ms; "
            f"CPU p50 {c50:.2f} ms, p99 {c99:.2f} ms (exact Jaccard of the top 10 included)"
        )
        started, cpu = time.perf_counter(), time.process_time()
        found = store.clusters()
        print(
            f"  Store.clusters(): {time.perf_counter() - started:.1f} s wall, "
            f"{time.process_time() - cpu:.1f} s CPU, {len(found):,} clusters"
        )
    started, cpu = time.perf_counter(), time.process_time()
    derived = SimilarStoreIndex(on)
    conn = _index.connect(on, readonly=True)
    try:
        findings = derived.check(conn)
    finally:
        conn.close()
        derived.close()
    print(
        f"  check as store verify runs it (signs every record again): "
        f"{time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, "
        f"{len(findings)} findings"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.similarity_store",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--originals", type=int, default=600)
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args(argv)
    WORK.mkdir(exist_ok=True)
    if not args.skip_quality:
        quality(args.originals)
    if not args.skip_speed:
        speed(args.size, args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
