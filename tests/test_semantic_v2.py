"""Record format v2: its schema and semantic rules, field by field, and v1 beside it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from newsarchive import ArchivedArticle, validate
from newsarchive._derive import compute_record_digest
from newsarchive.record import HttpFacts, HttpHeaders, Redirect, Retrieval
from newsarchive.validation import _schema_problems
from tests.conftest import NOW
from tests.strategies import as_v1

URL = "https://news.example/2025/05/harbour-reopens"


def v2_record() -> dict[str, Any]:
    return ArchivedArticle.create(
        url=URL,
        content="The harbour reopened on Monday.",
        retrieved_at="2025-05-06T08:00:00Z",
        published_at="2025-05-05T06:00:00Z",
        modified_at="2025-05-05T09:30:00Z",
        authors=["Ana Lima", "Ben Okafor"],
        publisher="Example Gazette",
        language="en-GB",
        description="Repairs finished early.",
        image="https://news.example/img/harbour.jpg",
        retrieval=Retrieval(
            method="http",
            http=HttpFacts(
                final_url=URL + "/",
                status=200,
                http_version="HTTP/2",
                redirects=[Redirect(URL, 301)],
                headers=HttpHeaders(
                    content_type="text/html; charset=utf-8",
                    last_modified="Mon, 05 May 2025 09:30:00 GMT",
                    etag='W/"h1"',
                    date="Tue, 06 May 2025 08:00:00 GMT",
                ),
                tls_sha256="ab" * 32,
            ),
        ),
    ).to_dict()


def _changed(pointer: str, value: Any, *, delete: bool = False) -> dict[str, Any]:
    """The v2 record with one member set (or deleted), its record digest recomputed."""
    d = v2_record()
    *parents, last = pointer.strip("/").split("/")
    target: Any = d
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key: Any = int(last) if isinstance(target, list) else last
    if delete:
        del target[key]
    else:
        target[key] = value
    d["record_digest"] = str(compute_record_digest(d, "sha256"))
    return d


def errors(d: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p.pointer, p.code) for p in validate(d, now=NOW) if p.severity == "error"}


def warnings(d: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p.pointer, p.code) for p in validate(d, now=NOW) if p.severity == "warning"}


def test_a_full_v2_record_is_valid_and_says_version_2() -> None:
    d = v2_record()
    assert d["schema_version"] == 2
    assert validate(d, now=NOW) == []


def test_every_v2_field_is_optional() -> None:
    d = ArchivedArticle.create(url=URL, content="x", retrieved_at="2025-05-06T08:00:00Z").to_dict()
    assert d["schema_version"] == 2
    assert not {"authors", "publisher", "language", "image", "modified_at"} & d.keys()
    assert "http" not in d["retrieval"]
    assert validate(d, now=NOW) == []


VALID: list[tuple[str, Any]] = [
    ("/language", "en"),
    ("/language", "zh-Hant-TW"),
    ("/language", "sl-rozaj-biske"),
    ("/language", "es-419"),
    ("/language", "x-local"),
    ("/language", "i-klingon"),
    ("/language", "en-a-bbb-x-ccc"),
    ("/language", "EN-gb"),
    ("/language", "qaa-Qaaa-QM-x-southern"),
    ("/authors", []),
    ("/authors", ["Ana Lima", "Ana Lima"]),  # two people may share a name
    ("/image", "http://news.example/i.png"),
    ("/description", "Two\nlines."),
    ("/retrieval/http/status", 404),
    ("/retrieval/http/redirects", []),
    ("/retrieval/http/headers", {}),
    ("/retrieval/http/http_version", "HTTP/1.0"),
]


@pytest.mark.parametrize(("pointer", "value"), VALID, ids=lambda v: repr(v)[:30])
def test_valid_v2_values(pointer: str, value: Any) -> None:
    assert validate(_changed(pointer, value), now=NOW) == []


INVALID: list[tuple[str, Any, str]] = [
    # language: RFC 5646 well-formedness
    ("/language", "en-", "bad-language"),
    ("/language", "x", "bad-language"),
    ("/language", "123", "bad-language"),
    ("/language", "", "bad-language"),
    ("/language", "en_GB", "bad-language"),
    ("/language", "de-419-DE", "bad-language"),
    ("/language", "toolongtag", "bad-language"),
    ("/language", "en-x", "bad-language"),
    ("/language", "en\n", "bad-language"),
    ("/language", 5, "wrong-type"),
    # image: an http(s) URL under the url rules
    ("/image", "ftp://news.example/i.png", "bad-url"),
    ("/image", "https://user:pw@news.example/i.png", "bad-url"),
    ("/image", "/img/harbour.jpg", "bad-url"),
    # authors: labels, trimmed, one space between words, NFC, not blank
    ("/authors/0", "", "author-not-normalized"),  # "blank", more precise than "too short"
    ("/authors/0", "   ", "author-not-normalized"),
    ("/authors/0", " Ana Lima", "author-not-normalized"),
    ("/authors/0", "Ana  Lima", "author-not-normalized"),
    ("/authors/0", "Ana\u00a0Lima", "author-not-normalized"),
    ("/authors/0", "Jose\u0301", "author-not-normalized"),
    ("/authors/0", "Ana\nLima", "control-character"),
    ("/authors", "Ana Lima", "wrong-type"),
    ("/publisher", "", "bad-value"),
    ("/publisher", "Example\tGazette", "control-character"),
    ("/description", "nul \x00", "control-character"),
    # modified_at: the form of retrieved_at
    ("/modified_at", "2025-05-05T11:30:00+02:00", "timestamp-not-utc"),
    ("/modified_at", "2025-05-05T09:30:00", "naive-timestamp"),
    ("/modified_at", "2025-02-30T09:30:00Z", "bad-timestamp"),
    ("/modified_at", "5 May 2025", "bad-timestamp"),
    # retrieval.http
    ("/retrieval/http/final_url", "ftp://news.example/", "bad-url"),
    ("/retrieval/http/status", 99, "bad-value"),
    ("/retrieval/http/status", 600, "bad-value"),
    ("/retrieval/http/status", "200", "wrong-type"),
    ("/retrieval/http/status", 200.0, "bad-value"),
    ("/retrieval/http/redirects/0/status", 200, "bad-value"),
    ("/retrieval/http/redirects/0/status", 301.0, "bad-value"),
    ("/retrieval/http/redirects/0/url", "javascript:x", "bad-url"),
    ("/retrieval/http/http_version", "HTTP/1.1\n", "bad-value"),
    ("/retrieval/http/http_version", "h2", "bad-value"),
    ("/retrieval/http/tls_sha256", "AB" * 32, "bad-value"),
    ("/retrieval/http/tls_sha256", "ab" * 32 + "\n", "bad-value"),
    ("/retrieval/http/headers/etag", "a\r\nb", "control-character"),
    ("/retrieval/http/headers/set_cookie", "session=1", "unknown-field"),
    ("/retrieval/http/cookies", [], "unknown-field"),
]


@pytest.mark.parametrize(("pointer", "value", "code"), INVALID, ids=lambda v: repr(v)[:30])
def test_invalid_v2_values(pointer: str, value: Any, code: str) -> None:
    assert errors(_changed(pointer, value)) == {(pointer, code)}


def test_messages_never_show_the_language_pattern() -> None:
    (problem,) = validate(_changed("/language", "en-"), now=NOW)
    assert problem.message == "'en-' is not a well-formed BCP 47 language tag such as en or pt-BR"


@pytest.mark.parametrize("missing", ["final_url", "status"])
def test_http_facts_need_the_final_url_and_status(missing: str) -> None:
    pointer = f"/retrieval/http/{missing}"
    assert errors(_changed(pointer, None, delete=True)) == {(pointer, "missing-field")}


def test_a_certificate_fingerprint_needs_an_https_final_url() -> None:
    d = _changed("/retrieval/http/final_url", "http://news.example/x")
    assert errors(d) == {("/retrieval/http/tls_sha256", "tls-without-https")}


def test_modified_times_out_of_order_are_warnings() -> None:
    after = _changed("/modified_at", "2025-05-07T00:00:00Z")
    assert errors(after) == set()
    assert warnings(after) == {("/modified_at", "modified-after-retrieved")}
    before = _changed("/modified_at", "2025-05-01T00:00:00Z")
    assert warnings(before) == {("/modified_at", "modified-before-published")}


def test_unknown_versions_are_a_clear_problem() -> None:
    for version in (3, 0, "2", True, None):
        d = _changed("/schema_version", version)
        (problem,) = [p for p in validate(d, now=NOW) if p.pointer == "/schema_version"]
        assert problem.code in {"unsupported-schema-version", "wrong-type"} or version is None
        if version in (3, 0, "2"):
            assert problem.message == f"schema_version must be one of 1, 2 (got {version!r})"
    d = _changed("/schema_version", None, delete=True)
    assert ("/schema_version", "missing-field") in errors(d)


def test_v1_records_stay_valid_and_v2_fields_in_them_are_named() -> None:
    v1 = as_v1(ArchivedArticle.from_dict(v2_record()))
    assert v1["schema_version"] == 1
    assert validate(v1, now=NOW) == []
    d = copy.deepcopy(v1)
    d["language"] = "en"
    d["retrieval"]["http"] = {"final_url": URL, "status": 200}
    d["record_digest"] = str(compute_record_digest(d, "sha256"))
    found = {p.pointer: p for p in validate(d, now=NOW)}
    assert set(found) == {"/language", "/retrieval/http"}
    assert found["/language"].code == "unknown-field"
    assert "a format v2 field (schema_version 2)" in found["/language"].message
    assert "a format v2 field" in found["/retrieval/http"].message


def test_v1_rules_do_not_judge_v2_fields_in_a_v1_record() -> None:
    # A v1 record is judged by format v1: an unknown field, not a bad v2 value as well.
    v1 = as_v1(ArchivedArticle.from_dict(v2_record()))
    v1["image"] = "ftp://x.example/"
    assert {(p.pointer, p.code) for p in validate(v1, now=NOW)} >= {("/image", "unknown-field")}
    assert ("/image", "bad-url") not in {(p.pointer, p.code) for p in validate(v1, now=NOW)}


def test_the_schema_alone_refuses_the_bad_tags() -> None:
    # The language rule is in the schema itself, for any JSON Schema user.
    for tag in ("en-", "x", "123"):
        d = _changed("/language", tag)
        assert [p.pointer for p, _ in _schema_problems(d, 2)] == ["/language"]
