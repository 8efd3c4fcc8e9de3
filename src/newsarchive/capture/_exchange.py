"""One HTTP GET, kept whole: the request and response bytes as on the wire, and the body.

`get` sends the request through a `WireTransport` (a connection of its own, copied to a
`Wire`), reads the body up to the size limit, and maps every way it can go wrong to a
`Failure` with a reason. It knows nothing of redirects, robots.txt or politeness.
"""

from __future__ import annotations

import re
import ssl
from typing import TYPE_CHECKING, Final

import attrs
import httpcore
import httpx

from newsarchive.capture._result import Failure
from newsarchive.capture._wire import Wire

if TYPE_CHECKING:
    from datetime import datetime

    from newsarchive.capture._options import CaptureOptions

__all__ = ["Exchange", "get", "join"]

#: What httpx and httpcore raise for a request that cannot be made or answered.
_ERRORS: Final = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpx.HTTPError,
    httpx.InvalidURL,
    ssl.SSLError,
    OSError,
    ValueError,
)
_HEAD_END: Final = re.compile(rb"\r?\n\r?\n")
_INFORMATIONAL: Final = re.compile(rb"HTTP/1\.[01] 1[0-9][0-9]")


@attrs.frozen
class Exchange:
    """A request and its response, as sent and received, and what they say."""

    url: str
    started_at: datetime
    #: The request as written on the connection.
    request: bytes
    #: The final response as read from the connection (interim 1xx responses left out).
    response: bytes
    status: int
    http_version: str
    #: The response's headers in order, as sent (ISO-8859-1 text).
    headers: tuple[tuple[str, str], ...]
    #: The entity body: transfer coding removed, content coding kept.
    body: bytes
    cert_sha256: str | None
    ip_address: str | None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def _final_response(received: bytes) -> bytes:
    """The received bytes without the interim (1xx) responses before the final one."""
    data = received
    while _INFORMATIONAL.match(data):
        end = _HEAD_END.search(data)
        if end is None:
            break
        data = data[end.end() :]
    return data


def get(client: httpx.Client, url: str, options: CaptureOptions) -> Exchange:
    """GET `url` with `client`, whose transport must be a `WireTransport`."""
    started_at = options.clock()
    request = client.build_request("GET", url)
    try:
        response = client.send(request, stream=True)
    except _ERRORS as exc:
        raise _failure(exc, url) from None
    try:
        body = _read_body(response, options)
    except _ERRORS as exc:
        raise _failure(exc, url) from None
    finally:
        response.close()
    wire = response.extensions["newsarchive.wire"]
    if not isinstance(wire, Wire):  # pragma: no cover (our transport always sets it)
        raise TypeError("the response has no wire")
    version = response.extensions.get("http_version", b"HTTP/1.1")
    return Exchange(
        url=url,
        started_at=started_at,
        request=bytes(wire.sent),
        response=_final_response(bytes(wire.received)),
        status=response.status_code,
        http_version=version.decode("ascii", "replace") if isinstance(version, bytes) else "",
        headers=tuple(
            (k.decode("iso-8859-1"), v.decode("iso-8859-1")) for k, v in response.headers.raw
        ),
        body=body,
        cert_sha256=wire.cert_sha256,
        ip_address=wire.ip_address,
    )


def join(base: str, location: str) -> str:
    """The URL a Location header names, resolved against the URL it came from."""
    try:
        return str(httpx.URL(base).join(location.strip()))
    except (httpx.InvalidURL, ValueError) as exc:
        raise Failure("bad-redirect", f"{base}: bad Location {location[:200]!r}: {exc}") from None


def _read_body(response: httpx.Response, options: CaptureOptions) -> bytes:
    limit = options.max_bytes
    declared = response.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > limit:
        raise Failure(
            "too-large",
            f"the body is {int(declared):,} bytes (Content-Length), over the limit of {limit:,}",
        )
    body = bytearray()
    for part in response.iter_raw():
        body += part
        if len(body) > limit:
            raise Failure("too-large", f"the body is over the limit of {limit:,} bytes")
    return bytes(body)


def _failure(exc: Exception, url: str) -> Failure:
    """The `Failure` for an exception raised by httpx or httpcore while fetching `url`."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpcore.TimeoutException | httpx.TimeoutException):
        return Failure("timeout", f"{url}: timed out ({text})")
    if isinstance(exc, ssl.SSLError) or (
        isinstance(exc, httpcore.ConnectError | httpx.ConnectError)
        and ("SSL" in text or "certificate" in text)
    ):
        return Failure("tls-error", f"{url}: TLS failed: {text}")
    if isinstance(exc, httpcore.ConnectError | httpx.ConnectError | OSError):
        return Failure("connect-error", f"{url}: cannot connect: {text}")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol | ValueError):
        return Failure("bad-url", f"{url}: {text}")
    return Failure("protocol-error", f"{url}: {text}")
