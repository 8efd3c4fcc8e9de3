"""The direct builder is held to `ArchivedArticle.from_article_text(...).to_dict()`."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from newsarchive._articlebuild import article_text_record
from newsarchive.record import ArchivedArticle
from tests.strategies import article_text_files, article_text_options


def _outcome(build: Any) -> tuple[str, Any]:
    try:
        return "ok", build()
    except Exception as exc:  # noqa: BLE001 - any difference in what is raised is the finding
        return "raised", (type(exc), str(exc), getattr(exc, "code", None))


def _reference(data: bytes, options: dict[str, Any]) -> dict[str, Any]:
    return ArchivedArticle.from_article_text(data, **options).to_dict()


@settings(max_examples=400)
@given(data=article_text_files(), options=article_text_options())
def test_the_direct_builder_gives_the_same_dict_or_the_same_error(
    data: bytes, options: dict[str, Any]
) -> None:
    expected = _outcome(lambda: _reference(data, options))
    got = _outcome(lambda: article_text_record(data, **options))
    assert got == expected
    if expected[0] == "ok":  # the same key order too (people read it)
        assert list(got[1]) == list(expected[1])


@settings(max_examples=100)
@given(data=article_text_files())
def test_the_direct_builder_with_the_import_defaults(data: bytes) -> None:
    options: dict[str, Any] = {"retrieved_at": "2024-01-01T00:00:00Z", "source_name": "x.txt"}
    expected = _outcome(lambda: _reference(data, options))
    assert _outcome(lambda: article_text_record(data, **options)) == expected


def test_a_well_formed_file_builds_a_valid_record() -> None:
    data = b"Body text.\nLINK: https://news.example/a\nTAGS: Local, weather"
    record = article_text_record(data, retrieved_at="2024-01-01T00:00:00Z")
    assert record == _reference(data, {"retrieved_at": "2024-01-01T00:00:00Z"})
    assert record["tags"] == ["Local", "weather"]
    assert ArchivedArticle.from_dict(record).to_dict() == record
