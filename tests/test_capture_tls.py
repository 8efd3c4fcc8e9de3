"""HTTPS captures against a loopback server whose certificate comes from a test CA (trustme)."""

from __future__ import annotations

import hashlib
import io
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from newsarchive.capture import CaptureOptions, fetch
from tests.conftest import DATA, NOW
from tests.httpserver import LoopbackServer, response

ARTICLE = (DATA / "capture" / "article.html").read_bytes()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


@pytest.fixture
def leaf(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("127.0.0.1", "localhost")


@pytest.fixture
def https(leaf: trustme.LeafCert) -> Iterator[LoopbackServer]:
    routes = {"/story": response(200, ARTICLE), "/robots.txt": response(404, "")}
    with LoopbackServer(routes, tls=_server_context(leaf)) as srv:
        yield srv


@pytest.fixture
def bundle(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _options(**changes: object) -> CaptureOptions:
    base: dict[str, object] = {"delay": 0.0, "timeout": 5.0, "clock": lambda: NOW}
    base.update(changes)
    return CaptureOptions(**base)  # type: ignore[arg-type]


def test_https_capture_with_a_ca_bundle_records_the_certificate(
    https: LoopbackServer, bundle: Path, leaf: trustme.LeafCert
) -> None:
    result = fetch(https.url("/story"), options=_options(ca_bundle=bundle))
    assert result.outcome == "captured", result.message
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode("ascii"))
    assert result.tls_cert_sha256 == hashlib.sha256(der).hexdigest()
    assert result.text == ARTICLE.decode("utf-8")


def test_https_evidence_is_the_plaintext_http_exchange(https: LoopbackServer, bundle: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    result = fetch(https.url("/story"), options=_options(ca_bundle=bundle))
    assert result.evidence is not None
    blocks = [
        r.raw_stream.read()
        for r in ArchiveIterator(io.BytesIO(result.evidence.warc), no_record_parse=True)
    ]
    assert blocks[0].startswith(b"GET /story HTTP/1.1\r\n")
    assert blocks[1] == response(200, ARTICLE)


def test_untrusted_certificate_is_a_tls_failure(https: LoopbackServer) -> None:
    result = fetch(https.url("/story"), options=_options())  # the system store only
    assert (result.outcome, result.reason) == ("failed", "tls-error")
    assert result.evidence is None
    assert "/story" not in https.paths()


def test_certificate_for_another_host_is_a_tls_failure(ca: trustme.CA, bundle: Path) -> None:
    wrong = ca.issue_cert("news.example")
    with LoopbackServer({"/s": response(200, ARTICLE)}, tls=_server_context(wrong)) as srv:
        result = fetch(srv.url("/s"), options=_options(ca_bundle=bundle, ignore_robots=True))
    assert (result.outcome, result.reason) == ("failed", "tls-error")
