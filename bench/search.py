"""Full-text search: index build rate and term-query latency, against references in one run.

    python -m bench.search [--articles 100000] [--queries 300] [--seed 1]

A seeded corpus of ~5 KB articles (Zipf-distributed words from a 20,000-word
vocabulary) is taken into `newsarchive.search`'s text index (`TextIndex.take`,
batches of 1,000, as a store's catch-up does: folding included) and, as the
reference, into a bare SQLite FTS5 table with the default tokenizer and no
folding (`executemany`). Queries: single terms drawn from the vocabulary by
frequency (common words, many hits) and uniformly (most words are rare),
through `TextIndex.search` unranked (what `find --text` uses) and
ranked (BM25, `Store.search`), against a linear scan of the texts for the word
(what one would do without an index). Targets (issue 13): build >= 5,000
articles/s; a term query p95 under 10 ms on 100k articles. Wall times.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from newsarchive.search import parse_query
from newsarchive.search._index import TextIndex
from newsarchive.store._segment import Entry


def _corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10)))
        for _ in range(20_000)
    ]
    weights = [1 / (i + 1) for i in range(len(vocabulary))]
    texts = [" ".join(rng.choices(vocabulary, weights, k=800)) for _ in range(n)]
    return vocabulary, texts


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    vocabulary, texts = _corpus(args.articles, args.seed)
    rng = random.Random(args.seed + 1)
    weights = [1 / (i + 1) for i in range(len(vocabulary))]
    by_frequency = rng.choices(vocabulary, weights, k=args.queries)
    uniform = rng.choices(vocabulary, k=args.queries)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        index = TextIndex(root)
        entries = [
            Entry("record", {"record": {"id": f"{i:064x}", "title": "t", "content": t}}, 0, b"")
            for i, t in enumerate(texts)
        ]
        start = time.perf_counter()
        for seq, at in enumerate(range(0, len(entries), 1000), 1):
            index.take(seq, entries[at : at + 1000])
            index.commit()
        ours = len(texts) / (time.perf_counter() - start)
        ref = sqlite3.connect(root / "reference.sqlite", isolation_level=None)
        ref.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, content='')")
        start = time.perf_counter()
        for at in range(0, len(texts), 1000):
            ref.execute("BEGIN")
            ref.executemany(
                "INSERT INTO t (rowid, title, body) VALUES (?, 't', ?)",
                [(at + i + 1, x) for i, x in enumerate(texts[at : at + 1000])],
            )
            ref.execute("COMMIT")
        bare = len(texts) / (time.perf_counter() - start)
        print(f"build: {ours:,.0f} articles/s; bare FTS5 {bare:,.0f}/s; ratio {ours / bare:.2f}")
        print("  target >= 5,000 articles/s")
        for label, terms in (("drawn by frequency", by_frequency), ("uniform", uniform)):
            timings: dict[str, list[float]] = {"unranked": [], "ranked": [], "scan": []}
            hits = []
            for term in terms:
                query = parse_query(term)
                for name, ranked in (("unranked", False), ("ranked", True)):
                    start = time.perf_counter()
                    found = index.search(query, ranked=ranked)
                    timings[name].append(time.perf_counter() - start)
                hits.append(len(found))
            for term in terms[: max(10, args.queries // 30)]:
                pattern = f" {term} "
                start = time.perf_counter()
                sum(1 for t in texts if pattern in f" {t} ")
                timings["scan"].append(time.perf_counter() - start)
            median_hits = statistics.median(hits)
            print(f"terms {label}, {len(texts):,} articles (median {median_hits:,.0f} hits):")
            for name, samples in timings.items():
                p50 = statistics.median(samples) * 1000
                print(f"  {name:9s} p50 {p50:8.2f} ms  p95 {_p95(samples):8.2f} ms")
        print("  target: p95 < 10 ms")
        index.close()


if __name__ == "__main__":
    main()
