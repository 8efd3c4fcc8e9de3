"""newsarchive.capture.fetch against a real HTTP(S) server on the loopback interface."""

from __future__ import annotations

import gzip
import hashlib
import io
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.capture import (
    CaptureError,
    CaptureOptions,
    Capturer,
    Extracted,
    fetch,
    fetch_many,
)
from newsarchive.digest import Digest
from tests.conftest import DATA, NOW
from tests.httpserver import LoopbackServer, Request, Route, redirect, response, sequence, slow

PAGES = DATA / "capture"
ARTICLE = (PAGES / "article.html").read_bytes()


def options(**changes: object) -> CaptureOptions:
    base: dict[str, object] = {"delay": 0.0, "timeout": 5.0, "clock": lambda: NOW}
    base.update(changes)
    return CaptureOptions(**base)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        srv.routes["/robots.txt"] = response(
            200, "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
        )
        yield srv


def warc_records(warc: bytes) -> list[tuple[dict[str, str], bytes]]:
    """(headers, block) of every record of a gzipped WARC, read by warcio."""
    from warcio.archiveiterator import ArchiveIterator

    out = []
    for record in ArchiveIterator(io.BytesIO(warc), no_record_parse=True):
        headers = dict(record.rec_headers.headers)
        out.append((headers, record.raw_stream.read()))
    return out


def warcio_check(tmp_path: Path, warc: bytes) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "evidence.warc.gz"
    path.write_bytes(warc)
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


# -- a page captured, and its evidence -------------------------------------------------


def test_article_captured_with_text_and_metadata(server: LoopbackServer) -> None:
    server.routes["/news/pier"] = response(200, ARTICLE, headers=(("ETag", '"v1"'),))
    result = fetch(server.url("/news/pier"), options=options())
    assert result.outcome == "captured", result.message
    assert result.reason is None
    assert result.url == result.final_url == server.url("/news/pier")
    assert result.status == 200
    assert result.http_version == "HTTP/1.1"
    assert result.header("etag") == '"v1"'
    assert result.header("content-type") == "text/html; charset=utf-8"
    assert str(result.retrieved_at) == "2026-01-01T12:00:00Z"
    assert result.text == ARTICLE.decode("utf-8")
    extracted = result.extracted
    assert isinstance(extracted, Extracted)
    assert "north pier" in extracted.text
    assert "Subscribe to the Courier" not in extracted.text  # navigation
    assert "Reader42" not in extracted.text  # comments
    assert "All rights reserved" not in extracted.text  # footer
    assert extracted.title == "Westport approves plan to rebuild the north pier"
    assert extracted.authors == ("Anna Berg", "Tom Reyes")


def test_request_names_newsarchive_and_asks_for_compression(server: LoopbackServer) -> None:
    server.routes["/a"] = response(200, ARTICLE)
    fetch(server.url("/a"), options=options())
    request = next(r for r in server.requests if r.path == "/a")
    assert (request.header("User-Agent") or "").startswith("newsarchive/")
    assert request.header("Accept-Encoding") == "gzip, deflate, br"
    assert request.header("Cookie") is None


def test_user_agent_is_configurable(server: LoopbackServer) -> None:
    server.routes["/a"] = response(200, ARTICLE)
    fetch(server.url("/a"), options=options(user_agent="ExampleBot/2.0 (+mailto:x@example.org)"))
    assert [r.header("User-Agent") for r in server.requests if r.path == "/a"] == [
        "ExampleBot/2.0 (+mailto:x@example.org)"
    ]


