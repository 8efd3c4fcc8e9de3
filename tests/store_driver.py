"""Store writers run as separate processes by the crash and concurrency tests.

    python tests/store_driver.py add STORE FIRST COUNT BATCH
    python tests/store_driver.py import STORE SOURCE_DIR JOBS BATCH

`add` stores records FIRST..FIRST+COUNT-1 (from `make_record`) with
`Store.add`; `import` runs the real bulk import (`import_paths`, with JOBS
worker processes) over a directory written by `write_corpus`. Both print
"ready" before the first write, then each batch's ids once it is durable, so
the parent knows exactly what was acknowledged.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from newsarchive import ArchivedArticle, Retrieval
from newsarchive.store import ImportOptions, Store, _import, _importer, import_paths

_TEXT = (
    "the harbour council met on Tuesday to weigh the ferry timetable and the "
    "cost of dredging the channel before the winter storms arrive"
)
_WORDS = _TEXT.split()
_START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _body(i: int, size: int) -> str:
    words = [_WORDS[(i * 7 + k) % len(_WORDS)] for k in range(size // 6)]
    return f"Report {i}. " + " ".join(words)


@cache
def make_record(i: int, size: int = 4000) -> dict[str, Any]:
    """Record number `i`: deterministic, ~`size` bytes of content, every 40th a large blob."""
    content = _body(i, size)
    if i % 40 == 3:
        content = content * 70  # above the blob threshold
    return ArchivedArticle.create(
        url=f"https://news.example/{i % 50}/story-{i}",
        content=content,
        retrieved_at=_START + timedelta(seconds=i),
        tags=["harbour", f"batch-{i % 5}"],
        retrieval=Retrieval(method="http", agent="store-driver"),
    ).to_dict()


def forget_index(store: Store) -> None:
    """Lose the index: the store rebuilds it from the segments alone when next used.

    (`Store.reindex` refuses to forget what the segments no longer hold.)
    """
    store.close()
    for path in store.root.glob("index.sqlite*"):
        path.unlink()


def fixed_clock() -> datetime:
    return _START


#: What `import` mode uses: fixed times, so the parent can rebuild every record.
IMPORT_OPTIONS = ImportOptions(retrieved_at="2024-03-02T00:00:00Z", clock=fixed_clock)


def write_corpus(directory: Path, count: int) -> list[Path]:
    directory.mkdir(parents=True)
    paths = []
    for i in range(count):
        path = directory / f"{i:05d}.txt"
        path.write_text(
            f"{_body(i, 4000)}\nLINK: https://news.example/{i % 50}/story-{i}\nTAGS: harbour",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def expected_import(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """The records `import` mode stores for these files, by id."""
    records = [_importer.prepare(str(p), p.read_bytes(), IMPORT_OPTIONS)[0] for p in paths]
    return {r["id"]: r for r in records if r is not None}


def main(argv: list[str]) -> int:
    mode, store_dir = argv[0], argv[1]
    if mode == "add":
        first, count, batch = int(argv[2]), int(argv[3]), int(argv[4])
        records = [make_record(i) for i in range(first, first + count)]
        with Store(store_dir) as store:
            print("ready", flush=True)  # noqa: T201 - the protocol with the test
            for k in range(0, count, batch):
                chunk = records[k : k + batch]
                store.add((r, False) for r in chunk)
                print(" ".join(r["id"] for r in chunk), flush=True)  # noqa: T201
        return 0
    source, jobs, batch = argv[2], int(argv[3]), int(argv[4])
    # Small batches and chunks: many writes interleaved with the workers' building.
    _importer.BATCH_RECORDS = batch  # type: ignore[misc]
    _import._CHUNK_FILES = batch  # type: ignore[misc]
    with Store(store_dir) as store:
        print("ready", flush=True)  # noqa: T201
        import_paths(
            store,
            [source],
            IMPORT_OPTIONS,
            jobs=jobs,
            on_batch=lambda ids: print(" ".join(ids), flush=True),  # noqa: T201
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
