"""Benchmarks of the proofs library, each beside its references in the same run.

    python -m bench.proofs [--leaves 1000000] [--batch 10000] [--store-records N] [--quick]
    python -m bench.proofs --store-only --store-records 1000000

Rows: appending leaves to the tiled log (vs the in-memory tree and pymerkle,
if installed), an inclusion proof for a random leaf of the big log (tiles
re-opened, so read from the page cache, vs in memory and pymerkle), a signed
checkpoint of the whole log from the tiles alone, and verifying one evidence
bundle (with and without an RFC 3161 token from a local openssl TSA); then a
store: importing records with and without the log (its cost per record), the
leaf hash per entry, `Store.checkpoint` from the tiles beside re-reading the
segments, and `prove` of one record. Work
files go to bench/_work/proofs (removed first). Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsarchive import ArchivedArticle
from newsarchive.proofs import (
    Checkpoint,
    MemoryTree,
    TileLog,
    entry_leaf_hash,
    generate_signer,
    hash_leaf,
    leaf_bytes,
    load_tsa_trust,
    make_bundle,
    timestamp_request,
    verify_bundle,
    verify_inclusion,
)

if TYPE_CHECKING:
    from collections.abc import Callable

WORK = Path(__file__).resolve().parent / "_work" / "proofs"


def _leaf_data(n: int) -> list[bytes]:
    return [b'{"record":{"id":"%d"}}' % i for i in range(n)]


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _row(name: str, ours: str, ref: str, ratio: float | None, target: str) -> None:
    ratio_text = f"{ratio:8.2f}x" if ratio is not None else "        -"
    print(f"{name:<34} {ours:>16} {ref:>28} {ratio_text} {target:>14}")


def bench_append(data: list[bytes], batch: int) -> TileLog:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    log = TileLog(WORK)
    t_hash, hashes = _timed(lambda: [hash_leaf(x) for x in data])

    def tiles() -> int:
        for i in range(0, len(hashes), batch):
            log.append(hashes[i : i + batch])
        return log.size

    t_tiles, _ = _timed(tiles)
    t_mem, _ = _timed(lambda: MemoryTree(hashes).size)
    n = len(data)
    _row(
        f"append {n:,} leaf hashes (batch {batch:,})",
        f"{n / t_tiles:,.0f}/s",
        f"in-memory {n / t_mem:,.0f}/s",
        (n / t_tiles) / (n / t_mem),
        ">= 200,000/s",
    )
    print(f"  leaf hashing alone (not included above): {n / t_hash:,.0f}/s")
    t_all = t_hash + t_tiles
    try:
        from pymerkle import (  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415
            InmemoryTree,
        )
    except ImportError:
        print("  (pymerkle not installed: no pymerkle row)")
        return log
    sample = data[: min(n, 200_000)]
    tree = InmemoryTree(algorithm="sha256")
    t_py, _ = _timed(lambda: [tree.append_entry(x) for x in sample])
    rate_py = len(sample) / t_py
    _row(
        "  leaf data + hash + append, vs pymerkle 7",
        f"{n / t_all:,.0f}/s",
        f"pymerkle {rate_py:,.0f}/s",
        (n / t_all) / rate_py,
        "",
    )
    return log


def bench_proofs(log: TileLog, data: list[bytes], samples: int) -> None:
    rng = random.Random(1)
    size = log.size
    indices = [rng.randrange(size) for _ in range(samples)]
    cold: list[float] = []
    cpu: list[float] = []  # this thread's CPU time: wall time minus waiting for a core
    for index in indices:
        reopened = TileLog(log.directory)  # no tile cache: reads three tiles per proof
        start = time.thread_time()
        t, _ = _timed(lambda i=index, r=reopened: r.inclusion_proof(i))  # type: ignore[misc]
        cpu.append(time.thread_time() - start)
        cold.append(t)
    memory = MemoryTree(hash_leaf(x) for x in data)
    warm = [_timed(lambda i=i: memory.inclusion_proof(i))[0] for i in indices]  # type: ignore[misc]
    p50, p_max = statistics.median(cold) * 1e3, max(cold) * 1e3
    _row(
        f"inclusion proof, {size:,} leaves",
        f"p50 {p50:.3f} ms",
        f"in-memory p50 {statistics.median(warm) * 1e3:.3f} ms",
        statistics.median(cold) / statistics.median(warm),
        "< 5 ms",
    )
    p99 = statistics.quantiles(cold, n=100)[98] * 1e3
    print(
        f"  tiles: p99 {p99:.2f} ms, max {p_max:.2f} ms over {samples} random leaves,"
        " each from a re-opened log"
    )
    cpu_p99 = statistics.quantiles(cpu, n=100)[98] * 1e3
    print(f"  tiles, CPU time only: p99 {cpu_p99:.2f} ms, max {max(cpu) * 1e3:.2f} ms")
    try:
        from pymerkle import (  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415
            InmemoryTree,
        )
    except ImportError:
        return
    sample = data[: min(len(data), 200_000)]
    tree = InmemoryTree(algorithm="sha256")
    for x in sample:
        tree.append_entry(x)
    py = [_timed(lambda i=i: tree.prove_inclusion(i % len(sample) + 1))[0] for i in indices]  # type: ignore[misc]
    _row(
        f"  same, vs pymerkle ({len(sample):,} leaves)",
        f"p50 {p50:.3f} ms",
        f"pymerkle p50 {statistics.median(py) * 1e3:.3f} ms",
        statistics.median(cold) / statistics.median(py),
        "",
    )


def bench_checkpoint(log: TileLog) -> None:
    signer = generate_signer("bench.example/log")

    def checkpoint() -> bytes:
        reopened = TileLog(log.directory)
        return Checkpoint("bench.example/log", reopened.size, reopened.root()).sign([signer])

    t, _ = _timed(checkpoint)
    _row(
        f"signed checkpoint, {log.size:,} leaves",
        f"{t * 1e3:.2f} ms",
        "(from tiles, no data read)",
        None,
        "< 10 s",
    )


def bench_bundle(log_size: int, samples: int) -> None:
    record = ArchivedArticle.create(
        url="https://news.example/story/1",
        content="Story.\n" * 500,
        retrieved_at="2024-01-01T00:00:00Z",
    )
    entries = [{"record": record.to_dict()}]
    leaves = [entry_leaf_hash(entries[0])]
    leaves += [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(1, log_size)]
    tree = MemoryTree(leaves)
    signer = generate_signer("bench.example/log")
    note = Checkpoint("bench.example/log", tree.size, tree.root()).sign([signer])
    proof = tree.inclusion_proof(0)
    bundle = make_bundle(entries[0], record.content, 0, proof, note)
    vkey = signer.verifier()
    times = [_timed(lambda: verify_bundle(bundle, vkey))[0] for _ in range(samples)]
    assert verify_bundle(bundle, vkey).ok
    leaf, message = entry_leaf_hash(entries[0]), note.split(b"\n\n")[0] + b"\n"
    signature = base64.b64decode(note.split(b" ")[-1])[4:]

    def plain() -> bool:  # the bare cryptography: one leaf hash, the path, one Ed25519 check
        return verify_inclusion(
            hash_leaf(leaf_bytes(entries[0])), 0, tree.size, proof, tree.root()
        ) and vkey.verify(message, signature)

    assert plain()
    assert leaf == tree.node(0, 0)
    bare = [_timed(plain)[0] for _ in range(samples)]
    _row(
        f"verify bundle, {log_size:,}-leaf log",
        f"p50 {statistics.median(times) * 1e3:.3f} ms",
        f"bare checks p50 {statistics.median(bare) * 1e3:.3f} ms",
        statistics.median(times) / statistics.median(bare),
        "< 50 ms",
    )
    try:
        from tests.tsa_server import OPENSSL, TestTsa  # noqa: PLC0415 - a test helper, if present
    except ImportError:
        return
    if OPENSSL is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        tsa = TestTsa(Path(tmp))
        token = tsa.sign(timestamp_request(note)[0])
        trust = load_tsa_trust(tsa.chain_pem)
    stamped = make_bundle(entries[0], record.content, 0, proof, note, token)
    assert verify_bundle(stamped, vkey, trust).ok
    times = [_timed(lambda: verify_bundle(stamped, vkey, trust))[0] for _ in range(samples)]
    _row(
        "  same, with an RFC 3161 token",
        f"p50 {statistics.median(times) * 1e3:.3f} ms",
        "",
        None,
        "< 50 ms",
    )


def _store_records(count: int) -> list[dict[str, Any]]:
    return [
        ArchivedArticle.create(
            url=f"https://news.example/{i % 997}/story-{i}",
            content=f"Story {i}.\n" + "The harbour ferry ran late again. " * 30,
            retrieved_at="2024-01-01T00:00:00Z",
        ).to_dict()
        for i in range(count)
    ]


def _fill(root: Path, records: list[dict[str, Any]], *, log: bool, batch: int = 1000) -> float:
    from newsarchive.store import Store, _derived  # noqa: PLC0415

    saved = dict(_derived.DERIVED)
    if not log:
        _derived.DERIVED.clear()  # type: ignore[attr-defined]
    try:
        with Store.init(root) as store:
            start = time.perf_counter()
            with store.group_commit(10):
                for i in range(0, len(records), batch):
                    store.add([(r, False) for r in records[i : i + batch]], validated=True)
            return time.perf_counter() - start
    finally:
        _derived.DERIVED.update(saved)  # type: ignore[attr-defined]


def _entry_lines(root: Path) -> list[bytes]:
    return [
        line + b"\n"
        for segment in sorted((root / "segments").iterdir())
        for line in segment.read_bytes().splitlines()
        if not line.startswith(b'{"commit"')
    ]


def _leaf_rows(root: Path) -> None:
    from newsarchive._json import loads  # noqa: PLC0415
    from newsarchive.proofs._leaf import canonical_line_leaf_hash  # noqa: PLC0415
    from newsarchive.store._segment import entry_kind  # noqa: PLC0415

    lines = _entry_lines(root)
    values = [loads(line) for line in lines]
    kinds = [str(entry_kind(v)) for v in values]
    t_rule, by_rule = _timed(lambda: [entry_leaf_hash(v) for v in values])
    t_cut, cut = _timed(
        lambda: [
            canonical_line_leaf_hash(k, v, x) for k, v, x in zip(kinds, values, lines, strict=True)
        ]
    )
    assert cut == by_rule
    _row(
        "  leaf hash per entry (writer)",
        f"{t_cut / len(values) * 1e6:.2f} us",
        f"by the rule {t_rule / len(values) * 1e6:.2f} us",
        t_cut / t_rule,
        "",
    )


def _checkpoint_row(root: Path, *, references: bool) -> None:
    from newsarchive._json import loads  # noqa: PLC0415
    from newsarchive.proofs import root_of  # noqa: PLC0415
    from newsarchive.store import Store  # noqa: PLC0415

    signer = generate_signer("bench.example/log")
    with Store(root) as store:
        t_cp, made = _timed(lambda: store.checkpoint(signer))
    reference, ratio = "(from the tiles)", None
    if references:  # what a checkpoint would cost if it re-read the segments
        t_re, found = _timed(lambda: root_of(entry_leaf_hash(loads(x)) for x in _entry_lines(root)))
        assert found == made.checkpoint.root
        reference, ratio = f"re-reading segments {t_re * 1e3:.0f} ms", t_cp / t_re
    _row(
        f"store checkpoint, {made.checkpoint.size:,} leaves",
        f"{t_cp * 1e3:.1f} ms",
        reference,
        ratio,
        "< 10 s",
    )


def bench_store(count: int, *, references: bool = True) -> None:
    """A store of `count` records: what the log costs on import; checkpoint and prove on it.

    Without `references`, only the store with its log is made and measured
    (no import without the log, no re-reading, no verify): for a big store.
    """
    from newsarchive.proofs._prove import prove  # noqa: PLC0415
    from newsarchive.store import Store  # noqa: PLC0415

    records = _store_records(count)
    with_log = _fill(WORK / "store", records, log=True)
    if references:
        without = _fill(WORK / "plain", records, log=False)
        reference, ratio = f"no log {without / count * 1e6:.1f} us/rec", with_log / without
    else:
        reference, ratio = "", None
    _row(
        f"store import, {count:,} records",
        f"{with_log / count * 1e6:.1f} us/rec",
        reference,
        ratio,
        "",
    )
    if references:
        _leaf_rows(WORK / "store")
    _checkpoint_row(WORK / "store", references=references)
    ids = [r["id"] for r in random.sample(records, min(50, count))]
    del records
    times = []
    with Store(WORK / "store") as store:
        for record_id in ids:
            start = time.perf_counter()
            prove(store, record_id)
            times.append(time.perf_counter() - start)
    _row("  prove one record", f"p50 {statistics.median(times) * 1e3:.2f} ms", "", None, "")
    if not references:
        return
    t_with = _verify(WORK / "store", log=True)
    t_without = _verify(WORK / "store", log=False)
    _row(
        "  store verify, jobs 2",
        f"{t_with:.1f} s",
        f"without the log's check {t_without:.1f} s",
        t_with / t_without,
        "",
    )


def _verify(root: Path, *, log: bool) -> float:
    from newsarchive.store import Store, _derived  # noqa: PLC0415

    saved = dict(_derived.DERIVED)
    if not log:
        _derived.DERIVED.clear()  # type: ignore[attr-defined]
    try:
        with Store(root) as store:
            start = time.perf_counter()
            assert store.verify(jobs=2, record_event=False).ok
            return time.perf_counter() - start
    finally:
        _derived.DERIVED.update(saved)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.proofs")
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--store-records", type=int, default=200_000, help="0: no store rows")
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="only the store rows, without their references (for a store of 1,000,000)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="100,000 leaves, 200 samples, 20,000 records"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.leaves, args.samples, args.store_records = 100_000, 200, 20_000
    print(f"{'benchmark':<34} {'ours':>16} {'reference':>28} {'ratio':>9} {'target':>14}")
    if not args.store_only:
        data = _leaf_data(args.leaves)
        log = bench_append(data, args.batch)
        bench_proofs(log, data, args.samples)
        bench_checkpoint(log)
        bench_bundle(args.leaves, min(args.samples, 300))
    shutil.rmtree(WORK, ignore_errors=True)
    if args.store_records:
        bench_store(args.store_records, references=not args.store_only)
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
