"""Schema failures in words: what a person needs to know, never a regex or a schema fragment.

jsonschema's own messages quote the schema (`'x' does not match '^(http|...)$'`,
`'a\\tb' should not be valid under {'type': 'string', 'pattern': ...}`). This
module says instead what the value should have been, and lists the allowed
words where the schema names them (retrieval methods, event types).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from jsonschema import ValidationError

__all__ = ["allowed_words", "describe"]

#: What a value that fails a field's pattern should look like, by field name.
_FORMS: Final = {
    "url": "an absolute http(s) URL",
    "canonical_url": "an absolute http(s) URL",
    "via": "an absolute http(s) URL",
    "retrieved_at": "an RFC 3339 UTC timestamp such as 2024-05-01T10:00:00Z",
    "published_at": "an RFC 3339 UTC timestamp such as 2024-05-01T10:00:00Z",
    "at": "an RFC 3339 UTC timestamp such as 2024-05-01T10:00:00Z",
    "content_digest": "ALGORITHM:HEX with sha256, sha512, sha3-256 or blake2b",
    "record_digest": "ALGORITHM:HEX with sha256, sha512, sha3-256 or blake2b",
    "source_digest": "ALGORITHM:HEX with sha256, sha512, sha3-256 or blake2b",
    "id": "64 lowercase hex digits",
    "tls_sha256": "64 lowercase hex digits",
    "image": "an absolute http(s) URL",
    "final_url": "an absolute http(s) URL",
    "modified_at": "an RFC 3339 UTC timestamp such as 2024-05-01T10:00:00Z",
    "language": "a well-formed BCP 47 language tag such as en or pt-BR",
    "http_version": "an HTTP version such as HTTP/1.1 or HTTP/2",
    "media_type": "a media type such as text/plain; charset=utf-8",
}
_ALTERNATIVES: Final = re.compile(r"^\^\((.*)\)\$$")
_EXTENSION: Final = "x-[a-z0-9][a-z0-9-]*"
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: How a message would betray the schema: a regex anchor or a schema dict.
_SCHEMA_TEXT: Final = re.compile(r"\{'|\^\(|\$'|\\\\u")


@cache
def allowed_words(pattern: str) -> tuple[str, ...] | None:
    """The words a `^(a|b|x-...)$` pattern allows, `x-<name>` for the extension form."""
    match = _ALTERNATIVES.match(pattern)
    if match is None:
        return None
    words = match.group(1).split("|")
    if not all(w == _EXTENSION or re.fullmatch(r"[a-z0-9-]+", w) for w in words):
        return None
    return tuple("x-<name>" if w == _EXTENSION else w for w in words)


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _field(error: ValidationError) -> str:
    return next((str(p) for p in reversed(error.absolute_path) if isinstance(p, str)), "")


def _control_message(value: Any) -> str:
    if isinstance(value, str):
        found = _CONTROL.search(value)
        if found is not None:
            char = found.group()
            name = "NUL" if char == "\x00" else f"U+{ord(char):04X}"
            return (
                f"{_quoted(value)} contains a control character ({name} at position "
                f"{found.start() + 1}); use one line of printable text"
            )
    return f"{_quoted(value)} contains a character that is not allowed here"


def describe(error: ValidationError) -> str:
    """One human sentence for a schema failure."""
    keyword = str(error.validator)
    value = error.instance
    field = _field(error)
    if keyword == "pattern" and isinstance(error.validator_value, str):
        words = allowed_words(error.validator_value)
        if words is not None:
            kind = {"type": "an event type", "method": "a retrieval method"}.get(
                field, f"a known {field or 'value'}"
            )
            return f"{_quoted(value)} is not {kind} (use one of: {', '.join(words)})"
        form = _FORMS.get(field)
        if form is not None:
            return f"{_quoted(value)} is not {form}"
        return f"{_quoted(value)} is not in the form this field needs"
    if keyword == "not":
        return _control_message(value)
    if keyword == "enum" and isinstance(error.validator_value, list):
        choices = ", ".join(str(v) for v in error.validator_value)
        return f"{_quoted(value)} is not one of: {choices}"
    if keyword == "format":
        form = _FORMS.get(field, f"a valid {error.validator_value}")
        return f"{_quoted(value)} is not {form}"
    message = str(error.message)
    if _SCHEMA_TEXT.search(message):  # never show the schema itself
        return f"{_quoted(value)} is not allowed here ({keyword})"
    return message
