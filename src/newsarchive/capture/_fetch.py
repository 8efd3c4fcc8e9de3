"""A capture from URL to result: robots.txt, politeness, redirects, evidence, text, article.

`Capturer` holds what captures share: the TLS context, the per-host turns (`HostGate`)
and the robots.txt policies already fetched. `Capturer.fetch` captures one URL;
`Capturer.fetch_many` several, hosts in parallel. Every way a capture can fail ends as a
`CaptureResult` with a reason; only bad options raise (`CaptureError`).
"""

from __future__ import annotations

import queue
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

from newsarchive.capture._decode import decode_content, decode_text, is_html
from newsarchive.capture._options import CaptureError, CaptureOptions
from newsarchive.capture._politeness import HostGate
from newsarchive.capture._result import CaptureResult, Failure, Hop
from newsarchive.capture._robots import RobotsPolicy
from newsarchive.digest import Digest
from newsarchive.errors import InvalidURL, MissingExtra
from newsarchive.timestamps import Timestamp
from newsarchive.urls import check_url

if TYPE_CHECKING:
    import httpx

    from newsarchive._encoding import Sniffed
    from newsarchive.capture._exchange import Exchange
    from newsarchive.capture._result import Extracted

__all__ = ["Capturer", "Extractor", "url_problem"]

