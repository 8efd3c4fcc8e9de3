"""A real HTTP(S) server on the loopback interface for the capture tests.

`LoopbackServer` serves `routes` (path -> raw response bytes, or a callable that gets
the request and the socket and writes what it likes: slowly, in chunks, nothing). It
records every request (`requests`, in arrival order, with the time of arrival on the
monotonic clock and how many requests were in flight then). `tls=` an `ssl.SSLContext`
makes it HTTPS. Nothing here reaches beyond 127.0.0.1.

`response(...)` builds the raw bytes of a response: a status, headers, a body, with
`chunked` transfer coding or `gzip` content coding on request.
"""

from __future__ import annotations

import gzip as gzip_module
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any, Self

import attrs

Handler = Callable[["Request", socket.socket], None]
Route = bytes | Handler

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    404: "Not Found",
    410: "Gone",
    500: "Internal Server Error",
}


@attrs.frozen
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    raw: bytes
    arrived: float
    in_flight: int

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def response(
    status: int = 200,
    body: bytes | str = b"",
    *,
    content_type: str | None = "text/html; charset=utf-8",
    headers: tuple[tuple[str, str], ...] = (),
    chunked: bool = False,
    gzip: bool = False,
    chunk_size: int = 7,
) -> bytes:
    """The raw bytes of an HTTP/1.1 response."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if gzip:
        data = gzip_module.compress(data, mtime=0)
        lines.append("Content-Encoding: gzip")
    lines += [f"{k}: {v}" for k, v in headers]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        framed = b"".join(
            f"{len(data[i : i + chunk_size]):x}\r\n".encode() + data[i : i + chunk_size] + b"\r\n"
            for i in range(0, len(data), chunk_size)
        )
        payload = framed + b"0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(data)}")
        payload = data
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def redirect(status: int, location: str) -> bytes:
    return response(status, b"", content_type=None, headers=(("Location", location),))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class LoopbackServer:
    """An HTTP(S) server on 127.0.0.1 (or another loopback address) in a thread."""

    def __init__(
        self,
        routes: Mapping[str, Route] | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._tls = tls
        self._lock = threading.Lock()
        self._in_flight = 0
        owner = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner._handle(self.request)

        self._server = _Server((host, 0), _Handler)
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def origin(self) -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def _handle(self, sock: socket.socket) -> None:
        conn: Any = sock
        if self._tls is not None:
            try:
                conn = self._tls.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused our certificate
        conn.settimeout(10)
        raw = b""
        try:
            while b"\r\n\r\n" not in raw:
                part = conn.recv(65536)
                if not part:
                    return
                raw += part
        except OSError:
            return
        head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, path, _ = head[0].split(" ", 2)
        headers = tuple(
            (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in head[1:])
        )
        with self._lock:
            self._in_flight += 1
            request = Request(method, path, headers, raw, time.monotonic(), self._in_flight)
            self.requests.append(request)
        try:
            route = self.routes.get(path)
            if route is None:
                conn.sendall(response(404, "<h1>Not here</h1>"))
            elif isinstance(route, bytes):
                conn.sendall(route)
            else:
                route(request, conn)
        except OSError:
            pass  # the client went away (a timeout, a refused body)
        finally:
            with self._lock:
                self._in_flight -= 1
            with suppress(OSError):
                conn.close()


def slow(delay: float, then: bytes, stopping: threading.Event) -> Handler:
    """A handler that waits `delay` seconds (or until the server stops), then answers."""

    def handle(_: Request, conn: socket.socket) -> None:
        if not stopping.wait(delay):
            conn.sendall(then)

    return handle


def sequence(*answers: bytes) -> Handler:
    """A handler that gives each answer in turn, the last one from then on."""
    state = {"n": 0}
    lock = threading.Lock()

    def handle(_: Request, conn: socket.socket) -> None:
        with lock:
            n = state["n"]
            state["n"] += 1
        conn.sendall(answers[min(n, len(answers) - 1)])

    return handle
