"""Run every benchmark against its reference, in the same run, and print one table.

    python -m bench [--sizes 10000,100000] [--digest-mib 256] [--records 5000] [--million]

`--million` adds a 1,000,000-article store run (import, verify, lookups, scaling;
the references run at the largest other size): tens of minutes, and about
14 GB under bench/_work/ (the corpus as 1M files, ~8 GB in 4 KiB blocks, and
the store, ~6 GB).

Work files go to bench/_work/ (ignored by git; reused between runs). Each row
gives our rate, the reference measured alongside, their ratio, the target,
and peak memory where it matters. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import rfc8785

from newsarchive._articlebuild import article_text_record
from newsarchive._json import canonical_dumps
from newsarchive.digest import Digest
from newsarchive.record import ArchivedArticle
from newsarchive.store import Store
from newsarchive.validation import load_schema, validate

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parent
WORK = ROOT / "_work"
PY = sys.executable
RETRIEVED = "2024-01-01T00:00:00Z"
_TEXT = (
    "council harbour minister river data agreement storm warning school term ferry "
    "timetable budget election court ruling hospital strike police report museum library "
    "the a of to and in on for with said that was by at from after before during"
)
_WORDS = _TEXT.split()


# -- corpus ---------------------------------------------------------------------------


def article(i: int, rng: random.Random) -> bytes:
    words = rng.choices(_WORDS, k=820)  # ~5 KB
    body = " ".join(words).capitalize() + "."
    tags = ", ".join(rng.sample(["politics", "local", "weather", "health", "culture"], 2))
    return f"{body}\nLINK: https://news.example/{i % 997}/article-{i}\nTAGS: {tags}".encode()


def corpus(n: int) -> Path:
    """n seeded ~5 KB article-text files, 1,000 per directory."""
    path = WORK / f"corpus-{n}"
    if (path / "done").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    rng = random.Random(n)
    for i in range(n):
        d = path / f"{i // 1000:04d}"
        if i % 1000 == 0:
            d.mkdir(parents=True)
        (d / f"{i:07d}.txt").write_bytes(article(i, rng))
    (path / "done").write_text("")
    return path


def articles(n: int) -> list[bytes]:
    rng = random.Random(n)
    return [article(i, rng) for i in range(n)]


# -- timing ---------------------------------------------------------------------------


def rate(fn: Callable[[], int], repeat: int = 3) -> float:
    """Best items/second over `repeat` runs of `fn` (which returns its item count)."""
    best = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        count = fn()
        best = max(best, count / (time.perf_counter() - started))
    return best


def run_json(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [PY, "-m", "bench._job", *args], check=True, capture_output=True, text=True, cwd=ROOT.parent
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def wall(cmd: list[str] | str, *, shell: bool = False) -> float:
    started = time.perf_counter()
    subprocess.run(
        cmd, check=True, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


Row = tuple[str, float, str, float, str, str]


# -- benchmarks -------------------------------------------------------------------------


def bench_digest(mib: int) -> Row:
    path = WORK / f"random-{mib}MiB.bin"
    if not path.exists() or path.stat().st_size != mib << 20:
        WORK.mkdir(exist_ok=True)
        with path.open("wb") as f:
            for _ in range(mib):
                f.write(os.urandom(1 << 20))

    def ours() -> int:
        with path.open("rb") as f:
            Digest.of_stream(f)
        return mib

    def ref() -> int:
        h = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        return mib

    a, b = rate(ours), rate(ref)
    return (
        f"1 streaming sha256, {mib} MiB file",
        a,
        "hashlib, 1 MiB reads",
        b,
        f"{a / b:.2f}x",
        ">= 0.95x",
    )


def bench_records(data: list[bytes]) -> tuple[list[Row], list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []

    def build() -> int:
        records[:] = [article_text_record(item, retrieved_at=RETRIEVED) for item in data]
        return len(data)

    def build_reference() -> int:
        for item in data:
            ArchivedArticle.from_article_text(item, retrieved_at=RETRIEVED).to_dict()
        return len(data)

    def hashing() -> int:
        for item in data:
            hashlib.sha256(item).digest()
        return len(data)

    rows: list[Row] = []
    a = rate(build, 1)
    b = rate(hashing)
    rows.append(
        (
            "2 build records from article text",
            a,
            "sha256 of the same bytes",
            b,
            f"{a / b:.3f}x",
            ">= 33,000/s (<= 30 us)",
        )
    )
    ref_build = rate(build_reference, 1)
    rows.append(
        (
            "2 build: direct dict (import's path)",
            a,
            "from_article_text(...).to_dict()",
            ref_build,
            f"{a / ref_build:.2f}x",
            "<= 30 us/record",
        )
    )

    validator = jsonschema.Draft202012Validator(
        load_schema(version=2), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )

    def ours_validate() -> int:
        for r in records:
            validate(r)
        return len(records)

    def ref_validate() -> int:
        for r in records:
            list(validator.iter_errors(r))
        return len(records)

    a, b = rate(ours_validate), rate(ref_validate)
    rows.append(
        (
            "3 full validation (schema + semantics)",
            a,
            "jsonschema prebuilt, schema only",
            b,
            f"{a / b:.2f}x",
            ">= 66,000/s (<= 15 us) and >= 6x",
        )
    )

    def ours_canon() -> int:
        for r in records:
            canonical_dumps(r)
        return len(records)

    def ref_canon() -> int:
        for r in records:
            rfc8785.dumps(r)
        return len(records)

    a, b = rate(ours_canon), rate(ref_canon)
    rows.append(
        ("4 canonical JSON (RFC 8785)", a, "rfc8785 package", b, f"{a / b:.2f}x", ">= 50,000/s")
    )
    return rows, records


def store_write_path(n: int) -> float:
    """Durable Store.add of records built beforehand: the storage layer without building."""
    records = [
        ArchivedArticle.from_article_text(item, retrieved_at=RETRIEVED).to_dict()
        for item in articles(n)
    ]
    target = WORK / "write-path"
    shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    with Store.init(target) as store, store.group_commit(10):  # as the import does
        for k in range(0, n, 1000):
            store.add((r, False) for r in records[k : k + 1000])
    seconds = time.perf_counter() - started
    shutil.rmtree(target)
    return n / seconds


def per_file_fsync(data: list[bytes]) -> float:
    """The naive durable store: one temp file + fsync + rename + dir fsync per article."""
    target = WORK / "per-file"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    started = time.perf_counter()
    dir_fd = os.open(target, os.O_RDONLY)
    for i, item in enumerate(data):
        tmp = target / f".tmp-{i}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        os.write(fd, item)
        os.fsync(fd)
        os.close(fd)
        tmp.replace(target / f"{i}.txt")
        os.fsync(dir_fd)
    os.close(dir_fd)
    seconds = time.perf_counter() - started
    shutil.rmtree(target)
    return len(data) / seconds


def lookups(store_dir: Path, n: int) -> tuple[float, float]:
    """Median seconds of `Store.get` by id and of `find(url=...)`, over 200 records each."""
    rng = random.Random(7)
    picks = rng.sample(range(n), min(n, 200))
    with Store(store_dir) as store:
        ids = {}
        for i in picks:  # the ids of the picked articles, through the index
            url = f"https://news.example/{i % 997}/article-{i}"
            ids[i] = next(iter(store.find(url=url)))
        by_id, by_url = [], []
        for i in picks:
            started = time.perf_counter()
            store.get(ids[i])
            by_id.append(time.perf_counter() - started)
            started = time.perf_counter()
            list(store.find(url=f"https://news.example/{i % 997}/article-{i}"))
            by_url.append(time.perf_counter() - started)
    return statistics.median(by_id), statistics.median(by_url)


def bench_store(n: int, jobs: int, with_refs: bool) -> tuple[list[Row], dict[str, float]]:
    src = corpus(n)
    store = WORK / f"store-{n}"
    shutil.rmtree(store, ignore_errors=True)
    imp = run_json("import", str(store), str(src), str(jobs))
    ver = run_json("verify", str(store), str(jobs))
    fix = run_json("fixity", str(store), str(jobs))
    import_rate, verify_rate = imp["count"] / imp["seconds"], ver["count"] / ver["seconds"]
    fixity_rate = fix["count"] / fix["seconds"]
    get_s, find_s = lookups(store, n)
    rows: list[Row] = [
        (
            f"8 lookups, {n:,}: get by id / find by URL",
            1 / get_s,
            "(median; ratio = ms per lookup)",
            1 / find_s,
            f"{get_s * 1e3:.2f} / {find_s * 1e3:.2f} ms",
            "< 2 ms (on 1M)",
        )
    ]
    memory = {"import_rss": imp["rss"], "verify_rss": max(ver["rss"], ver["children_rss"])}
    if with_refs:
        naive = per_file_fsync(articles(min(n, 3000)))
        rows.append(
            (
                f"5 durable store import, {n:,}, {jobs} jobs",
                import_rate,
                "one atomic fsync'd file per article",
                naive,
                f"{import_rate / naive:.1f}x",
                ">= 10,000/s and >= 7x",
            )
        )
        write_rate = store_write_path(min(n, 10000))
        rows.append(
            (
                "5 store write path only (prebuilt records)",
                write_rate,
                "one atomic fsync'd file per article",
                naive,
                f"{write_rate / naive:.1f}x",
                "(the storage layer alone)",
            )
        )
        bag = WORK / f"bag-{n}"
        if not (bag / "bagit.txt").exists():
            shutil.rmtree(bag, ignore_errors=True)
            shutil.copytree(src, bag, ignore=shutil.ignore_patterns("done"))
            subprocess.run(
                [PY, "-m", "bagit", "--processes", str(jobs), "--sha256", str(bag)],
                check=True,
                capture_output=True,
            )
        bagit_rate = n / wall([PY, "-m", "bagit", "--validate", "--processes", str(jobs), str(bag)])
        sums = n / wall(
            f"find {src} -type f -name '*.txt' -print0 "
            f"| xargs -0 -P{jobs} -n 500 sha256sum > /dev/null",
            shell=True,
        )
        rows.append(
            (
                f"5 store verify, {n:,}, {jobs} jobs",
                verify_rate,
                "bagit.py --validate (same payload)",
                bagit_rate,
                f"{verify_rate / bagit_rate:.1f}x",
                ">= 25,000/s and >= 6x",
            )
        )
        rows.append(
            (
                f"5 store verify, {n:,}, {jobs} jobs",
                verify_rate,
                f"find | xargs -P{jobs} sha256sum",
                sums,
                f"{verify_rate / sums:.2f}x",
                "> 1x",
            )
        )
        for reference, rate_, target in (
            ("bagit.py --validate (same payload)", bagit_rate, ">= 100,000/s"),
            (f"find | xargs -P{jobs} sha256sum", sums, "> 1x"),
        ):
            rows.append(
                (
                    f"5 store verify --fixity-only, {n:,}, {jobs} jobs",
                    fixity_rate,
                    reference,
                    rate_,
                    f"{fixity_rate / rate_:.2f}x",
                    target,
                )
            )
    return rows, {
        "import_s_per_article": imp["seconds"] / n,
        "verify_s_per_article": ver["seconds"] / n,
        **memory,
    }


def _spin(n: int) -> float:
    """A CPU-bound loop (hashing and Python work, as ours); its wall seconds."""
    started, data = time.perf_counter(), b"a" * 5000
    for _ in range(n):
        hashlib.sha256(data).digest()
        sum(range(200))
    return time.perf_counter() - started


def bench_cores(jobs: int) -> Row:
    """How many cores `jobs` CPU-bound processes get here: their throughput over one's."""
    n = 200_000
    one = min(_spin(n) for _ in range(2))
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_spin, [1000] * jobs))  # the processes started
        started = time.perf_counter()
        list(pool.map(_spin, [n] * jobs))
        together = time.perf_counter() - started
    cores = jobs * one / together
    return (
        f"0 machine: {jobs} CPU-bound processes at once",
        jobs * n / together,
        "one process alone",
        n / one,
        f"{cores:.2f} cores",
        f"(of {jobs} vCPUs)",
    )


