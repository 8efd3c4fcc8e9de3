"""Validation of records in their JSON object form: every problem at once.

Two layers. The JSON Schema of the record's format version
(`schemas/article-v1.schema.json` or `schemas/article-v2.schema.json`, chosen by
`schema_version`; the single source of the structural rules) runs first; the
semantic checks run after it on whatever parts of the data allow them, even
when the schema already failed: digests and length against the content, the
id, the canonical URL, timestamps, tag (and v2's author) normalization. A
semantic finding replaces a schema pattern finding at the same JSON Pointer,
because it says more precisely what is wrong.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from newsarchive._fastschema import FastSchema
from newsarchive._fastvalid import fused_check
from newsarchive._schemawords import describe
from newsarchive._semantic import CLOCK_SKEW, Checker, json_pointer
from newsarchive.errors import (
    InvalidRecord,
    Problem,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

__all__ = [
    "CLOCK_SKEW",
    "LATEST_VERSION",
    "SCHEMA_ID",
    "SCHEMA_IDS",
    "VERSIONS",
    "load_schema",
    "validate",
]

#: The record format versions this library reads; new records are the latest.
VERSIONS: Final = (1, 2)
LATEST_VERSION: Final = 2
SCHEMA_IDS: Final = {v: f"urn:newsarchive:schema:article:v{v}" for v in VERSIONS}
#: The `$id` of format v1's schema (what `load_schema()` returns without a version).
SCHEMA_ID: Final = SCHEMA_IDS[1]

# Schema keyword failures that the semantic layer can say more precisely about.
_REPLACEABLE: Final = frozenset({"pattern", "not", "format", "maxLength", "minLength"})
_FIELD_CODES: Final = {
    "url": "bad-url",
    "canonical_url": "bad-url",
    "via": "bad-url",
    "image": "bad-url",
    "final_url": "bad-url",
    "retrieved_at": "bad-timestamp",
    "published_at": "bad-timestamp",
    "modified_at": "bad-timestamp",
    "language": "bad-language",
    "authors": "bad-author",
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
_REQUIRED_NAME: Final = re.compile(r"^'((?:[^'\\]|\\.)*)' is a required property")


def load_schema(version: int = 1) -> dict[str, Any]:
    """The JSON Schema of record format `version` (1 or 2) shipped inside the package.

    Without a version it is format v1's, as it always was; ask for `version=2`
    (or `LATEST_VERSION`) for the format new records are written in. One
    object per version and process: do not change it.
    """
    if type(version) is not int or version not in VERSIONS:
        msg = f"no record format version {version!r} (known: {', '.join(map(str, VERSIONS))})"
        raise ValueError(msg)
    return _load_schema(version)


@cache
def _load_schema(version: int) -> dict[str, Any]:
    text = (
        resources.files("newsarchive")
        .joinpath(f"schemas/article-v{version}.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_version_of(data: Any) -> int:
    """The format version whose schema checks `data`: its own, else the latest.

    A record is checked against the schema of the version it says it is (`1.0`
    counts as 1, as JSON Schema counts it; `true` does not). A missing or
    unknown version is checked against the latest schema, whose `const` then
    reports the version as unsupported.
    """
    version = data.get("schema_version") if isinstance(data, dict) else None
    if type(version) in (int, float) and version in VERSIONS:
        return int(version)
    return LATEST_VERSION


@cache
def _schema_validator(version: int) -> Validator:
    # Built once per process: compiling the schema per record costs ~30x the check.
    from jsonschema import Draft202012Validator  # noqa: PLC0415 - slow import, keep CLI start fast

    return Draft202012Validator(load_schema(version))


@cache
def _fast_schema(version: int) -> FastSchema:
    return FastSchema(load_schema(version))


#: The fused check of each format version, built on first use by `_fused`.
_FUSED: Final[dict[int, Callable[[Any, datetime, bool], bool]]] = {}


def _fused(version: int) -> Callable[[Any, datetime, bool], bool]:
    check = _FUSED.get(version)
    if check is None:
        check = _FUSED[version] = fused_check(load_schema(version), CLOCK_SKEW)
    return check


def _pointer_key(problem: Problem) -> tuple[tuple[int, int | str], ...]:
    parts = problem.pointer.split("/")[1:]
    return tuple((0, int(p)) if p.isascii() and p.isdigit() else (1, p) for p in parts)


def _schema_problems(data: Any, version: int) -> list[tuple[Problem, bool]]:
    """Schema findings, each with whether a semantic finding may replace it."""
    found: list[tuple[Problem, bool]] = []
    for error in _schema_validator(version).iter_errors(data):
        found.extend(_from_schema_error(error, version))
    return found


def _unknown_field_message(name: str, path: list[str | int], version: int) -> str:
    message = f"unknown field {name!r} (format v{version} allows no extra fields)"
    if version == 1 and path in ([], ["retrieval"]):
        v2 = load_schema(2)["properties"]
        if name in (v2 if not path else v2["retrieval"]["properties"]):
            message += f"; {name!r} is a format v2 field (schema_version 2)"
    return message


def _from_schema_error(error: ValidationError, version: int) -> Iterator[tuple[Problem, bool]]:
    path = list(error.absolute_path)
    keyword = str(error.validator)
    if keyword == "required":
        match = _REQUIRED_NAME.match(error.message)
        name = match.group(1) if match else "?"
        yield Problem(json_pointer([*path, name]), "missing-field", f"'{name}' is required"), False
        return
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for name in error.instance:
            if name not in known:
                yield (
                    Problem(
                        json_pointer([*path, name]),
                        "unknown-field",
                        _unknown_field_message(name, path, version),
                    ),
                    False,
                )
        return
    if keyword == "const" and path == ["schema_version"]:
        yield (
            Problem(
                "/schema_version",
                "unsupported-schema-version",
                "schema_version must be one of "
                f"{', '.join(map(str, VERSIONS))} (got {error.instance!r})",
            ),
            False,
        )
        return
    field = next((p for p in reversed(path) if isinstance(p, str)), "")
    code = _KEYWORD_CODES.get(keyword) or _FIELD_CODES.get(field, "bad-value")
    if keyword == "pattern" and path[:1] == ["provenance"] and field == "type":
        code = "unknown-event-type"
    message = _shorten_message(describe(error))  # words, never the schema's regex
    yield Problem(json_pointer(path), code, message), keyword in _REPLACEABLE


def _shorten_message(message: str) -> str:
    return message if len(message) <= 300 else message[:297] + "..."


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
    clock = now if now is not None else datetime.now(UTC)
    if type(data) is dict:
        # The common case, a valid record, in one fused pass without jsonschema or
        # the problem machinery (held to the full layers by differential tests).
        version = data.get("schema_version")
        fused = _FUSED.get(version) if type(version) is int else None
        if fused is not None and fused(data, clock, derived):
            return []
    else:
        to_dict = getattr(data, "to_dict", None)
        if callable(to_dict) and not isinstance(data, dict):
            data = to_dict()
    version = schema_version_of(data)
    if _fused(version)(data, clock, derived):
        return []
    # The exact yes/no schema check spares jsonschema when only a semantic rule failed.
    found = [] if _fast_schema(version).accepts(data) else _schema_problems(data, version)
    semantic: list[Problem] = []
    if isinstance(data, dict):
        checker = Checker(data, clock, derived, version=version)
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
