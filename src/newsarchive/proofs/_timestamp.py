"""RFC 3161 time-stamps of a checkpoint: asking a TSA, and checking a token offline.

A TSA signs the hash of a message (here: the signed checkpoint note's bytes) and
the time it saw it. The response (a DER `TimeStampResp`, status and token) is
kept as it came. Checking it (`verify_timestamp`, with `rfc3161-client`):
status granted, CMS signature valid, signer certificate chained to a root the
caller trusts *at the stamp's own time* (a TSA certificate that expired since is
fine: the stamp was made while it was valid), critical timeStamping EKU, the
message imprint equal to the hash of our message, and nonce or TSA name when
given. A stamp that fails any of these is a verdict, not an exception; only
bytes that are not a time-stamp response at all raise `ProofError`.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, BinaryIO, Final

import attrs

from newsarchive.errors import MissingExtra, ProofError

if TYPE_CHECKING:
    from datetime import datetime

    from cryptography.x509 import Certificate
    from rfc3161_client import TimeStampResponse

__all__ = [
    "TimestampVerdict",
    "TsaTrust",
    "load_tsa_trust",
    "parse_timestamp_response",
    "request_timestamp",
    "timestamp_request",
    "verify_timestamp",
]

MAX_RESPONSE: Final = 1 << 20
CONTENT_TYPE: Final = "application/timestamp-query"


def _rfc3161() -> None:
    try:
        import rfc3161_client  # noqa: F401, PLC0415
    except ImportError:
        raise MissingExtra("RFC 3161 time-stamps", "proofs", "rfc3161-client") from None


def parse_timestamp_response(data: bytes) -> TimeStampResponse:
    """Decode a DER TimeStampResp; ProofError (malformed-timestamp) if it is not one."""
    _rfc3161()
    from rfc3161_client import decode_timestamp_response  # noqa: PLC0415

    try:
        return decode_timestamp_response(data)
    except ValueError:
        raise ProofError(
            "not an RFC 3161 time-stamp response", code="malformed-timestamp"
        ) from None


@attrs.frozen
class TsaTrust:
    """What a caller trusts for time-stamps: root CAs, intermediates, the TSA's own certificate."""

    roots: tuple[Certificate, ...]
    intermediates: tuple[Certificate, ...] = ()
    tsa_certificate: Certificate | None = None


def load_tsa_trust(data: bytes) -> TsaTrust:
    """Certificates from PEM (any number) or one DER certificate.

    Self-signed ones are roots; a certificate with the timeStamping extended key
    usage is the TSA's (pinned: the token must be signed by it); the rest are
    intermediates. Without a self-signed certificate the last one is the root.
    """
    _rfc3161()
    from cryptography import x509  # noqa: PLC0415
    from cryptography.x509.oid import ExtendedKeyUsageOID  # noqa: PLC0415

    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise ProofError(
            "not a PEM or DER X.509 certificate file", code="bad-tsa-certificate"
        ) from None
    roots = [c for c in certs if c.subject == c.issuer] or [certs[-1]]
    tsa: Certificate | None = None
    for cert in certs:
        try:
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            continue
        if ExtendedKeyUsageOID.TIME_STAMPING in eku and cert not in roots:
            tsa = cert
            break
    others = tuple(c for c in certs if c not in roots and c is not tsa)
    return TsaTrust(tuple(roots), others, tsa)


@attrs.frozen
class TimestampVerdict:
    """The outcome of checking one time-stamp: `ok`, why not, and what it says."""

    ok: bool
    reason: str
    gen_time: datetime | None = None
    serial_number: int | None = None
    tsa_name: str | None = None


def _clean(message: str) -> str:
    if message.startswith("Error while verifying certificates"):
        return "the token's signature or certificate chain does not verify against the trusted TSA"
    return message.rstrip(".")


