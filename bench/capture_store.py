"""What storing a capture costs: the record and its evidence in one batch, against the record alone.

    python -m bench.capture_store [--pages N] [--data DIR]

Captures N real article pages of 50-200 KB (WCXB, as bench/capture.py serves them,
gzip on the wire) from a loopback server once, then times, on the same results in the
same run, per page (wall clock, median and mean):

- `store_result` into a fresh store: the record, the request/response evidence entries
  (base64 of the WARC records as received), one batch, one fsync, indexed;
- `Store.add` of the same records alone into another fresh store (what a capture would
  cost without evidence);

and the store's bytes per page for each. The machine is shared: compare within one run.
Nothing here is a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.capture import _CANDIDATES, pages
from newsarchive.capture import CaptureOptions, Capturer, record_of, store_result
from newsarchive.store import Store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.httpserver import LoopbackServer, response  # noqa: E402


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in (root / "segments").iterdir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)
    data = args.data or next((c for c in _CANDIDATES if c.exists()), None)
    if data is None:
        print("no WCXB pages found (../shared/extraction/wcxb-dev-articles)", file=sys.stderr)
        return 2
    html = pages(data, args.pages)
    with LoopbackServer() as server:
        server.routes["/robots.txt"] = response(404, "")
        for n, page in enumerate(html):
            server.routes[f"/p/{n}"] = response(200, page, gzip=True)
        capturer = Capturer(CaptureOptions(delay=0, timeout=30))
        urls = [server.url(f"/p/{n}") for n in range(len(html))]
        results = [r for r in capturer.fetch_many(urls) if r.outcome == "captured"]
    with tempfile.TemporaryDirectory() as tmp:
        with_evidence, alone = [], []
        with Store.init(Path(tmp) / "a") as store:
            for result in results:
                start = time.perf_counter()
                store_result(store, result)
                with_evidence.append(time.perf_counter() - start)
        with Store.init(Path(tmp) / "b") as store:
            for result in results:
                record = record_of(result)
                start = time.perf_counter()
                store.add([(record, False)])
                alone.append(time.perf_counter() - start)
        sizes = (_size(Path(tmp) / "a"), _size(Path(tmp) / "b"))
    count = len(results)
    print(f"{count} captured pages stored one batch each (fsync per batch)")
    for label, times, size in (
        ("record + evidence (store_result)", with_evidence, sizes[0]),
        ("record alone (Store.add)", alone, sizes[1]),
    ):
        print(
            f"{label:34} median {statistics.median(times) * 1000:6.2f} ms  "
            f"mean {statistics.mean(times) * 1000:6.2f} ms  "
            f"{size / count / 1024:7.1f} KiB/page in the segments"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
