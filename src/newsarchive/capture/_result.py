"""What a capture gives: `CaptureResult`, its `Evidence`, and the failure reasons.

A capture never raises for a page that cannot be had: it returns a result whose
`outcome` is `captured`, `vanished` (the server says the page is gone: 404 or 410) or
`failed`, with a stable `reason` code and a `message` for people. `Failure` is how the
modules of this package pass a failure up to the one place that builds the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

import attrs

if TYPE_CHECKING:
    from newsarchive.digest import Digest
    from newsarchive.timestamps import Timestamp

__all__ = [
    "FAILURE_REASONS",
    "CaptureResult",
    "Evidence",
    "Extracted",
    "Failure",
    "Hop",
    "Outcome",
]

Outcome = Literal["captured", "vanished", "failed"]

#: Every reason a capture can fail (`outcome` `failed`, or `vanished` for the first two).
FAILURE_REASONS: Final = {
    "not-found": "the server answered 404 Not Found: the page vanished",
    "gone": "the server answered 410 Gone: the page vanished",
    "http-status": "the final response's status is not 2xx",
    "not-html": "the response is not an HTML page (a PDF, an image, JSON, ...)",
    "no-article": "no article text was found in the page",
    "too-large": "the body is larger than the limit (max_bytes)",
    "timeout": "the exchange took longer than the timeout",
    "tls-error": "the TLS handshake failed (an untrusted or wrong certificate, ...)",
    "connect-error": "no connection could be made (no such host, connection refused, ...)",
    "protocol-error": "the server's answer is not valid HTTP/1.1",
    "redirect-loop": "a redirect leads back to a URL already visited",
    "too-many-redirects": "more redirects than allowed (max_redirects)",
    "bad-redirect": "a redirect without a usable Location (missing, not http(s))",
    "robots-disallowed": "robots.txt disallows the URL for our user agent",
    "bad-content-encoding": "the Content-Encoding is unknown or its data is corrupt",
    "bad-charset": "the text cannot be decoded in the encoding found for it",
    "bad-url": "the URL is not an absolute http(s) URL",
}


class Failure(Exception):
    """A capture that cannot go on: `reason` is one of `FAILURE_REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        assert reason in FAILURE_REASONS, reason
        super().__init__(message)
        self.reason = reason
        self.message = message


@attrs.frozen(kw_only=True)
class Extracted:
    """An article's text and metadata; `sources` says where each field came from."""

    text: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    publisher: str | None = None
    #: ISO 8601 dates or date-times, as found (`2025-09-04`, `2025-09-04T10:00:00+02:00`).
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    description: str | None = None
    image: str | None = None
    #: Field name -> where it came from: `json-ld`, `opengraph`, `html`, `trafilatura`.
    sources: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class Hop:
    """One request of a capture: its URL and the status answered (a redirect or the last)."""

    url: str
    status: int


@attrs.frozen
class Evidence:
    """The HTTP exchanges of a capture as one WARC 1.1 file (gzip, a member per record).

    For every hop a `request` and a `response` record, in order; `request_id` and
    `response_id` name those of the final hop (the page itself). `payload_digest` is
    the SHA-256 of the final response's payload as WARC 1.1 defines it: the entity
    body, transfer coding removed, content coding kept.
    """

    warc: bytes
    request_id: str
    response_id: str
    payload_digest: Digest
    #: Every record id, in file order.
    record_ids: tuple[str, ...]


@attrs.frozen(kw_only=True)
class CaptureResult:
    """One URL captured, or not: what was asked, what was answered, and what it holds."""

    outcome: Outcome
    #: A `FAILURE_REASONS` code when the outcome is not `captured`, else None.
    reason: str | None
    #: For people: why it failed, or how robots.txt and the text encoding were decided.
    message: str
    #: The URL as given.
    url: str
    #: The URL of the last response (after redirects); None when no response came.
    final_url: str | None = None
    status: int | None = None
    http_version: str | None = None
    #: Every response in order, redirects first: (url, status).
    redirects: tuple[Hop, ...] = ()
    #: Selected headers of the final response: content-type, last-modified, etag,
    #: date, content-encoding, content-length (lower-case names; never cookies).
    headers: tuple[tuple[str, str], ...] = ()
    #: SHA-256 (hex) of the server's certificate (DER), for https.
    tls_cert_sha256: str | None = None
    retrieved_at: Timestamp | None = None
    #: True when robots.txt was not consulted because the options said so.
    robots_ignored: bool = False
    #: How robots.txt of the last URL's origin was read: its URL and status
    #: ("https://host/robots.txt 200"), or why it was unreadable; None if not consulted.
    robots: str | None = None
    user_agent: str = ""
    evidence: Evidence | None = None
    #: The page as text (decoded as browsers decode it) and how its encoding was found.
    text: str | None = None
    encoding: str | None = None
    extracted: Extracted | None = None

    @property
    def payload_digest(self) -> Digest | None:
        """The `source_digest` of a capture: the final response's WARC payload digest."""
        return None if self.evidence is None else self.evidence.payload_digest

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k == wanted), None)
