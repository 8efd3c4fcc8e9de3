"""A time-stamping authority for the tests: CA and TSA made here, `openssl ts -reply`, loopback.

Nothing leaves the machine: the server binds 127.0.0.1 on a free port. The
certificates are generated with `cryptography` per test run; the signing itself
is done by `openssl ts -reply` (the tests that need it are skipped without openssl).
The token embeds the TSA certificate only: openssl writes a token's certificate
SET unsorted, which strict DER readers (rfc3161-client) refuse.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from collections.abc import Iterator

OPENSSL = shutil.which("openssl")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "newsarchive tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(
    common_name: str, now: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_tsa_cert(
    common_name: str, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, now: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


class TestTsa:
    """One TSA: `chain_pem` (TSA certificate + its root) is what a verifier trusts."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: Path, name: str = "Test TSA") -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        self.ca_key, self.ca = make_ca(f"{name} Root", now)
        self.key, self.cert = make_tsa_cert(name, self.ca_key, self.ca, now)
        (directory / "tsa.key").write_bytes(_pem_key(self.key))
        (directory / "tsa.pem").write_bytes(_pem(self.cert))
        self.chain_pem = _pem(self.cert) + _pem(self.ca)
        (directory / "chain.pem").write_bytes(self.chain_pem)
        (directory / "serial").write_text("01\n")
        (directory / "openssl.cnf").write_text(
            "[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\n"
            f"dir = {directory}\nserial = $dir/serial\nsigner_cert = $dir/tsa.pem\n"
            "signer_key = $dir/tsa.key\nsigner_digest = sha256\n"
            "default_policy = 1.3.6.1.4.1.99999.1\ndigests = sha256, sha384, sha512\n"
            "accuracy = secs:1\nordering = no\ntsa_name = no\n"
            "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n"
        )
        self._lock = threading.Lock()

    def sign(self, request: bytes) -> bytes:
        """The DER TimeStampResp openssl makes for a DER TimeStampReq."""
        assert OPENSSL is not None
        with self._lock:
            query, reply = self.directory / "query.tsq", self.directory / "reply.tsr"
            query.write_bytes(request)
            config = str(self.directory / "openssl.cnf")
            command = [OPENSSL, "ts", "-reply", "-config", config]
            subprocess.run(
                [*command, "-queryfile", str(query), "-out", str(reply)],
                check=True,
                capture_output=True,
            )
            return reply.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    tsa: TestTsa
    mangle: bool = False

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        answer = self.tsa.sign(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(tsa: TestTsa) -> Iterator[str]:
    """Run the TSA on 127.0.0.1 for the duration of a fixture; yield its URL."""
    handler = type("Handler", (_Handler,), {"tsa": tsa})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
