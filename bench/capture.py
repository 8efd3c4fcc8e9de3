"""Capture throughput from loopback servers with realistic pages (preliminary figures).

    python -m bench.capture [--pages N] [--hosts H] [--jobs 1,2,4] [--data DIR]

Serves real article pages of 50-200 KB (WCXB, read at run time from
../shared/extraction; see bench/extraction.py) from H loopback servers
(127.0.0.1, 127.0.0.2, ...; the test server of tests/httpserver.py, gzip on the wire
as news sites send), then, for each --jobs value, captures every page with delay 0:

- fetch only (robots.txt, the exchange, evidence WARC, decoding; extraction replaced by a
  no-op), pages per second (wall clock);
- fetch and extraction (`newsarchive.capture.fetch_many` as it is), pages per second;
- extraction alone per page (CPU time): ours (`extract`) against trafilatura alone
  (`bare_extraction` with metadata), on the same pages in the same run.

The machine is shared: figures are preliminary, compare within one run. Nothing here is
a test.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from newsarchive.capture import CaptureOptions, Capturer, Extracted, extract
from newsarchive.capture._extract import trafilatura_document

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.httpserver import LoopbackServer, response  # noqa: E402

_CANDIDATES = (
    ROOT.parent / "shared" / "extraction" / "wcxb-dev-articles",
    ROOT.parent.parent / "shared" / "extraction" / "wcxb-dev-articles",
)


def pages(data: Path, count: int) -> list[bytes]:
    """Up to `count` WCXB pages whose HTML is 50-200 KB."""
    found: list[bytes] = []
    for path in sorted((data / "html").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes())
        if 50_000 <= len(html) <= 200_000:
            found.append(html)
            if len(found) == count:
                break
    return found


def no_extraction(html: str, url: str) -> Extracted | None:
    del url
    return Extracted(text=html[:100])


def run(urls: list[str], jobs: int, *, extraction: bool) -> tuple[float, float, int]:
    """Wall-clock seconds, CPU seconds of this process (the servers' threads included)
    and the number captured."""
    options = CaptureOptions(delay=0.0, timeout=30.0)
    capturer = Capturer(options, extractor=None if extraction else no_extraction)
    start, cpu = time.perf_counter(), time.process_time()
    captured = sum(r.outcome == "captured" for r in capturer.fetch_many(urls, jobs=jobs))
    return time.perf_counter() - start, time.process_time() - cpu, captured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--jobs", default="1,2,4")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)
    data = args.data or next((c for c in _CANDIDATES if c.is_dir()), None)
    if data is None:
        parser.error("WCXB data not found; give --data DIR")
    bodies = pages(data, args.pages)
    size = sum(len(b) for b in bodies) / len(bodies)
    print(f"{len(bodies)} pages, mean {size / 1024:.0f} KiB, {args.hosts} loopback hosts")
    extract(bodies[0].decode("utf-8", "replace"), None)  # import trafilatura before timing
    with ExitStack() as stack:
        servers = [
            stack.enter_context(LoopbackServer(host=f"127.0.0.{n + 1}")) for n in range(args.hosts)
        ]
        urls = []
        for i, body in enumerate(bodies):
            server = servers[i % len(servers)]
            server.routes[f"/a/{i}"] = response(200, body, gzip=True)
            urls.append(server.url(f"/a/{i}"))
        for server in servers:
            server.routes["/robots.txt"] = response(404, "", content_type="text/plain")
        for jobs in (int(j) for j in args.jobs.split(",")):
            fetch_s, fetch_cpu, n_fetch = run(urls, jobs, extraction=False)
            full_s, full_cpu, n_full = run(urls, jobs, extraction=True)
            print(
                f"jobs {jobs}: fetch only {n_fetch / fetch_s:6.1f} pages/s "
                f"({1000 * fetch_cpu / n_fetch:.1f} ms CPU/page) | fetch + extraction "
                f"{n_full / full_s:6.1f} pages/s ({1000 * full_cpu / n_full:.1f} ms CPU/page; "
                f"{n_full}/{len(urls)} captured)"
            )
    ours = theirs = 0.0
    for body in bodies:
        html = body.decode("utf-8", "replace")
        start = time.process_time()
        trafilatura_document(html, None)
        theirs += time.process_time() - start
        start = time.process_time()
        extract(html, None)
        ours += time.process_time() - start
    n = len(bodies)
    print(
        f"extraction per page (CPU): ours {1000 * ours / n:.1f} ms, trafilatura alone "
        f"{1000 * theirs / n:.1f} ms ({ours / theirs:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
