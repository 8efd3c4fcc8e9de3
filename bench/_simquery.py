"""Timed `query_key` calls on an existing index, in a fresh process (so its memory is its own).

    python -m bench._simquery INDEX COUNT

The index holds keys a0000000, a0000001, ... (bench/similarity.py builds it).

Prints JSON: p50, p99 and max in milliseconds (wall clock, and CPU time of
the querying thread: the machine is shared), peak RSS in MiB.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

from newsarchive.similarity import DEFAULT_THRESHOLD, SimilarityIndex


def main(path: str, queries: int) -> int:
    with SimilarityIndex(path) as index:
        total = sum(1 for key in index.keys() if key.startswith("a"))  # noqa: SIM118
        rng = random.Random(1)
        picked = [f"a{i:07d}" for i in rng.sample(range(total), min(queries, total))]
        times, cpu_times = [], []
        for key in picked:
            started, cpu = time.perf_counter(), time.thread_time()
            index.query_key(key, threshold=DEFAULT_THRESHOLD)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.thread_time() - cpu)
    q = statistics.quantiles(times, n=100)
    c = statistics.quantiles(cpu_times, n=100)
    # Not getrusage: Linux keeps ru_maxrss across exec, so it would show the parent's.
    status = Path("/proc/self/status").read_text()
    rss = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(
        json.dumps(
            {
                "p50_ms": q[49] * 1000,
                "p99_ms": q[98] * 1000,
                "max_ms": max(times) * 1000,
                "cpu_p50_ms": c[49] * 1000,
                "cpu_p99_ms": c[98] * 1000,
                "rss_mib": rss,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], int(sys.argv[2])))
