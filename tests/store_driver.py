"""A store writer run as a separate process by the crash and concurrency tests.

    python tests/store_driver.py STORE FIRST COUNT BATCH

adds records FIRST..FIRST+COUNT-1 (from `make_record`) in batches of BATCH,
printing "ready" before the first write and each batch's ids once `add` has
returned (so the parent knows exactly what was acknowledged as durable).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from newsarchive import ArchivedArticle, Retrieval
from newsarchive.store import Store

_TEXT = (
    "the harbour council met on Tuesday to weigh the ferry timetable and the "
    "cost of dredging the channel before the winter storms arrive"
)
_WORDS = _TEXT.split()
_START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


@cache
def make_record(i: int, size: int = 4000) -> dict[str, Any]:
    """Record number `i`: deterministic, ~`size` bytes of content, every 40th a large blob."""
    words = [_WORDS[(i * 7 + k) % len(_WORDS)] for k in range(size // 6)]
    content = f"Report {i}. " + " ".join(words)
    if i % 40 == 3:
        content = content * 70  # above the blob threshold
    return ArchivedArticle.create(
        url=f"https://news.example/{i % 50}/story-{i}",
        content=content,
        retrieved_at=_START + timedelta(seconds=i),
        tags=["harbour", f"batch-{i % 5}"],
        retrieval=Retrieval(method="http", agent="store-driver"),
    ).to_dict()


def main(argv: list[str]) -> int:
    store_dir, first, count, batch = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    records = [make_record(i) for i in range(first, first + count)]
    with Store(store_dir) as store:
        print("ready", flush=True)  # noqa: T201 - the protocol with the test
        for k in range(0, count, batch):
            chunk = records[k : k + batch]
            store.add((r, False) for r in chunk)
            print(" ".join(r["id"] for r in chunk), flush=True)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