def bench_startup() -> Row:
    exe = str(Path(PY).with_name("newsarchive"))

    def median(cmd: list[str]) -> float:
        return statistics.median(wall(cmd) for _ in range(15))

    ours = median([exe, "--version"])
    ours_help = median([exe, "--help"])
    ref = median([PY, "-c", "import argparse"])
    return (
        "7 start-up: newsarchive --version / --help",
        1 / ours,
        "python -c 'import argparse'",
        1 / ref,
        f"{ours / ref:.2f}x / {ours_help / ref:.2f}x the time",
        "<= 3x the time",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", default="10000,100000", help="corpus sizes for the store (default 10000,100000)"
    )
    parser.add_argument("--digest-mib", type=int, default=256)
    parser.add_argument("--records", type=int, default=5000, help="records for benchmarks 2-4")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--million",
        action="store_true",
        help="add a 1,000,000-article store run (tens of minutes; ~14 GB of work files)",
    )
    args = parser.parse_args(argv)
    WORK.mkdir(exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    with_refs_at = max(sizes)  # references (bagit, sha256sum, per-file fsync) at this size
    if args.million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    rows: list[Row] = [bench_cores(args.jobs), bench_digest(args.digest_mib)]
    record_rows, _ = bench_records(articles(args.records))
    rows += record_rows
    scaling: dict[int, dict[str, float]] = {}
    for n in sizes:
        store_rows, scaling[n] = bench_store(n, args.jobs, with_refs=n == with_refs_at)
        rows += store_rows
    rows.append(bench_startup())
    print(
        f"\n{'benchmark':44} {'ours/s':>12}  {'reference':38} {'ref/s':>12}  {'ratio':>18}  target"
    )
    for name, ours, ref_name, ref, ratio, target in rows:
        print(f"{name:44} {ours:12,.0f}  {ref_name:38} {ref:12,.0f}  {ratio:>18}  {target}")
    print("\n6 scaling (time per article; peak RSS in MiB)")
    print("  (ratios against the previous size; target <= 1.15x for 1M against 100k)")
    previous = sizes[0]
    for n in sizes:
        s, p = scaling[n], scaling[previous]
        print(
            f"  {n:>9,}: import {s['import_s_per_article'] * 1e6:7.1f} us "
            f"({s['import_s_per_article'] / p['import_s_per_article']:.2f}x), "
            f"verify {s['verify_s_per_article'] * 1e6:7.1f} us "
            f"({s['verify_s_per_article'] / p['verify_s_per_article']:.2f}x); "
            f"RSS import {s['import_rss']:.0f}, verify {s['verify_rss']:.0f}"
        )
        previous = n
    return 0