Extractor = Callable[[str, str], "Extracted | None"]
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
#: Failures fetching robots.txt that say the host cannot be reached at all: the capture
#: fails with them rather than as disallowed.
_UNREACHABLE: Final = frozenset({"tls-error", "connect-error", "timeout"})
#: Response headers a result keeps (cookies never).
_SELECTED: Final = (
    "content-type",
    "content-length",
    "content-encoding",
    "last-modified",
    "etag",
    "date",
)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be captured (a "bad-url" failure), or None: absolute http(s) only."""
    try:
        check_url(url)
    except InvalidURL as exc:
        return exc.message
    if not url.lower().startswith(("http://", "https://")):
        return f"{url[:200]!r} is not an http(s) URL"
    return None


def _ssl_context(ca_bundle: Any) -> ssl.SSLContext:
    context = ssl.create_default_context()  # the system's trust store
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise CaptureError(
                f"cannot read the CA bundle {str(ca_bundle)!r}: {exc.strerror or exc}",
                code="bad-ca-bundle",
            ) from None
    return context


def _default_extractor(options: CaptureOptions) -> Extractor:
    from newsarchive.capture._extract import extract  # noqa: PLC0415 (trafilatura is heavy)

    def extract_today(html: str, url: str) -> Extracted | None:
        # no publication date after the capture is believed
        return extract(html, url, today=options.clock().date())

    return extract_today


class Capturer:
    """Captures with shared politeness and robots.txt: make one, fetch many URLs with it."""

    def __init__(
        self, options: CaptureOptions | None = None, *, extractor: Extractor | None = None
    ) -> None:
        self.options = options or CaptureOptions()
        try:
            import httpx  # noqa: F401, PLC0415 (the capture extra, checked up front)
        except ImportError:
            raise MissingExtra("capturing web pages", "capture", "httpx") from None
        self._ssl = _ssl_context(self.options.ca_bundle)
        self._gate = HostGate(self.options.delay, self.options.monotonic, self.options.sleep)
        self._robots: dict[str, RobotsPolicy] = {}
        self._robots_lock = threading.Lock()
        self._extractor = extractor or _default_extractor(self.options)

    # -- one URL -------------------------------------------------------------------

    def fetch(self, url: str) -> CaptureResult:
        """Capture `url`: a result whatever happens (see `FAILURE_REASONS`)."""
        hops: list[Exchange] = []
        try:
            return self._capture(url, hops)
        except Failure as failure:
            return self._failed(url, hops, failure)

    def _client(self) -> httpx.Client:
        import httpx  # noqa: PLC0415

        from newsarchive.capture._wire import Wire, WireTransport  # noqa: PLC0415

        options = self.options

        def new_wire() -> Wire:
            return Wire(deadline=options.monotonic() + options.timeout, monotonic=options.monotonic)

        return httpx.Client(
            transport=WireTransport(self._ssl, new_wire),
            timeout=options.timeout,
            follow_redirects=False,
            trust_env=False,
            headers={
                "User-Agent": options.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
                "Accept-Encoding": "gzip, deflate, br",
                "Connection": "close",
            },
        )

    def _get(self, client: httpx.Client, url: str, hops: list[Exchange]) -> Exchange:
        from newsarchive.capture._exchange import get  # noqa: PLC0415

        host = _host(url)
        self._check_robots(client, url)
        with self._gate.turn(host):
            exchange = get(client, url, self.options)
        hops.append(exchange)
        return exchange

    def _capture(self, url: str, hops: list[Exchange]) -> CaptureResult:
        problem = url_problem(url)
        if problem is not None:
            raise Failure("bad-url", problem)
        current = url.partition("#")[0]  # a fragment is never sent (RFC 9110 section 7.1)
        seen = {current}
        with self._client() as client:
            while True:
                exchange = self._get(client, current, hops)
                if exchange.status not in _REDIRECTS:
                    break
                current = self._next_hop(exchange, seen, len(hops))
        return self._result(url, hops)

    def _next_hop(self, exchange: Exchange, seen: set[str], n: int) -> str:
        from newsarchive.capture._exchange import join  # noqa: PLC0415

        location = exchange.header("location")
        if not location or not location.strip():
            raise Failure("bad-redirect", f"{exchange.url}: {exchange.status} without a Location")
        target = join(exchange.url, location).partition("#")[0]  # never sent
        if not target.startswith(("http://", "https://")):
            raise Failure("bad-redirect", f"{exchange.url}: redirect to {location[:200]!r}")
        if target in seen:
            raise Failure("redirect-loop", f"{exchange.url}: redirects back to {target}")
        if n > self.options.max_redirects:
            raise Failure("too-many-redirects", f"more than {self.options.max_redirects} redirects")
        seen.add(target)
        return target

    # -- robots.txt ----------------------------------------------------------------

    def _check_robots(self, client: httpx.Client, url: str) -> None:
        if self.options.ignore_robots:
            return
        policy = self._policy(client, url)
        path = _path(url)
        if not policy.allowed(path):
            raise Failure(
                "robots-disallowed",
                f"{url}: robots.txt ({policy.source}) disallows {path} "
                f"for {self.options.robots_token!r}",
            )

    def _policy(self, client: httpx.Client, url: str) -> RobotsPolicy:
        from newsarchive.capture._exchange import get, join  # noqa: PLC0415

        origin = _origin(url)
        with self._robots_lock:
            known = self._robots.get(origin)
        if known is not None:
            return known
        robots_url, status, body, hops = origin + "/robots.txt", None, b"", 0
        source = "robots.txt unreachable"
        token = self.options.robots_token
        while True:  # RFC 9309 section 2.3.1.2: follow at least five redirects
            try:
                with self._gate.turn(_host(robots_url)):
                    exchange = get(client, robots_url, self.options)
            except Failure as failure:
                if failure.reason in _UNREACHABLE:  # the page would fail the same way
                    raise Failure(failure.reason, f"robots.txt: {failure.message}") from None
                source = f"{robots_url} unreadable: {failure.reason}"
                status = None
                break
            status, body = exchange.status, exchange.body
            location = exchange.header("location")
            if status not in _REDIRECTS or not location or hops >= 5:
                try:
                    body = decode_content(
                        body, exchange.header("content-encoding"), self.options.max_bytes
                    )
                except Failure:
                    status = None  # unreadable: as unreachable
                source = f"{robots_url} {status}"
                break
            hops += 1
            try:
                robots_url = join(robots_url, location)
            except Failure:
                status = None
                break
        policy = RobotsPolicy.for_status(status, body, token, source)
        with self._robots_lock:
            self._robots.setdefault(origin, policy)
        return policy

    # -- the result ----------------------------------------------------------------

    def _result(self, url: str, hops: list[Exchange]) -> CaptureResult:
        from newsarchive.capture._evidence import build_evidence  # noqa: PLC0415

        final = hops[-1]
        evidence = build_evidence(hops, Digest.of_bytes(final.body))
        base = self._base(url, hops)
        status = final.status
        if status in {404, 410}:
            reason = "not-found" if status == 404 else "gone"
            return CaptureResult(
                **base, outcome="vanished", reason=reason, evidence=evidence,
                message=f"{final.url}: {status}: the page vanished",
            )  # fmt: skip
        try:
            text, sniffed = self._page(final)
        except Failure as failure:
            return CaptureResult(
                **base, outcome="failed", reason=failure.reason, message=failure.message,
                evidence=evidence,
            )  # fmt: skip
        extracted = self._extractor(text, final.url)
        if extracted is None or not extracted.text.strip():
            return CaptureResult(
                **base, outcome="failed", reason="no-article", evidence=evidence, text=text,
                encoding=sniffed.describe(), message=f"{final.url}: no article text found",
            )  # fmt: skip
        return CaptureResult(
            **base, outcome="captured", reason=None, evidence=evidence, text=text,
            encoding=sniffed.describe(), extracted=extracted,
            message=f"text encoding {sniffed.describe()}",
        )  # fmt: skip

    def _page(self, final: Exchange) -> tuple[str, Sniffed]:
        """The text of an HTML page answered 2xx; else `Failure`."""
        if not 200 <= final.status < 300:
            raise Failure("http-status", f"{final.url}: status {final.status}")
        content_type = final.header("content-type")
        body = decode_content(final.body, final.header("content-encoding"), self.options.max_bytes)
        if not is_html(content_type, body):
            raise Failure("not-html", f"{final.url}: {content_type or 'no Content-Type'}, not HTML")
        return decode_text(body, content_type)

    def _base(self, url: str, hops: list[Exchange]) -> dict[str, Any]:
        last = hops[-1].url if hops else url
        with self._robots_lock:
            policy = None if self.options.ignore_robots else self._robots.get(_origin(last))
        base: dict[str, Any] = {
            "url": url,
            "robots": policy.source if policy is not None else None,
            "robots_ignored": self.options.ignore_robots,
            "user_agent": self.options.user_agent,
            "redirects": tuple(Hop(h.url, h.status) for h in hops),
        }
        if hops:
            final = hops[-1]
            base.update(
                final_url=final.url,
                status=final.status,
                http_version=final.http_version,
                headers=tuple((k.lower(), v) for k, v in final.headers if k.lower() in _SELECTED),
                tls_cert_sha256=final.cert_sha256,
                retrieved_at=Timestamp.from_datetime(final.started_at),
            )
        return base

    def _failed(self, url: str, hops: list[Exchange], failure: Failure) -> CaptureResult:
        evidence = None
        if hops:
            from newsarchive.capture._evidence import build_evidence  # noqa: PLC0415

            evidence = build_evidence(hops, Digest.of_bytes(hops[-1].body))
        return CaptureResult(
            **self._base(url, hops), outcome="failed", reason=failure.reason,
            message=failure.message, evidence=evidence,
        )  # fmt: skip

    # -- many URLs -----------------------------------------------------------------

    def fetch_many(self, urls: Iterable[str], *, jobs: int = 1) -> Iterator[CaptureResult]:
        """Capture `urls`, `jobs` at a time, in the order they finish.

        The URLs of one host are taken one after the other, in the order given (and
        each waits its turn, `delay`); different hosts run in parallel.
        """
        given: object = jobs  # checked at run time: callers may pass anything
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise CaptureError(
                f"jobs must be a whole number >= 1 (got {jobs!r})", code="bad-option"
            )
        by_host: dict[str, list[str]] = {}
        for url in urls:
            by_host.setdefault(_host(url) if _is_http(url) else "", []).append(url)
        if jobs == 1:
            return (self.fetch(url) for batch in by_host.values() for url in batch)
        return self._parallel(list(by_host.values()), jobs)

    def _parallel(self, batches: list[list[str]], jobs: int) -> Iterator[CaptureResult]:
        results: queue.SimpleQueue[CaptureResult | BaseException] = queue.SimpleQueue()

        def run(batch: list[str]) -> None:
            try:
                for url in batch:
                    results.put(self.fetch(url))
            except BaseException as exc:  # noqa: BLE001 (a bug: raised in the caller's thread)
                results.put(exc)

        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="capture") as pool:
            for batch in batches:
                pool.submit(run, batch)
            for _ in range(sum(len(b) for b in batches)):
                item = results.get()
                if isinstance(item, BaseException):
                    raise item
                yield item


def _is_http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _authority(url: str) -> str:
    rest = url.split("://", 1)[1] if "://" in url else url
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    return rest[:cut].rpartition("@")[2].lower()


def _host(url: str) -> str:
    """The host of a URL (without port): politeness is per host, as robots.txt is."""
    authority = _authority(url)
    if authority.startswith("["):
        return authority.partition("]")[0] + "]"
    return authority.partition(":")[0]


def _origin(url: str) -> str:
    scheme = url.split("://", 1)[0].lower()
    return f"{scheme}://{_authority(url)}"


def _path(url: str) -> str:
    rest = url.split("://", 1)[1] if "://" in url else url
    cut = min((i for i in (rest.find(c) for c in "/?") if i >= 0), default=len(rest))
    path = rest[cut:].partition("#")[0]
    return path if path.startswith("/") else "/" + path
