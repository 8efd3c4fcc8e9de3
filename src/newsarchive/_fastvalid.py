"""The semantic checks for the common case, a valid record, in one straight pass.

`validation` runs this only after `_fastschema` has said the schema accepts
the record, so every field has its schema type and form. It answers True ("no
problem at all, not even a warning") or False ("look closer"): on False the
full checker runs and reports every problem with its pointer. It is therefore
built to be at least as strict as the full checker, never more lenient; where
a rule is awkward to mirror exactly (a fraction of a second near the clock
skew limit, an integer written as a float) it answers False. A differential
property test holds True to the full checker finding nothing.

The hashing rules are those of `_derive` (the contract): only the way the
bytes are produced differs. orjson writes RFC 8785 bytes for what a
schema-valid record holds (ASCII keys, strings, integers, null), which is
what `_json.canonical_dumps` also relies on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from newsarchive import _derive
from newsarchive._derive import normalize_author
from newsarchive.digest import hasher
from newsarchive.errors import InvalidURL, JSONError
from newsarchive.urls import canonicalize_url, check_url

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["FastChecks"]


def _anchored(pattern: str) -> re.Pattern[str]:
    # The schema's patterns are `^...$`, which `re.search` lets end before a
    # final newline; a fullmatch of the inside does not.
    return re.compile(pattern.removeprefix("^").removesuffix("$"))


class FastChecks:
    """The semantic rules of `_semantic.Checker`, for schema-valid records only."""

    def __init__(self, schema: dict[str, Any], clock_skew: timedelta) -> None:
        defs = schema["$defs"]
        self.timestamp = _anchored(defs["timestamp"]["pattern"])
        self.digest = _anchored(defs["digest"]["pattern"])
        self.clock_skew = clock_skew
        self.v2 = "http_facts" in defs  # format v2: its fields' rules, too

    def _instant(self, text: str) -> tuple[str, str] | None:
        """(seconds text, fraction padded to 9 digits), or None when not a real instant."""
        if self.timestamp.fullmatch(text) is None:
            return None
        try:
            datetime.fromisoformat(text[:19])  # month 13, February 30, second 60
        except ValueError:
            return None
        return text[:19], text[20:-1].ljust(9, "0")

    def no_problems(self, d: Mapping[str, Any], now: datetime, derived: bool) -> bool:
        """True when the full checker would find nothing in schema-valid `d`."""
        url = d["url"]
        try:
            if derived:
                if canonicalize_url(url) != d["canonical_url"]:
                    return False
            else:
                check_url(url)
            retrieval = d["retrieval"]
            if "via" in retrieval:
                check_url(retrieval["via"])
        except InvalidURL:
            return False
        retrieved = self._instant(d["retrieved_at"])
        if retrieved is None:
            return False
        # Whole seconds only: a retrieval within a second of the limit takes the full path.
        latest = now.astimezone(UTC) + self.clock_skew - timedelta(seconds=1)
        if datetime.fromisoformat(retrieved[0]).replace(tzinfo=UTC) > latest:
            return False
        if "published_at" in d:
            published = self._instant(d["published_at"])
            if published is None or published > retrieved:
                return False
        for event in d["provenance"]:
            if self._instant(event["at"]) is None:
                return False
            if "source_digest" in event and self.digest.fullmatch(event["source_digest"]) is None:
                return False
        if not _tags_normal(d["tags"]) or self.digest.fullmatch(d["content_digest"]) is None:
            return False
        if _final_line_feed(d):
            return False
        if self.v2 and not self._v2_fields(d, retrieved):
            return False
        return not derived or self._derived_fields(d, retrieved)

    def _v2_fields(self, d: Mapping[str, Any], retrieved: tuple[str, str]) -> bool:
        """The rules of `_semantic_v2` (no warnings either); the schema has accepted `d`."""
        if "modified_at" in d:
            modified = self._instant(d["modified_at"])
            if modified is None or modified > retrieved:
                return False
            published = self._instant(d["published_at"]) if "published_at" in d else None
            if published is not None and modified < published:
                return False
        if "language" in d and d["language"].endswith("\n"):
            return False
        if "authors" in d and any(
            name != normalize_author(name) or not name for name in d["authors"]
        ):
            return False
        http = d["retrieval"].get("http")
        try:
            if "image" in d:
                check_url(d["image"])
            if http is not None:
                final = check_url(http["final_url"])
                for hop in http.get("redirects", ()):
                    check_url(hop["url"])
        except InvalidURL:
            return False
        if http is None:
            return True
        return (
            type(http["status"]) is int
            and all(type(hop["status"]) is int for hop in http.get("redirects", ()))
            and not http.get("http_version", "").endswith("\n")
            and not http.get("tls_sha256", "").endswith("\n")
            and ("tls_sha256" not in http or final.lower().startswith("https:"))
        )

    def _derived_fields(self, d: Mapping[str, Any], retrieved: tuple[str, str]) -> bool:
        declared = d["content_digest"]
        algorithm, _, declared_hex = declared.partition(":")
        content = d.get("content")
        if content is None:
            sha256 = declared_hex if algorithm == "sha256" else None
        else:
            try:
                encoded = content.encode("utf-8")
            except UnicodeEncodeError:
                return False
            if type(d["content_length"]) is not int or d["content_length"] != len(encoded):
                return False
            sha256 = hashlib.sha256(encoded).hexdigest()
            actual = sha256 if algorithm == "sha256" else _hexdigest(algorithm, encoded)
            if not hmac.compare_digest(actual, declared_hex):
                return False
        if sha256 is not None:
            fraction = retrieved[1].rstrip("0")
            instant = f"{retrieved[0]}.{fraction}Z" if fraction else f"{retrieved[0]}Z"
            try:
                key = orjson.dumps([_derive.ID_TAG, d["url"], f"sha256:{sha256}", instant])
            except orjson.JSONEncodeError:
                return False
            if hashlib.sha256(key).hexdigest() != d["id"]:
                return False
        return _record_digest_matches(d)


def _final_line_feed(d: Mapping[str, Any]) -> bool:
    """The fields `_semantic.Checker.final_line_feeds` looks at."""
    if (
        d["id"].endswith("\n")
        or d["media_type"].endswith("\n")
        or d["retrieval"]["method"].endswith("\n")
    ):
        return True
    return any(event["type"].endswith("\n") for event in d["provenance"])


def _tags_normal(tags: list[str]) -> bool:
    """Trimmed, NFC, and no two equal ignoring case: the tag rule of `_derive`."""
    for tag in tags:
        if tag != tag.strip() or not (tag.isascii() or unicodedata.is_normalized("NFC", tag)):
            return False
    return len({tag.casefold() for tag in tags}) == len(tags)


def _record_digest_matches(d: Mapping[str, Any]) -> bool:
    algorithm, _, declared_hex = d["record_digest"].partition(":")
    try:
        data = _derive.record_digest_bytes(d, schema_valid=True)
    except JSONError:
        return False  # a lone surrogate: the full checker says where
    return hmac.compare_digest(_hexdigest(algorithm, data), declared_hex)


def _hexdigest(algorithm: str, data: bytes) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()  # the common case, without the name lookup
    other = hasher(algorithm)
    other.update(data)
    return other.hexdigest()