def test_evidence_is_the_exchange_exactly_and_passes_warcio_check(
    server: LoopbackServer, tmp_path: Path
) -> None:
    raw = response(200, ARTICLE, headers=(("Set-Cookie", "session=abc"),))
    server.routes["/a"] = raw
    result = fetch(server.url("/a"), options=options())
    evidence = result.evidence
    assert evidence is not None
    records = warc_records(evidence.warc)
    assert [h["WARC-Type"] for h, _ in records] == ["request", "response"]
    (req_headers, req_block), (resp_headers, resp_block) = records
    assert resp_block == raw  # byte for byte, as the server sent it
    sent = next(r for r in server.requests if r.path == "/a").raw
    assert req_block == sent  # byte for byte, as the server read it
    assert resp_headers["WARC-Record-ID"] == evidence.response_id
    assert req_headers["WARC-Record-ID"] == evidence.request_id
    assert req_headers["WARC-Concurrent-To"] == evidence.response_id
    assert resp_headers["WARC-Target-URI"] == server.url("/a")
    assert resp_headers["WARC-Date"] == "2026-01-01T12:00:00Z"
    assert resp_headers["WARC-IP-Address"] == "127.0.0.1"
    assert resp_headers["Content-Type"] == "application/http; msgtype=response"
    # the capture's source digest is the payload: the entity body
    assert result.payload_digest == Digest.of_bytes(ARTICLE)
    check = warcio_check(tmp_path, evidence.warc)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 2
    assert "session=abc" not in repr(result.headers)  # cookies are evidence, not metadata


def test_gzip_and_chunked_body_payload_digest_is_the_entity_body(
    server: LoopbackServer, tmp_path: Path
) -> None:
    raw = response(200, ARTICLE, gzip=True, chunked=True, chunk_size=100)
    server.routes["/z"] = raw
    result = fetch(server.url("/z"), options=options())
    assert result.outcome == "captured", result.message
    assert result.text == ARTICLE.decode("utf-8")
    assert result.header("content-encoding") == "gzip"
    assert result.evidence is not None
    # WARC 1.1: transfer coding removed, content coding kept
    assert result.payload_digest == Digest.of_bytes(gzip.compress(ARTICLE, mtime=0))
    (_, _), (resp_headers, resp_block) = warc_records(result.evidence.warc)
    assert resp_block == raw  # chunk framing kept, as received
    # chunked: the readings of WARC-Payload-Digest disagree, so only the block digest
    assert "WARC-Payload-Digest" not in resp_headers
    check = warcio_check(tmp_path, result.evidence.warc)
    assert check.returncode == 0, check.stdout + check.stderr


def test_chunking_does_not_change_the_payload_digest(server: LoopbackServer) -> None:
    server.routes["/c"] = response(200, ARTICLE, chunked=True, chunk_size=13)
    server.routes["/p"] = response(200, ARTICLE)
    chunked = fetch(server.url("/c"), options=options())
    plain = fetch(server.url("/p"), options=options())
    assert chunked.payload_digest == plain.payload_digest == Digest.of_bytes(ARTICLE)


def test_evidence_reads_back_through_our_own_warc_import(server: LoopbackServer) -> None:
    from newsarchive.warc import read_warc

    server.routes["/a"] = response(200, ARTICLE, chunked=True)
    result = fetch(server.url("/a"), options=options())
    assert result.evidence is not None
    reading = read_warc(io.BytesIO(result.evidence.warc), clock=lambda: NOW)
    assert len(reading.records) == 1
    assert not reading.refused
    assert reading.records[0]["content"] == ARTICLE.decode("utf-8")


@pytest.mark.parametrize(
    ("name", "label"), [("cp1251.html", "windows-1251"), ("shift_jis.html", "Shift_JIS")]
)
def test_encoding_declared_only_in_meta(server: LoopbackServer, name: str, label: str) -> None:
    page = (PAGES / name).read_bytes()
    server.routes["/p"] = response(200, page, content_type="text/html")
    result = fetch(server.url("/p"), options=options())
    assert result.outcome == "captured", result.message
    codec = "cp1251" if label == "windows-1251" else "cp932"
    assert result.text == page.decode(codec)
    assert result.encoding is not None
    assert label in result.encoding
    assert "meta" in result.encoding or "declared" in result.encoding


@pytest.mark.parametrize("coding", ["deflate", "br"])
def test_other_content_codings_are_undone(server: LoopbackServer, coding: str) -> None:
    import zlib

    import brotli  # type: ignore[import-untyped,unused-ignore]

    body = zlib.compress(ARTICLE) if coding == "deflate" else brotli.compress(ARTICLE)
    server.routes["/e"] = response(200, body, headers=(("Content-Encoding", coding),))
    result = fetch(server.url("/e"), options=options())
    assert result.outcome == "captured", result.message
    assert result.text == ARTICLE.decode("utf-8")
    assert result.payload_digest == Digest.of_bytes(body)


# -- redirects -------------------------------------------------------------------------


