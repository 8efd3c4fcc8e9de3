"""Validation of records in their JSON object form: every problem at once.

Two layers. The JSON Schema (`schemas/article-v1.schema.json`, the single
source of the structural rules) runs first; the semantic checks run after it
on whatever parts of the data allow them, even when the schema already failed:
digests and length against the content, the id, the canonical URL, timestamps,
tag normalization. A semantic finding replaces a schema pattern finding at the
same JSON Pointer, because it says more precisely what is wrong.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from newsarchive import _derive
from newsarchive._fastschema import FastSchema
from newsarchive._fastvalid import FastChecks
from newsarchive._json import has_lone_surrogate
from newsarchive._schemawords import describe
from newsarchive.digest import Digest, digest_equal
from newsarchive.errors import (
    DigestError,
    InvalidRecord,
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

    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

__all__ = ["CLOCK_SKEW", "SCHEMA_ID", "load_schema", "validate"]

SCHEMA_ID: Final = "urn:newsarchive:schema:article:v1"
#: How far past the validator's clock a retrieval time may lie: clocks of the
#: machine that captured and the machine that checks are never exactly equal.
CLOCK_SKEW: Final = timedelta(minutes=5)

# Schema keyword failures that the semantic layer can say more precisely about.
_REPLACEABLE: Final = frozenset({"pattern", "not", "format", "maxLength", "minLength"})
_FIELD_CODES: Final = {
    "url": "bad-url",
    "canonical_url": "bad-url",
    "via": "bad-url",
    "retrieved_at": "bad-timestamp",
    "published_at": "bad-timestamp",
    "at": "bad-timestamp",
    "content_digest": "bad-digest",
    "record_digest": "bad-digest",
    "source_digest": "bad-digest",
    "id": "bad-id",
    "media_type": "bad-media-type",
    "method": "unknown-method",
    "outcome": "bad-outcome",
    "tags": "bad-tag",
    "content_length": "bad-value",
}
_KEYWORD_CODES: Final = {
    "required": "missing-field",
    "additionalProperties": "unknown-field",
    "type": "wrong-type",
    "not": "control-character",
}
_ID_FORM: Final = re.compile(r"[0-9a-f]{64}")
_REQUIRED_NAME: Final = re.compile(r"^'((?:[^'\\]|\\.)*)' is a required property")


@cache
def load_schema() -> dict[str, Any]:
    """The record JSON Schema shipped inside the package."""
    text = (
        resources.files("newsarchive")
        .joinpath("schemas/article-v1.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _schema_validator() -> Validator:
    # Built once per process: compiling the schema per record costs ~30x the check.
    from jsonschema import Draft202012Validator  # noqa: PLC0415 - slow import, keep CLI start fast

    return Draft202012Validator(load_schema())


@cache
def _fast_schema() -> FastSchema:
    return FastSchema(load_schema())


@cache
def _fast_checks() -> FastChecks:
    return FastChecks(load_schema(), CLOCK_SKEW)


def _pointer(parts: Iterator[str | int] | list[str | int] | tuple[str | int, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _pointer_key(problem: Problem) -> tuple[tuple[int, int | str], ...]:
    parts = problem.pointer.split("/")[1:]
    return tuple((0, int(p)) if p.isascii() and p.isdigit() else (1, p) for p in parts)


def _schema_problems(data: Any) -> list[tuple[Problem, bool]]:
    """Schema findings, each with whether a semantic finding may replace it."""
    found: list[tuple[Problem, bool]] = []
    for error in _schema_validator().iter_errors(data):
        found.extend(_from_schema_error(error))
    return found


def _from_schema_error(error: ValidationError) -> Iterator[tuple[Problem, bool]]:
    path = list(error.absolute_path)
    keyword = str(error.validator)
    if keyword == "required":
        match = _REQUIRED_NAME.match(error.message)
        name = match.group(1) if match else "?"
        yield Problem(_pointer([*path, name]), "missing-field", f"'{name}' is required"), False
        return
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for name in error.instance:
            if name not in known:
                yield (
                    Problem(
                        _pointer([*path, name]),
                        "unknown-field",
                        f"unknown field {name!r} (format v1 allows no extra fields)",
                    ),
                    False,
                )
        return
    if keyword == "const" and path == ["schema_version"]:
        yield (
            Problem(
                "/schema_version",
                "unsupported-schema-version",
                f"schema_version must be 1 (got {error.instance!r})",
            ),
            False,
        )
        return
    field = next((p for p in reversed(path) if isinstance(p, str)), "")
    code = _KEYWORD_CODES.get(keyword) or _FIELD_CODES.get(field, "bad-value")
    if keyword == "pattern" and path[:1] == ["provenance"] and field == "type":
        code = "unknown-event-type"
    message = _shorten_message(describe(error))  # words, never the schema's regex
    yield Problem(_pointer(path), code, message), keyword in _REPLACEABLE


def _shorten_message(message: str) -> str:
    return message if len(message) <= 300 else message[:297] + "..."


class _Checker:
    """The semantic layer: each check runs when the data it needs is usable."""

    def __init__(self, data: Mapping[str, Any], now: datetime, derived: bool = True) -> None:
        self.data = data
        self.now = now
        self.derived = derived  # False: the caller just computed the derived fields itself
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
                pointer = _pointer(path)
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


def validate(data: Any, *, strict: bool = False, now: datetime | None = None) -> list[Problem]:
    """Check a record (JSON object form, or an `ArchivedArticle`) and return every problem.

    Problems are sorted by JSON Pointer. Warnings (severity "warning") do not
    make a record invalid. With `strict=True`, raise `InvalidRecord` carrying
    all problems when any is an error. `now` fixes the clock for the
    future-timestamp check.
    """
    return _validate(data, strict=strict, now=now, derived=True)


def check_built(data: dict[str, Any]) -> None:
    """Raise `InvalidRecord` if a record just built from facts breaks a rule.

    For `ArchivedArticle.create`: it computed canonical_url, the digests and the
    id itself a moment ago, so re-deriving them would only cost time; every
    field the caller supplied is still checked.
    """
    _validate(data, strict=True, now=None, derived=False)


def _validate(data: Any, *, strict: bool, now: datetime | None, derived: bool) -> list[Problem]:
    to_dict = getattr(data, "to_dict", None)
    if callable(to_dict) and not isinstance(data, dict):
        data = to_dict()
    clock = now if now is not None else datetime.now(UTC)
    # The common case, a valid record, without jsonschema or the problem
    # machinery; both fast layers are held to the full ones by differential tests.
    if _fast_schema().accepts(data):
        if _fast_checks().no_problems(data, clock, derived):
            return []
        found = []
    else:
        found = _schema_problems(data)
    semantic: list[Problem] = []
    if isinstance(data, dict):
        checker = _Checker(data, clock, derived)
        checker.run()
        semantic = checker.problems
    if not found and not semantic:
        return []  # the common case: nothing to merge or sort
    precise = {p.pointer for p in semantic}
    problems = [p for p, replaceable in found if not (replaceable and p.pointer in precise)]
    problems.extend(semantic)
    unique = sorted(set(problems), key=lambda p: (_pointer_key(p), p.code, p.message))
    if strict and any(p.severity == "error" for p in unique):
        raise InvalidRecord(unique)
    return unique