def verify_timestamp(
    response: bytes,
    message: bytes,
    trust: TsaTrust,
    *,
    nonce: int | None = None,
    common_name: str | None = None,
) -> TimestampVerdict:
    """Check a time-stamp response over `message` against `trust` (see the module docstring)."""
    parsed = parse_timestamp_response(response)
    from rfc3161_client import VerificationError, VerifierBuilder  # noqa: PLC0415

    try:
        info = parsed.tst_info
        gen_time, serial = info.gen_time, info.serial_number
    except ValueError:
        return TimestampVerdict(ok=False, reason="the response holds no time-stamp token")
    builder = VerifierBuilder(
        roots=list(trust.roots),
        intermediates=list(trust.intermediates),
        tsa_certificate=trust.tsa_certificate,
        nonce=nonce,
        common_name=common_name,
    )
    tsa = trust.tsa_certificate.subject.rfc4514_string() if trust.tsa_certificate else None
    try:
        with warnings.catch_warnings():
            # A certificate RFC 5280 disallows (a negative serial, say) is not read leniently.
            warnings.simplefilter("error")
            builder.build().verify_message(parsed, message)
    except (VerificationError, ValueError) as exc:
        return TimestampVerdict(
            ok=False, reason=_clean(str(exc)), gen_time=gen_time, serial_number=serial, tsa_name=tsa
        )
    except Exception:  # noqa: BLE001 - a damaged embedded certificate raises what it likes, warnings too
        reason = "the token holds a certificate that cannot be read"
        return TimestampVerdict(
            ok=False, reason=reason, gen_time=gen_time, serial_number=serial, tsa_name=tsa
        )
    reason = f"stamped at {gen_time.isoformat()}"
    return TimestampVerdict(
        ok=True, reason=reason, gen_time=gen_time, serial_number=serial, tsa_name=tsa
    )


def timestamp_request(message: bytes) -> tuple[bytes, int | None]:
    """A DER TimeStampReq for `message` (SHA-512, with a nonce, asking for the certificate)."""
    _rfc3161()
    from rfc3161_client import TimestampRequestBuilder  # noqa: PLC0415

    request = TimestampRequestBuilder(data=message, nonce=True, cert_req=True).build()
    return request.as_bytes(), request.nonce


def request_timestamp(
    url: str, message: bytes, *, timeout: float = 30.0, cafile: str | None = None
) -> bytes:
    """Ask the TSA at `url` to stamp `message`; return its response once it checks out.

    The response must be granted, and carry our nonce and our message's hash (its
    chain is for the reader to trust, later, with `verify_timestamp`). `cafile`
    (PEM) replaces the system's CAs for an https:// TSA.
    """
    if not url.startswith(("http://", "https://")):
        raise ProofError("a TSA URL is http:// or https://", code="tsa-error")
    import ssl  # noqa: PLC0415 - only a checkpoint with --tsa pays for them
    import urllib.request  # noqa: PLC0415

    der, nonce = timestamp_request(message)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=der, headers={"Content-Type": CONTENT_TYPE}, method="POST"
    )
    try:
        context = None if cafile is None else ssl.create_default_context(cafile=cafile)
        with urllib.request.urlopen(request, timeout=timeout, context=context) as reply:  # noqa: S310
            data = _read_limited(reply)
    except OSError as exc:
        raise ProofError(f"TSA {url} did not answer: {exc}", code="tsa-error") from None
    if len(data) > MAX_RESPONSE:
        raise ProofError(f"TSA {url} sent more than 1 MiB", code="tsa-error")
    parsed = parse_timestamp_response(data)
    from rfc3161_client import PKIStatus  # noqa: PLC0415

    if parsed.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise ProofError(f"TSA {url} refused: status {parsed.status}", code="tsa-error")
    _check_answer(parsed, message, nonce, url)
    return data


def _read_limited(reply: BinaryIO) -> bytes:
    """The whole body, up to one byte past the limit (one `read(n)` may return less than n)."""
    chunks: list[bytes] = []
    total = 0
    while total <= MAX_RESPONSE:
        chunk = reply.read(MAX_RESPONSE + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _check_answer(parsed: TimeStampResponse, message: bytes, nonce: int | None, url: str) -> None:
    import hashlib  # noqa: PLC0415

    try:
        info = parsed.tst_info
    except ValueError:
        raise ProofError(f"TSA {url} sent no token", code="tsa-error") from None
    if nonce is not None and info.nonce != nonce:
        raise ProofError(f"TSA {url} answered another request (nonce)", code="tsa-error")
    if info.message_imprint.message != hashlib.sha512(message).digest():
        raise ProofError(f"TSA {url} stamped other bytes", code="tsa-error")
