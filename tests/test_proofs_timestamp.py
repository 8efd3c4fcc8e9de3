"""RFC 3161 time-stamps: every rfc3161-client fixture, and a loopback TSA made in the test."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from rfc3161_client import _rust

from newsarchive.errors import ProofError
from newsarchive.proofs import (
    TsaTrust,
    load_tsa_trust,
    parse_timestamp_response,
    request_timestamp,
    timestamp_request,
    verify_timestamp,
)
from tests.tsa_server import OPENSSL, TestTsa, serve

if TYPE_CHECKING:
    from collections.abc import Iterator

RFC3161 = Path(__file__).parent / "data" / "transparency" / "rfc3161"
VECTORS = json.loads((RFC3161 / "vectors.json").read_text())
CASES = {c["id"]: c for c in VECTORS["cases"]}
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the test TSA signs with openssl ts")


def _trust(case: dict[str, Any]) -> TsaTrust:
    return load_tsa_trust((RFC3161 / (case.get("chain") or case["root_der"])).read_bytes())


def _message(case: dict[str, Any]) -> bytes:
    if "message_file" in case:
        return (RFC3161 / str(case["message_file"])).read_bytes()
    return str(case["message"]).encode()


def test_fixture_files_are_the_upstream_bytes() -> None:
    for name, digest in VECTORS["file_sha256"].items():
        assert hashlib.sha256((RFC3161 / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(
    "case_id",
    [
        "test_tsa-good",
        "sigstage-sha256",
        "sigstage-sha384",
        "sigstage-sha512",
        "sigstage-no-embedded-cert",
        "identrust-real-tsa",
        "sigstore-mock-expired",
    ],
)
def test_good_responses_verify(case_id: str) -> None:
    case = CASES[case_id]
    expect = case["expect"]
    nonce = None
    if "request" in case:
        nonce = _rust.parse_timestamp_request((RFC3161 / case["request"]).read_bytes()).nonce
    verdict = verify_timestamp(
        (RFC3161 / case["response"]).read_bytes(), _message(case), _trust(case), nonce=nonce
    )
    assert verdict.ok, verdict.reason
    if "gen_time" in expect:
        assert verdict.gen_time is not None
        assert verdict.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ") == expect["gen_time"]
    if "serial_number" in expect:
        assert verdict.serial_number == expect["serial_number"]
    response = parse_timestamp_response((RFC3161 / case["response"]).read_bytes())
    if "message_imprint_hex" in expect:
        assert response.tst_info.message_imprint.message.hex() == expect["message_imprint_hex"]
    if "nonce" in expect:
        assert response.tst_info.nonce == expect["nonce"]
    if "policy_oid" in expect:
        assert response.tst_info.policy.dotted_string == expect["policy_oid"]
    # The same token over other bytes is not a stamp of them.
    assert not verify_timestamp(
        (RFC3161 / case["response"]).read_bytes(), _message(case) + b"!", _trust(case)
    ).ok


def test_injected_certificates_do_not_fool_name_pinning() -> None:
    case = CASES["test_tsa-injected-certs"]
    data = (RFC3161 / case["response"]).read_bytes()
    assert verify_timestamp(data, b"hello", _trust(case)).ok  # signature valid
    verdict = verify_timestamp(data, b"hello", _trust(case), common_name="CN=Spoofed TSA")
    assert not verdict.ok
    assert "name" in verdict.reason


def test_response_from_another_tsa_instance_fails() -> None:
    case = CASES["test_tsa-other"]
    data = (RFC3161 / case["response"]).read_bytes()
    request = _rust.parse_timestamp_request((RFC3161 / case["request"]).read_bytes())
    assert request.nonce == 0xB17470D29BFE1226
    assert parse_timestamp_response(data).tst_info.nonce == 0xDE10A2FD76C22477
    verdict = verify_timestamp(data, b"hello", _trust(CASES["test_tsa-good"]))
    assert not verdict.ok
    assert verdict.reason == (
        "the token's signature or certificate chain does not verify against the trusted TSA"
    )


def test_nonce_mismatch_fails() -> None:
    case = CASES["test_tsa-nonce-mismatch"]
    other = _rust.parse_timestamp_request((RFC3161 / case["request"]).read_bytes())
    data = (RFC3161 / case["response"]).read_bytes()
    verdict = verify_timestamp(data, b"hello", _trust(CASES["test_tsa-good"]), nonce=other.nonce)
    assert not verdict.ok
    assert verdict.reason == "Nonce mismatch"


def test_invalid_signature_fails() -> None:
    case = CASES["sigstage-invalid-signature"]
    verdict = verify_timestamp((RFC3161 / case["response"]).read_bytes(), b"hello", _trust(case))
    assert not verdict.ok
    assert "signature" in verdict.reason


def test_unpaired_request_parses() -> None:
    case = CASES["sigstage-request-unpaired"]
    request = _rust.parse_timestamp_request((RFC3161 / case["request"]).read_bytes())
    assert f"{request.nonce:x}" == case["expect"]["nonce_hex"]
    assert request.cert_req is True
    assert request.message_imprint.message.hex() == case["expect"]["message_imprint_hex"]
    for name in ("sha256", "sha384", "sha512"):
        response = (RFC3161 / f"sigstage/response-{name}.tsr").read_bytes()
        assert not verify_timestamp(
            response, b"hello", _trust(CASES["sigstage-sha256"]), nonce=request.nonce
        ).ok


def test_a_token_from_an_untrusted_tsa_fails() -> None:
    sigstage = (RFC3161 / "sigstage/response-sha256.tsr").read_bytes()
    verdict = verify_timestamp(sigstage, b"hello", _trust(CASES["test_tsa-good"]))
    assert not verdict.ok


@pytest.mark.parametrize("data", [b"", b"garbage", b"\x30\x03\x02\x01\x00"])
def test_bytes_that_are_not_a_response_are_malformed(data: bytes) -> None:
    with pytest.raises(ProofError) as caught:
        verify_timestamp(data, b"hello", _trust(CASES["test_tsa-good"]))
    assert caught.value.code == "malformed-timestamp"


def test_bad_certificate_files() -> None:
    with pytest.raises(ProofError) as caught:
        load_tsa_trust(b"not a certificate")
    assert caught.value.code == "bad-tsa-certificate"


# -- a TSA of our own on 127.0.0.1 ---------------------------------------------------


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> TestTsa:
    if OPENSSL is None:
        pytest.skip("the test TSA signs with openssl ts")
    return TestTsa(tmp_path_factory.mktemp("tsa"))


@pytest.fixture(scope="module")
def tsa_url(tsa: TestTsa) -> Iterator[str]:
    yield from serve(tsa)


@needs_openssl
def test_loopback_tsa_round_trip(tsa: TestTsa, tsa_url: str, tmp_path: Path) -> None:
    message = b"example.org/log\n3\n" + b"A" * 44 + b"\n"
    response = request_timestamp(tsa_url, message)
    trust = load_tsa_trust(tsa.chain_pem)
    assert trust.tsa_certificate == tsa.cert
    verdict = verify_timestamp(response, message, trust)
    assert verdict.ok, verdict.reason
    assert verdict.tsa_name == "CN=Test TSA,O=newsarchive tests"
    assert not verify_timestamp(response, message[:-1] + b"!", trust).ok
    # Another TSA (other root, other key) is not trusted for this token.
    other = TestTsa(tmp_path / "other", name="Other TSA")
    assert not verify_timestamp(response, message, load_tsa_trust(other.chain_pem)).ok
    # Only the root: the embedded TSA certificate chains to it.
    begin = b"-----BEGIN CERTIFICATE-----"
    root_only = load_tsa_trust(tsa.chain_pem[tsa.chain_pem.rindex(begin) :])  # the second PEM
    assert verify_timestamp(response, message, TsaTrust(root_only.roots)).ok


@needs_openssl
def test_a_forged_token_fails(tsa: TestTsa) -> None:
    message = b"checkpoint\n"
    der, _ = timestamp_request(message)
    response = bytearray(tsa.sign(der))
    trust = load_tsa_trust(tsa.chain_pem)
    assert verify_timestamp(bytes(response), message, trust).ok
    offsets = range(len(response) - 64, len(response), 5)  # within the ECDSA signature value
    failures = 0
    for offset in offsets:
        forged = bytearray(response)
        forged[offset] ^= 0x01
        try:
            failures += not verify_timestamp(bytes(forged), message, trust).ok
        except ProofError:
            failures += 1
    assert failures == len(offsets)


def test_request_timestamp_refuses_other_urls() -> None:
    with pytest.raises(ProofError, match="http"):
        request_timestamp("file:///etc/passwd", b"x")
    with pytest.raises(ProofError, match="did not answer") as caught:
        request_timestamp("http://127.0.0.1:9/", b"x", timeout=2)
    assert caught.value.code == "tsa-error"
