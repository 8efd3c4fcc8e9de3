"""What the server answered when a copy was fetched over HTTP (format v2, `retrieval.http`).

The final URL after redirects and its status, each redirect hop, the HTTP
version, the response headers that matter for provenance (content type,
last-modified, etag, the server's date; never cookies), and for https the
SHA-256 of the server's certificate. Absent and empty are kept apart (`None`
versus `()`/all-`None`), so `from_dict` then `to_dict` gives back the same JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["HEADER_FIELDS", "HttpFacts", "HttpHeaders", "Redirect"]

#: The header members of `retrieval.http.headers` and the HTTP header each holds.
HEADER_FIELDS: Final = {
    "content_type": "Content-Type",
    "last_modified": "Last-Modified",
    "etag": "ETag",
    "date": "Date",
}


def _int(value: int) -> int:
    # A status is a JSON integer; `True` or `200.5` is a caller's mistake.
    if type(value) is not int:
        msg = f"an HTTP status is an int (got {value!r})"
        raise TypeError(msg)
    return value


def _redirects(hops: Iterable[Redirect] | None) -> tuple[Redirect, ...] | None:
    return None if hops is None else tuple(hops)


@attrs.frozen
class Redirect:
    """One redirect followed: the URL requested and the 3xx status it answered."""

    url: str
    status: int = attrs.field(converter=_int)

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Redirect:
        return cls(data["url"], int(data["status"]))


@attrs.frozen(kw_only=True)
class HttpHeaders:
    """The response headers a record keeps, each the header's value as received."""

    content_type: str | None = None
    last_modified: str | None = None
    etag: str | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {k: v for k in HEADER_FIELDS if (v := getattr(self, k)) is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HttpHeaders:
        return cls(**{k: data[k] for k in HEADER_FIELDS if k in data})


@attrs.frozen(kw_only=True)
class HttpFacts:
    """The HTTP facts of a capture (see the module docstring and docs/record.md)."""

    final_url: str
    status: int = attrs.field(converter=_int)
    http_version: str | None = None
    redirects: tuple[Redirect, ...] | None = attrs.field(default=None, converter=_redirects)
    headers: HttpHeaders | None = None
    tls_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"final_url": self.final_url, "status": self.status}
        if self.http_version is not None:
            out["http_version"] = self.http_version
        if self.redirects is not None:
            out["redirects"] = [hop.to_dict() for hop in self.redirects]
        if self.headers is not None:
            out["headers"] = self.headers.to_dict()
        if self.tls_sha256 is not None:
            out["tls_sha256"] = self.tls_sha256
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HttpFacts:
        redirects = data.get("redirects")
        headers = data.get("headers")
        return cls(
            final_url=data["final_url"],
            status=int(data["status"]),
            http_version=data.get("http_version"),
            redirects=None if redirects is None else [Redirect.from_dict(h) for h in redirects],
            headers=None if headers is None else HttpHeaders.from_dict(headers),
            tls_sha256=data.get("tls_sha256"),
        )
