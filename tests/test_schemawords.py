"""Schema failures are told in words: no regex, no schema fragment, in any problem message."""

from __future__ import annotations

from typing import Any

import pytest

from newsarchive import ArchivedArticle, validate
from newsarchive._schemawords import allowed_words

SCHEMA_TEXT = ("^(", "{'", "pattern", "should not be valid", "does not match '", "\\u00")


def _record() -> dict[str, Any]:
    return ArchivedArticle.from_article_text(
        b"Text.\nLINK: https://news.example/a\n", retrieved_at="2024-05-01T10:00:00Z"
    ).to_dict()


def _set(record: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: Any = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("retrieval", "method"), "scraping", "is not a retrieval method (use one of: http"),
        (("provenance", 0, "type"), "bogus", "is not an event type (use one of: capture"),
        (("provenance", 0, "outcome"), "maybe", "is not one of: success, failure, warning"),
        (("retrieval", "agent"), "a\tb", "contains a control character (U+0009"),
        (("title",), "a\x00", "contains a control character (NUL"),
        (("content_digest",), "md5:abc", "md5 is not collision resistant"),
        (("media_type",), "text", "is not a media type"),
        (("id",), "XYZ", "64 lowercase hex digits"),
        (("retrieved_at",), "2024-05-01 10:00", "has no time zone"),
        (("retrieval", "via"), "ftp://x", "must be an absolute http(s) URL"),
        (("tags",), ["a\nb"], "contains a control character"),
    ],
)
def test_schema_failures_in_words(path: tuple[str | int, ...], value: Any, words: str) -> None:
    record = _record()
    _set(record, path, value)
    messages = [p.message for p in validate(record)]
    assert any(words in m for m in messages), messages
    for message in messages:
        for schema_text in SCHEMA_TEXT:
            assert schema_text not in message, message


def test_allowed_words_come_from_the_schema_pattern() -> None:
    assert allowed_words("^(a|b-c|x-[a-z0-9][a-z0-9-]*)$") == ("a", "b-c", "x-<name>")
    assert allowed_words("^[0-9]+$") is None
    assert allowed_words("^(a|[b])$") is None