def test_redirect_chain_every_hop_recorded(server: LoopbackServer, tmp_path: Path) -> None:
    server.routes["/old"] = redirect(301, "/older")
    server.routes["/older"] = redirect(302, server.url("/new"))
    server.routes["/new"] = response(200, ARTICLE)
    result = fetch(server.url("/old"), options=options())
    assert result.outcome == "captured", result.message
    assert result.url == server.url("/old")  # as given
    assert result.final_url == server.url("/new")
    assert [(h.url, h.status) for h in result.redirects] == [
        (server.url("/old"), 301),
        (server.url("/older"), 302),
        (server.url("/new"), 200),
    ]
    assert result.evidence is not None
    records = warc_records(result.evidence.warc)
    assert [h["WARC-Type"] for h, _ in records] == ["request", "response"] * 3
    assert records[-1][0]["WARC-Record-ID"] == result.evidence.response_id
    assert records[-1][0]["WARC-Target-URI"] == server.url("/new")
    assert warcio_check(tmp_path, result.evidence.warc).returncode == 0


def test_redirect_loop_fails(server: LoopbackServer) -> None:
    server.routes["/a"] = redirect(302, "/b")
    server.routes["/b"] = redirect(302, "/a")
    result = fetch(server.url("/a"), options=options())
    assert (result.outcome, result.reason) == ("failed", "redirect-loop")
    assert result.url == server.url("/a")
    assert server.paths().count("/a") == 1


def test_too_many_redirects_fail(server: LoopbackServer) -> None:
    for n in range(5):
        server.routes[f"/r{n}"] = redirect(302, f"/r{n + 1}")
    server.routes["/r5"] = response(200, ARTICLE)
    result = fetch(server.url("/r0"), options=options(max_redirects=3))
    assert (result.outcome, result.reason) == ("failed", "too-many-redirects")
    assert fetch(server.url("/r0"), options=options(max_redirects=5)).outcome == "captured"


def test_redirect_to_another_scheme_is_refused(server: LoopbackServer) -> None:
    server.routes["/ftp"] = redirect(302, "ftp://example.org/file")
    result = fetch(server.url("/ftp"), options=options())
    assert (result.outcome, result.reason) == ("failed", "bad-redirect")


# -- what is not an article ------------------------------------------------------------


@pytest.mark.parametrize(("status", "reason"), [(404, "not-found"), (410, "gone")])
def test_404_and_410_say_the_page_vanished(
    server: LoopbackServer, status: int, reason: str
) -> None:
    server.routes["/gone"] = response(status, "<h1>Gone</h1>")
    result = fetch(server.url("/gone"), options=options())
    assert (result.outcome, result.reason, result.status) == ("vanished", reason, status)
    assert result.evidence is not None  # the answer is evidence too
    assert result.extracted is None


def test_server_error_fails(server: LoopbackServer) -> None:
    server.routes["/err"] = response(500, "<h1>Oops</h1>")
    result = fetch(server.url("/err"), options=options())
    assert (result.outcome, result.reason, result.status) == ("failed", "http-status", 500)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(32)),
        ("application/json", b'{"headline": "not a page"}'),
    ],
)
def test_not_html_fails(server: LoopbackServer, content_type: str, body: bytes) -> None:
    server.routes["/f"] = response(200, body, content_type=content_type)
    result = fetch(server.url("/f"), options=options())
    assert (result.outcome, result.reason) == ("failed", "not-html")
    assert result.payload_digest == Digest.of_bytes(body)


def test_page_without_article_text_fails(server: LoopbackServer) -> None:
    server.routes["/i"] = response(200, (PAGES / "no-article.html").read_bytes())
    result = fetch(server.url("/i"), options=options())
    assert (result.outcome, result.reason) == ("failed", "no-article")


def test_body_over_the_limit_is_refused(server: LoopbackServer) -> None:
    server.routes["/big"] = response(200, ARTICLE)
    server.routes["/big-chunked"] = response(200, ARTICLE, chunked=True, chunk_size=512)
    for path in ("/big", "/big-chunked"):
        result = fetch(server.url(path), options=options(max_bytes=1000))
        assert (result.outcome, result.reason) == ("failed", "too-large"), path
    assert fetch(server.url("/big"), options=options(max_bytes=len(ARTICLE))).outcome == (
        "captured"
    )


