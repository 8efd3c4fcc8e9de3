"""The bytes on the wire: an httpx transport whose connections copy what they send and read.

httpx sends through httpcore, whose network layer is pluggable (`httpcore.NetworkBackend`).
`TeeBackend` wraps the standard synchronous backend: every `write` and `read` on the
connection is copied to a `Wire` *above* TLS, so the copy is the plaintext HTTP/1.1
request and response exactly as written and received, whatever h11 makes of them.

Each request gets a connection of its own (`WireTransport`), closed after the response:
one connection carries one exchange, so its copy is that exchange and nothing else. The
whole exchange also has one deadline (`Wire.deadline`): every read and write waits at
most until it, so a server that trickles bytes cannot hold a capture past its timeout.

Imported only when a capture runs: it needs the `capture` extra (httpx, httpcore).
"""

from __future__ import annotations

import hashlib
import ssl
from typing import TYPE_CHECKING, Any

import attrs
import httpcore
import httpx

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = ["TeeBackend", "Wire", "WireTransport"]


@attrs.define
class Wire:
    """What one connection sent and received, and what it learnt of its peer."""

    deadline: float
    monotonic: Callable[[], float]
    sent: bytearray = attrs.field(factory=bytearray)
    received: bytearray = attrs.field(factory=bytearray)
    #: SHA-256 (hex) of the server certificate, DER form, for an https connection.
    cert_sha256: str | None = None
    #: The peer's IP address, for WARC-IP-Address.
    ip_address: str | None = None

    def remaining(self, timeout: float | None) -> float:
        """Seconds an operation may wait: its own timeout, cut to the deadline."""
        left = self.deadline - self.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the capture's time ran out")
        return left if timeout is None else min(timeout, left)


class TeeStream(httpcore.NetworkStream):
    """A network stream that copies every byte written and read to a `Wire`."""

    def __init__(self, inner: httpcore.NetworkStream, wire: Wire) -> None:
        self._inner = inner
        self._wire = wire

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, self._wire.remaining(timeout))
        self._wire.received += data
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._wire.remaining(timeout))
        self._wire.sent += buffer

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._wire.remaining(timeout))
        sock = inner.get_extra_info("socket")
        if isinstance(sock, ssl.SSLSocket):
            der = sock.getpeercert(binary_form=True)
            if der is not None:
                self._wire.cert_sha256 = hashlib.sha256(der).hexdigest()
        return TeeStream(inner, self._wire)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class TeeBackend(httpcore.NetworkBackend):
    """The standard synchronous backend, its streams wrapped in `TeeStream`s."""

    def __init__(self, wire: Wire) -> None:
        self._inner = httpcore.SyncBackend()
        self._wire = wire

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self._wire.remaining(timeout), local_address, socket_options
        )
        peer = stream.get_extra_info("server_addr")
        if isinstance(peer, tuple) and peer:
            self._wire.ip_address = str(peer[0])
        return TeeStream(stream, self._wire)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        del timeout, socket_options
        raise httpcore.ConnectError(f"unix sockets are not captured ({path})")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Body(httpx.SyncByteStream):
    def __init__(self, response: httpcore.Response, connection: httpcore.HTTPConnection) -> None:
        self._response = response
        self._connection = connection

    def __iter__(self) -> Iterator[bytes]:
        yield from self._response.iter_stream()

    def close(self) -> None:
        self._response.close()
        self._connection.close()


class WireTransport(httpx.BaseTransport):
    """An httpx transport that sends each request on a new connection copied to a `Wire`.

    `new_wire` makes the wire of each request; the response carries it in its
    extensions under `"newsarchive.wire"`. httpcore's exceptions pass through unmapped.
    """

    def __init__(self, ssl_context: ssl.SSLContext, new_wire: Callable[[], Wire]) -> None:
        self._ssl_context = ssl_context
        self._new_wire = new_wire

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        wire = self._new_wire()
        url = request.url
        connection = httpcore.HTTPConnection(
            origin=httpcore.Origin(url.raw_scheme, url.raw_host, url.port or _port(url)),
            ssl_context=self._ssl_context,
            network_backend=TeeBackend(wire),
        )
        if not isinstance(request.stream, httpx.SyncByteStream):  # pragma: no cover
            raise TypeError("an async request stream on a sync transport")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = connection.handle_request(core_request)
        except BaseException:
            connection.close()
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response, connection),
            extensions={**response.extensions, "newsarchive.wire": wire},
        )


def _port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80
