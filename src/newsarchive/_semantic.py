"""The semantic layer of validation: the rules a JSON Schema cannot say.

Digests and length against the content, the id, the canonical URL, timestamps
(and how far in the future a retrieval may lie), tag normalization, control
characters and lone surrogates. Each check runs on whatever part of the data
allows it, so a record that fails its schema still gets every precise finding.
`validation` runs the schema first, then `Checker`, and merges the two.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from newsarchive import _derive
from newsarchive._json import has_lone_surrogate
from newsarchive._semantic_v2 import check_v2_fields
from newsarchive.digest import Digest, digest_equal
from newsarchive.errors import (
    DigestError,
    InvalidTimestamp,
    InvalidURL,
    JSONError,
    NewsArchiveError,
    Problem,
)
from newsarchive.timestamps import Timestamp
from newsarchive.urls import canonicalize_url, check_url

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["CLOCK_SKEW", "Checker", "json_pointer"]

#: How far past the validator's clock a retrieval time may lie: clocks of the
#: machine that captured and the machine that checks are never exactly equal.
CLOCK_SKEW: Final = timedelta(minutes=5)

_ID_FORM: Final = re.compile(r"[0-9a-f]{64}")


def json_pointer(parts: Iterator[str | int] | list[str | int] | tuple[str | int, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class Checker:
    """The semantic layer: each check runs when the data it needs is usable."""

    def __init__(
        self, data: Mapping[str, Any], now: datetime, derived: bool = True, *, version: int = 1
    ) -> None:
        self.data = data
        self.now = now
        self.derived = derived  # False: the caller just computed the derived fields itself
        self.version = version  # the format whose rules apply (v2 adds its fields' rules)
        self.problems: list[Problem] = []

    def add(self, pointer: str, code: str, message: str, severity: str = "error") -> None:
        self.problems.append(
            Problem(pointer, code, message, "warning" if severity == "warning" else "error")
        )

    def add_error(self, pointer: str, exc: NewsArchiveError) -> None:
        self.add(pointer, exc.code, exc.message)

    # -- single fields ---------------------------------------------------------------

    def source_url(self, value: Any) -> tuple[str | None, str | None]:
        """`url` and its canonical form; canonicalizing checks it too, so it is done once."""
        if not isinstance(value, str):
            return None, None
        try:
            if not self.derived:
                return check_url(value), None
            return value, canonicalize_url(value)
        except InvalidURL as exc:
            self.add_error("/url", exc)
            return None, None

    def url(self, pointer: str, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        try:
            return check_url(value)
        except InvalidURL as exc:
            self.add_error(pointer, exc)
            return None

    def timestamp(self, pointer: str, value: Any) -> Timestamp | None:
        if not isinstance(value, str):
            return None
        try:
            return Timestamp.parse(value)
        except InvalidTimestamp as exc:
            self.add_error(pointer, exc)
            return None

    def digest(self, pointer: str, value: Any) -> Digest | None:
        if not isinstance(value, str):
            return None
        try:
            return Digest.parse(value)
        except DigestError as exc:
            self.add_error(pointer, exc)
            return None

    # -- the record -------------------------------------------------------------------

    def run(self) -> None:
        d = self.data
        url, expected = self.source_url(d.get("url"))
        canonical = d.get("canonical_url")
        if expected is not None and isinstance(canonical, str) and canonical != expected:
            self.add(
                "/canonical_url",
                "canonical-url-mismatch",
                f"canonical_url should be {expected!r} for this url (got {canonical!r})",
            )
        retrieval = d.get("retrieval")
        if isinstance(retrieval, dict) and "via" in retrieval:
            self.url("/retrieval/via", retrieval["via"])
        retrieved = self.timestamp("/retrieved_at", d.get("retrieved_at"))
        published = self.timestamp("/published_at", d.get("published_at"))
        if retrieved is not None and retrieved.datetime > self.now + CLOCK_SKEW:
            self.add(
                "/retrieved_at",
                "future-timestamp",
                f"retrieved_at {retrieved} is in the future (now {self.now:%Y-%m-%dT%H:%M:%SZ})",
            )
        if retrieved is not None and published is not None and published > retrieved:
            self.add(
                "/published_at",
                "published-after-retrieved",
                f"published_at {published} is after retrieved_at {retrieved}",
                "warning",
            )
        if self.version >= 2:
            check_v2_fields(self, retrieved, published)
        self.provenance(d.get("provenance"))
        self.tags(d.get("tags"))
        self.final_line_feeds()
        if self.derived:
            sha256 = self.content()
            self.identity(url, retrieved, sha256)
            self.record_digest()
        self.lone_surrogates()

    def final_line_feeds(self) -> None:
        """Refuse one final LF where only a schema pattern guards a field.

        JSON Schema patterns are ECMA-262 regexes, whose `$` matches only at the
        very end; Python's `re`, which jsonschema uses, also matches `$` before
        a final newline, so `"http\\n"` passes the schema's method pattern.
        """
        d = self.data
        retrieval = d.get("retrieval")
        events = d.get("provenance")
        fields: list[tuple[str, str, Any]] = [
            ("/id", "bad-id", d.get("id")),
            ("/media_type", "bad-media-type", d.get("media_type")),
        ]
        if isinstance(retrieval, dict):
            fields.append(("/retrieval/method", "unknown-method", retrieval.get("method")))
            http = retrieval.get("http")
            if self.version >= 2 and isinstance(http, dict):
                base = "/retrieval/http/"
                fields.append((base + "tls_sha256", "bad-value", http.get("tls_sha256")))
                fields.append((base + "http_version", "bad-value", http.get("http_version")))
        if self.version >= 2:
            fields.append(("/language", "bad-language", d.get("language")))
        if isinstance(events, list):
            fields.extend(
                (f"/provenance/{i}/type", "unknown-event-type", e.get("type"))
                for i, e in enumerate(events)
                if isinstance(e, dict)
            )
        for pointer, code, value in fields:
            if isinstance(value, str) and value.endswith("\n"):
                self.add(pointer, code, f"{value!r} ends with a line feed")

    def lone_surrogates(self) -> None:
        """Refuse strings that are not Unicode text, which no schema keyword looks for.

        Other JSON readers (Python's own `json` among them) turn `"\\ud800"` into
        a str with a lone surrogate; such a record cannot be written or hashed.
        A field already reported (a URL, a timestamp, the content) is not reported twice.
        """
        reported = {p.pointer for p in self.problems}
        stack: list[tuple[tuple[str | int, ...], Any]] = [((), self.data)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, str):
                pointer = json_pointer(path)
                if pointer not in reported and has_lone_surrogate(value):
                    self.add(pointer, "lone-surrogate", "holds a lone surrogate (not Unicode text)")
            elif isinstance(value, dict):
                stack.extend(((*path, k), v) for k, v in value.items() if isinstance(k, str))
            elif isinstance(value, list):
                stack.extend(((*path, i), v) for i, v in enumerate(value))

    def provenance(self, events: Any) -> None:
        if not isinstance(events, list):
            return
        for i, event in enumerate(events):
            if isinstance(event, dict):
                self.timestamp(f"/provenance/{i}/at", event.get("at"))
                self.digest(f"/provenance/{i}/source_digest", event.get("source_digest"))

    def tags(self, tags: Any) -> None:
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            return
        first_seen: dict[str, int] = {}
        for i, tag in enumerate(tags):
            pointer = f"/tags/{i}"
            normal = unicodedata.normalize("NFC", tag.strip())
            if tag != tag.strip():
                self.add(pointer, "tag-not-normalized", f"tag {tag!r} has surrounding whitespace")
            elif tag != normal:
                self.add(pointer, "tag-not-normalized", f"tag {tag!r} is not in Unicode NFC")
            key = normal.casefold()
            if normal and key in first_seen:
                self.add(
                    pointer,
                    "duplicate-tag",
                    f"tag {tag!r} repeats /tags/{first_seen[key]} (tags ignore case)",
                )
            first_seen.setdefault(key, i)

    def content(self) -> Digest | None:
        """Check content against its length and digest; return its sha256 when known."""
        d = self.data
        declared = self.digest("/content_digest", d.get("content_digest"))
        content = d.get("content")
        if not isinstance(content, str):
            return declared if declared is not None and declared.algorithm == "sha256" else None
        try:
            encoded = content.encode("utf-8")
        except UnicodeEncodeError:
            self.add("/content", "lone-surrogate", "content holds a lone surrogate (not Unicode)")
            return None
        length = d.get("content_length")
        if isinstance(length, int) and not isinstance(length, bool) and length != len(encoded):
            self.add(
                "/content_length",
                "content-length-mismatch",
                f"content_length is {length} but the content is {len(encoded)} bytes",
            )
        sha256 = Digest.of_bytes(encoded)
        if declared is not None:
            actual = (
                sha256
                if declared.algorithm == "sha256"
                else Digest.of_bytes(encoded, declared.algorithm)
            )
            if not digest_equal(declared, actual):
                self.add(
                    "/content_digest",
                    "content-digest-mismatch",
                    f"content_digest does not match the content (content hashes to {actual})",
                )
        return sha256

    def identity(self, url: str | None, retrieved: Timestamp | None, sha256: Digest | None) -> None:
        record_id = self.data.get("id")
        if url is None or retrieved is None or sha256 is None or not isinstance(record_id, str):
            return
        if not _ID_FORM.fullmatch(record_id):
            return  # malformed: reported by the schema or by final_line_feeds
        expected = _derive.compute_id(url, sha256, retrieved)
        if record_id != expected:
            self.add(
                "/id",
                "id-mismatch",
                f"id does not match url, content and retrieved_at (expected {expected})",
            )

    def record_digest(self) -> None:
        declared = self.digest("/record_digest", self.data.get("record_digest"))
        if declared is None:
            return
        try:
            actual = _derive.compute_record_digest(self.data, declared.algorithm)
        except (JSONError, TypeError, ValueError):
            return  # not JSON data: the schema layer has said why
        if not digest_equal(declared, actual):
            self.add(
                "/record_digest",
                "record-digest-mismatch",
                "record_digest does not match the record: a field was changed after sealing",
            )