def test_decompression_is_held_to_the_limit(server: LoopbackServer) -> None:
    bomb = gzip.compress(b"<p>" + b"a" * 2_000_000, mtime=0)  # ~2 KB that expands to 2 MB
    server.routes["/bomb"] = response(200, bomb, headers=(("Content-Encoding", "gzip"),))
    result = fetch(server.url("/bomb"), options=options(max_bytes=100_000))
    assert (result.outcome, result.reason) == ("failed", "too-large")


def test_slow_server_times_out(server: LoopbackServer) -> None:
    server.routes["/slow"] = slow(30, response(200, ARTICLE), server.stopping)
    result = fetch(server.url("/slow"), options=options(timeout=0.3))
    assert (result.outcome, result.reason) == ("failed", "timeout")
    assert result.evidence is None


def test_trickling_server_is_held_to_one_deadline(server: LoopbackServer) -> None:
    def trickle(_: Request, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n"
        conn.sendall(head)
        for _n in range(1000):  # a byte every 50 ms: each read is quick, the whole is not
            if server.stopping.wait(0.05):
                return
            conn.sendall(b"a")

    server.routes["/drip"] = trickle
    result = fetch(server.url("/drip"), options=options(timeout=0.5))
    assert (result.outcome, result.reason) == ("failed", "timeout")


def test_connection_refused_fails() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = fetch(f"http://127.0.0.1:{port}/", options=options(ignore_robots=True))
    assert (result.outcome, result.reason) == ("failed", "connect-error")


@pytest.mark.parametrize("url", ["ftp://example.org/x", "not a url", "http://"])
def test_bad_url_fails_without_a_request(url: str) -> None:
    result = fetch(url, options=options())
    assert (result.outcome, result.reason) == ("failed", "bad-url")
    assert result.url == url


def test_malformed_response_is_a_protocol_error(server: LoopbackServer) -> None:
    server.routes["/bad"] = b"SPDY/9 nonsense\r\n\r\n"
    result = fetch(server.url("/bad"), options=options())
    assert (result.outcome, result.reason) == ("failed", "protocol-error")


# -- robots.txt ------------------------------------------------------------------------


def test_robots_txt_disallow_is_honoured(server: LoopbackServer) -> None:
    server.routes["/private/story"] = response(200, ARTICLE)
    result = fetch(server.url("/private/story"), options=options())
    assert (result.outcome, result.reason) == ("failed", "robots-disallowed")
    assert "/private/story" not in server.paths()
    assert result.robots_ignored is False


def test_ignore_robots_fetches_and_says_so(server: LoopbackServer) -> None:
    server.routes["/private/story"] = response(200, ARTICLE)
    result = fetch(server.url("/private/story"), options=options(ignore_robots=True))
    assert result.outcome == "captured"
    assert result.robots_ignored is True
    assert result.robots is None
    assert "/robots.txt" not in server.paths()


def test_result_says_how_robots_txt_was_read(server: LoopbackServer) -> None:
    server.routes["/a"] = response(200, ARTICLE)
    result = fetch(server.url("/a"), options=options())
    assert result.robots == server.url("/robots.txt") + " 200"
    assert result.robots_ignored is False


def test_robots_txt_applies_to_redirect_targets(server: LoopbackServer) -> None:
    server.routes["/open"] = redirect(302, "/private/x")
    result = fetch(server.url("/open"), options=options())
    assert (result.outcome, result.reason) == ("failed", "robots-disallowed")
    assert [h.url for h in result.redirects] == [server.url("/open")]


def test_robots_txt_unreachable_disallows_everything(server: LoopbackServer) -> None:
    server.routes["/robots.txt"] = response(503, "busy")
    server.routes["/a"] = response(200, ARTICLE)
    result = fetch(server.url("/a"), options=options())
    assert result.reason == "robots-disallowed"


def test_robots_txt_missing_allows_everything(server: LoopbackServer) -> None:
    del server.routes["/robots.txt"]
    server.routes["/a"] = response(200, ARTICLE)
    assert fetch(server.url("/a"), options=options()).outcome == "captured"


def test_robots_txt_is_fetched_once_per_capturer(server: LoopbackServer) -> None:
    server.routes["/a"] = response(200, ARTICLE)
    server.routes["/b"] = response(200, ARTICLE)
    capturer = Capturer(options())
    assert [r.outcome for r in capturer.fetch_many([server.url("/a"), server.url("/b")])] == [
        "captured",
        "captured",
    ]
    assert server.paths().count("/robots.txt") == 1


# -- pages that change and vanish ------------------------------------------------------


def test_page_that_changes_between_fetches(server: LoopbackServer) -> None:
    changed = ARTICLE.replace(b"eighteen months", b"two years")
    server.routes["/live"] = sequence(response(200, ARTICLE), response(200, changed))
    capturer = Capturer(options())
    first, second = capturer.fetch(server.url("/live")), capturer.fetch(server.url("/live"))
    assert first.payload_digest == Digest.of_bytes(ARTICLE)
    assert second.payload_digest == Digest.of_bytes(changed)
    assert first.extracted is not None
    assert second.extracted is not None
    assert "two years" in second.extracted.text
    assert "two years" not in first.extracted.text
    assert first.evidence is not None
    assert second.evidence is not None
    assert first.evidence.response_id != second.evidence.response_id


def test_page_that_disappears(server: LoopbackServer) -> None:
    server.routes["/story"] = sequence(response(200, ARTICLE), response(410, "gone"))
    capturer = Capturer(options())
    assert capturer.fetch(server.url("/story")).outcome == "captured"
    again = capturer.fetch(server.url("/story"))
    assert (again.outcome, again.reason) == ("vanished", "gone")


# -- politeness and parallel hosts -----------------------------------------------------


class FakeTime:
    """A monotonic clock that only sleep moves (requests take no time)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_delay_between_requests_to_one_host(server: LoopbackServer) -> None:
    server.routes["/a"] = response(200, ARTICLE)
    server.routes["/b"] = response(200, ARTICLE)
    fake = FakeTime()
    capturer = Capturer(options(delay=2.5, monotonic=fake.monotonic, sleep=fake.sleep))
    results = list(capturer.fetch_many([server.url("/a"), server.url("/b")]))
    assert [r.outcome for r in results] == ["captured", "captured"]
    # robots.txt, /a, /b: two waits of the full delay (the fake clock does not move)
    assert fake.sleeps == [2.5, 2.5]


def test_zero_delay_never_sleeps(server: LoopbackServer) -> None:
    server.routes["/a"] = response(200, ARTICLE)
    fake = FakeTime()
    capturer = Capturer(options(delay=0.0, monotonic=fake.monotonic, sleep=fake.sleep))
    list(capturer.fetch_many([server.url("/a")] * 3))
    assert fake.sleeps == []


def _one_at_a_time(stopping: threading.Event) -> tuple[Route, dict[str, int]]:
    """A slow page that counts the requests of its host waiting for their answer.

    A request stops counting just before its answer goes out, and a client can
    send its next request to the host only once it has that answer, so a
    client that waits its turn never makes the count exceed 1. (The server's
    own in-flight count drops only after the answer was sent, so it can show
    2 when the next request comes in before that thread runs again.)
    """
    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    def handle(_: Request, conn: socket.socket) -> None:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        answered = False
        try:
            if not stopping.wait(0.2):
                with lock:
                    state["now"] -= 1
                answered = True
                conn.sendall(response(200, ARTICLE))
        finally:
            if not answered:
                with lock:
                    state["now"] -= 1

    return handle, state


def test_jobs_fetch_hosts_in_parallel_one_request_per_host_at_a_time() -> None:
    stop = threading.Event()
    servers, counts = [], []
    for host in ("127.0.0.1", "127.0.0.2"):
        page, state = _one_at_a_time(stop)
        routes: dict[str, Route] = {f"/p{n}": page for n in range(3)}
        routes["/robots.txt"] = response(404, "", content_type="text/plain")
        servers.append(LoopbackServer(routes, host=host))
        counts.append(state)
    with servers[0] as one, servers[1] as two:
        urls = [s.url(f"/p{n}") for s in (one, two) for n in range(3)]
        results = list(fetch_many(urls, options(), jobs=4))
        stop.set()
    assert sorted(r.url for r in results) == sorted(urls)
    assert all(r.outcome == "captured" for r in results)
    assert [state["most"] for state in counts] == [1, 1]  # one at a time per host
    # the two hosts overlapped: each one's pages began before the other's last page did
    # (fetched one host after the other, one host's would all come after the other's)
    one_at, two_at = (
        [r.arrived for r in srv.requests if r.path != "/robots.txt"] for srv in (one, two)
    )
    assert min(two_at) < max(one_at)
    assert min(one_at) < max(two_at)


def test_fetch_many_keeps_the_order_of_one_host(server: LoopbackServer) -> None:
    for n in range(4):
        server.routes[f"/s{n}"] = response(200, ARTICLE)
    urls = [server.url(f"/s{n}") for n in range(4)]
    results = list(fetch_many(urls, options(), jobs=3))
    assert [r.url for r in results] == urls
    assert [p for p in server.paths() if p != "/robots.txt"] == [f"/s{n}" for n in range(4)]


# -- options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"timeout": 0},
        {"timeout": float("nan")},
        {"delay": -1},
        {"max_bytes": 0},
        {"max_redirects": -1},
        {"max_bytes": True},
        {"user_agent": "bad\nagent"},
        {"user_agent": ""},
    ],
)
def test_bad_options_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(CaptureError, match="must be"):
        options(**changes)


def test_bad_jobs_are_refused() -> None:
    with pytest.raises(CaptureError, match="jobs"):
        fetch_many(["http://127.0.0.1/"], options(), jobs=0)


def test_unreadable_ca_bundle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="CA bundle") as info:
        Capturer(options(ca_bundle=tmp_path / "missing.pem"))
    assert info.value.code == "bad-ca-bundle"


def test_robots_token_is_the_user_agent_product() -> None:
    assert options().robots_token == "newsarchive"
    assert options(user_agent="Example-Bot/1.0").robots_token == "example-bot"


def test_default_user_agent_names_newsarchive_and_its_version() -> None:
    from newsarchive._version import __version__

    assert options().user_agent.startswith(f"newsarchive/{__version__}")


def test_payload_digest_matches_hashlib(server: LoopbackServer) -> None:
    server.routes["/a"] = response(200, ARTICLE)
    result = fetch(server.url("/a"), options=options())
    assert result.payload_digest is not None
    assert result.payload_digest.hex == hashlib.sha256(ARTICLE).hexdigest()


def test_interim_responses_are_left_out_of_the_evidence(server: LoopbackServer) -> None:
    final = response(200, ARTICLE)
    hints = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
    server.routes["/hints"] = hints + final
    result = fetch(server.url("/hints"), options=options())
    assert result.outcome == "captured", result.message
    assert result.evidence is not None
    blocks = [block for _, block in warc_records(result.evidence.warc)]
    assert blocks[1] == final


def test_fragment_is_not_sent_and_the_url_stays_as_given(server: LoopbackServer) -> None:
    server.routes["/a"] = response(200, ARTICLE)
    result = fetch(server.url("/a#comments"), options=options())
    assert result.outcome == "captured", result.message
    assert result.url == server.url("/a#comments")
    assert result.final_url == server.url("/a")
    assert result.evidence is not None
    assert warc_records(result.evidence.warc)[1][0]["WARC-Target-URI"] == server.url("/a")


def test_without_the_extra_a_capture_names_the_pip_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsarchive.errors import MissingExtra

    monkeypatch.setitem(sys.modules, "httpx", None)  # as if not installed
    with pytest.raises(MissingExtra, match=r"newsarchive\[capture\]"):
        Capturer(options())


def test_without_trafilatura_extraction_names_the_pip_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsarchive.capture import extract
    from newsarchive.errors import MissingExtra

    monkeypatch.setitem(sys.modules, "trafilatura", None)
    with pytest.raises(MissingExtra, match=r"newsarchive\[capture\]"):
        extract(ARTICLE.decode("utf-8"))


def test_fragment_of_a_redirect_target_is_not_sent(server: LoopbackServer) -> None:
    server.routes["/old"] = redirect(301, "/a#top")
    server.routes["/a"] = response(200, ARTICLE)
    result = fetch(server.url("/old"), options=options())
    assert result.outcome == "captured", result.message
    assert result.final_url == server.url("/a")
