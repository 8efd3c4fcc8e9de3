"""`capture`, `recapture`, `evidence` and `export --format warc` with evidence, end to end.

Every failure class of issue 12 goes through the store here: against loopback HTTP(S)
servers serving pages written for the tests (tests/data/capture).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from newsarchive.store import Store
from tests.conftest import DATA
from tests.httpserver import LoopbackServer, Route, redirect, response, slow
from tests.test_cli import assert_one_line_error, cli

PAGES = DATA / "capture"
ARTICLE = (PAGES / "article.html").read_bytes()
UPDATED = (PAGES / "article-updated.html").read_bytes()
FAST = ("--delay", "0", "--timeout", "5")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        srv.routes["/robots.txt"] = response(
            200, "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
        )
        srv.routes["/news/pier"] = response(200, ARTICLE, gzip=True, chunked=True)
        yield srv


@pytest.fixture
def store(tmp_path: Path) -> str:
    return str(tmp_path / "store")


def objects(out: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.decode().splitlines()]


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_capture_stores_a_new_store_and_evidence_writes_a_checked_warc(
    server: LoopbackServer, store: str, tmp_path: Path
) -> None:
    url = server.url("/news/pier")
    code, out, err = cli("capture", "--store", store, *FAST, "--tag", "pier", url)
    assert code == 0, err
    outcome, record_id, shown = out.decode().split()
    assert (outcome, shown) == ("stored", url)
    assert "1 stored, 0 unchanged, 0 failed" in err
    for name in ("e.warc", "e.warc.gz"):
        code, _, err = cli("evidence", "--store", store, record_id[:12], "-o", str(tmp_path / name))
        assert code == 0, err
        assert "2 WARC records" in err
        checked = warcio_check(tmp_path / name)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (tmp_path / "e.warc.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert (
        gzip.decompress((tmp_path / "e.warc.gz").read_bytes()) == (tmp_path / "e.warc").read_bytes()
    )
    code, out, _ = cli("capture", "--store", store, *FAST, "--json", url)
    assert code == 0
    assert objects(out) == [{"url": url, "outcome": "unchanged", "id": record_id}]
    code, out, _ = cli("store", "verify", "--store", store)
    assert code == 0
    assert ", 4 evidence in 2 batches" in out.decode()


def test_every_failure_class_is_reported_and_exit_1(
    server: LoopbackServer, store: str, tmp_path: Path
) -> None:
    routes: dict[str, Route] = {
        "/404": response(404, "not here"),
        "/410": response(410, "gone"),
        "/500": response(500, "oops"),
        "/paper.pdf": response(200, b"%PDF-1.7\n...", content_type="application/pdf"),
        "/data.json": response(200, b'{"a": 1}', content_type="application/json"),
        "/nav": response(200, (PAGES / "no-article.html").read_bytes()),
        "/big": response(200, ARTICLE),
        "/loop-a": redirect(302, "/loop-b"),
        "/loop-b": redirect(302, "/loop-a"),
        "/slow": slow(30, response(200, ARTICLE), server.stopping),
    }
    server.routes.update(routes)
    expected = {
        "/404": "not-found",
        "/410": "gone",
        "/500": "http-status",
        "/paper.pdf": "not-html",
        "/data.json": "not-html",
        "/nav": "no-article",
        "/loop-a": "redirect-loop",
        "/slow": "timeout",
        "/private/story": "robots-disallowed",
    }
    urls = [server.url(path) for path in expected]
    code, out, err = cli(
        "capture", "--store", store, "--delay", "0", "--timeout", "1", "--json", *urls
    )
    assert code == 1
    found = {o["url"]: o for o in objects(out)}
    for path, reason in expected.items():
        item = found[server.url(path)]
        assert (item["outcome"], item["reason"]) == ("failed", reason), item
        assert item["message"]
        assert "id" not in item  # not in the store: nothing written
    assert "0 stored, 0 unchanged, 9 failed" in err
    code, out, _ = cli(
        "capture", "--store", store, *FAST, "--max-bytes", "1000", server.url("/big")
    )
    assert code == 1
    assert out.decode().startswith(f"FAILED {server.url('/big')}: too-large: ")
    assert Store(store).stats()["batches"] == 0


def test_https_with_a_ca_bundle_and_a_tls_failure_without(store: str, tmp_path: Path) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf = ca.issue_cert("127.0.0.1")
    leaf.configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    routes = {"/story": response(200, ARTICLE), "/robots.txt": response(404, "")}
    with LoopbackServer(routes, tls=context) as https:
        url = https.url("/story")
        code, out, _ = cli("capture", "--store", store, *FAST, "--json", url)
        assert code == 1
        assert objects(out)[0]["reason"] == "tls-error"
        code, out, err = cli(
            "capture", "--store", store, *FAST, "--json", "--ca-bundle", str(bundle), url
        )
    assert code == 0, err
    with Store(store) as opened:
        http = opened.get(objects(out)[0]["id"])["retrieval"]["http"]
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    assert http["tls_sha256"] == hashlib.sha256(der).hexdigest()
    assert http["final_url"] == url


def test_pages_in_legacy_encodings_declared_only_in_meta(
    server: LoopbackServer, store: str
) -> None:
    for name in ("cp1251", "shift_jis"):
        server.routes[f"/{name}"] = response(
            200, (PAGES / f"{name}.html").read_bytes(), content_type="text/html"
        )
    urls = [server.url("/cp1251"), server.url("/shift_jis")]
    code, out, err = cli("capture", "--store", store, *FAST, "--json", *urls)
    assert code == 0, err
    with Store(store) as opened:
        for item in objects(out):
            content = opened.get(item["id"])["content"]
            assert any("\u0400" <= c <= "\u04ff" or "\u3040" <= c <= "\u9fff" for c in content)


def test_a_stored_url_that_fails_gets_a_failure_event(server: LoopbackServer, store: str) -> None:
    url = server.url("/news/pier")
    assert cli("capture", "--store", store, *FAST, url)[0] == 0
    server.routes["/news/pier"] = response(404, "no")
    code, out, _ = cli("capture", "--store", store, *FAST, url)
    assert code == 1
    line = out.decode()
    assert line.startswith(f"FAILED {url}: not-found: ")
    assert "(failure event on " in line
    record_id = line.rsplit(" ", 1)[1].rstrip(")\n")
    code, out, _ = cli("show", "--store", store, "--events", record_id)
    assert code == 0
    (event,) = json.loads(out)
    assert (event["outcome"], event["detail"]["reason"], event["detail"]["status"]) == (
        "failure",
        "not-found",
        404,
    )


def test_urls_from_a_file_and_from_standard_input(
    server: LoopbackServer, store: str, tmp_path: Path
) -> None:
    url = server.url("/news/pier")
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# to save\n\n{url}\n{url}\n", encoding="utf-8")
    code, out, _ = cli("capture", "--store", store, *FAST, "--json", "--from", str(listing))
    assert code == 0
    assert [o["outcome"] for o in objects(out)] == ["stored"]  # each URL once
    code, out, _ = cli(
        "capture", "--store", store, *FAST, "--json", "--from", "-", stdin=f"{url}\n".encode()
    )
    assert code == 0
    assert [o["outcome"] for o in objects(out)] == ["unchanged"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "no URL given"),
        (("--timeout", "0", "https://x.example/"), "--timeout"),
        (("--delay", "-1", "https://x.example/"), "--delay"),
        (("--max-bytes", "0", "https://x.example/"), "--max-bytes"),
        (("--user-agent", "\u00e9", "https://x.example/"), "--user-agent"),
        (("--jobs", "0", "https://x.example/"), "--jobs"),
        (("--ca-bundle", "/nonexistent/ca.pem", "https://x.example/"), "--ca-bundle"),
        (("--tag", "a\nb", "https://x.example/"), "--tag"),
        (("--note", "a\x00b", "https://x.example/"), "--note"),
        (("--from", "/nonexistent/urls.txt"), "--from"),
        (("not a url",), "malformed URL"),
        (("ftp://x.example/a", "http://[bad", "x.example/b"), "malformed URL"),
    ],
)
def test_usage_errors_fetch_nothing(store: str, args: tuple[str, ...], words: str) -> None:
    code, out, err = cli("capture", "--store", store, *args)
    assert_one_line_error(code, err, words)
    assert out == b""
    assert not Path(store).exists()


def test_a_malformed_url_beside_a_good_one_is_a_failed_capture(
    server: LoopbackServer, store: str
) -> None:
    good = server.url("/news/pier")
    code, out, err = cli("capture", "--store", store, *FAST, "--json", "ftp://x.example/a", good)
    assert code == 1, err
    found = {o["url"]: o for o in objects(out)}
    assert found[good]["outcome"] == "stored"
    assert (found["ftp://x.example/a"]["outcome"], found["ftp://x.example/a"]["reason"]) == (
        "failed",
        "bad-url",
    )
    assert "1 stored, 0 unchanged, 1 failed" in err


def test_recapture_records_a_change_and_a_disappearance(server: LoopbackServer, store: str) -> None:
    server.routes["/news/quay"] = response(200, UPDATED)
    pier, quay = server.url("/news/pier"), server.url("/news/quay")
    code, out, _ = cli("capture", "--store", store, *FAST, "--json", pier, quay)
    first = {o["url"]: o["id"] for o in objects(out)}
    # Just captured: nothing is due yet.
    code, out, err = cli("recapture", "--store", store, *FAST, "--json")
    assert (code, out) == (0, b"")
    assert "0 stored, 0 unchanged, 0 failed" in err
    server.routes["/news/pier"] = response(200, UPDATED)
    server.routes["/news/quay"] = response(410, "gone")
    code, out, _ = cli("recapture", "--store", store, *FAST, "--all", "--json")
    assert code == 1
    found = {o["url"]: o for o in objects(out)}
    assert found[pier]["outcome"] == "stored"
    assert found[pier]["id"] != first[pier]
    assert found[quay] == {
        "url": quay,
        "outcome": "failed",
        "id": first[quay],
        "reason": "gone",
        "message": found[quay]["message"],
    }
    # Every attempt counts, the failed one too: nothing is due a minute apart.
    code, out, _ = cli("recapture", "--store", store, *FAST, "--due", "--schedule", "1000w:1m")
    assert (code, out) == (0, b"")


def test_recapture_refuses_a_bad_schedule(store: str) -> None:
    Store.init(store).close()
    code, _, err = cli("recapture", "--store", store, "--schedule", "1d")
    assert_one_line_error(code, err, "--schedule")


def test_evidence_of_a_record_that_has_none(store: str) -> None:
    code, _, err = cli("import", "--store", store, str(DATA / "import" / "ferry.txt"))
    assert code == 0, err
    with Store(store) as opened:
        (record_id,) = opened.find()
    code, _, err = cli("evidence", "--store", store, record_id, "-o", "/nonexistent/x.warc")
    assert code == 1
    assert "has no evidence" in err
    code, _, err = cli("evidence", "--store", store, "0" * 64, "-o", "x.warc")
    assert_one_line_error(code, err, "no record", expected=1)


def test_export_warc_includes_the_evidence(
    server: LoopbackServer, store: str, tmp_path: Path
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    assert cli("capture", "--store", store, *FAST, server.url("/news/pier"))[0] == 0
    assert cli("import", "--store", store, str(DATA / "import" / "ferry.txt"))[0] == 0
    out_path = tmp_path / "all.warc.gz"
    code, _, err = cli("export", "--store", store, "--format", "warc", "-o", str(out_path))
    assert code == 0, err
    kinds = [r.rec_type for r in ArchiveIterator(io.BytesIO(out_path.read_bytes()))]
    assert sorted(kinds) == sorted(
        ["warcinfo", "resource", "metadata", "request", "response", "resource", "metadata"]
    )
    checked = warcio_check(out_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Imported back: the records, not the evidence as more records.
    code, _, err = cli("import", "--store", str(tmp_path / "again"), "--json", str(out_path))
    assert code == 0, err
    assert len(Store(tmp_path / "again")) == 2


def test_history_reads_what_capture_recorded(server: LoopbackServer, store: str) -> None:
    url = server.url("/news/pier")
    for page in (response(200, ARTICLE), response(410, "gone"), response(200, UPDATED)):
        server.routes["/news/pier"] = page
        cli("capture", "--store", store, *FAST, url)
    code, out, err = cli("history", "--store", store, url)
    assert code == 0, err
    lines = out.decode().splitlines()
    assert "vanished (404/410)" in lines[2]
    assert "back after vanishing" in lines[3]
