"""The hashing contract of format v1 (`newsarchive._derive`): id, record digest, tags.

The expected values are written out as bytes and hex here, not computed by the
code under test: a change to what is hashed is a format version change and
must fail these tests.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from newsarchive._derive import (
    ID_TAG,
    NOT_DIGESTED,
    compute_id,
    compute_record_digest,
    normalize_author,
    normalize_authors,
    normalize_tags,
    record_digest_bytes,
)
from newsarchive._json import canonical_dumps
from newsarchive.digest import Digest
from newsarchive.errors import JSONError
from newsarchive.timestamps import Timestamp

CONTENT_SHA256 = "sha256:4319bbb0a28e6761cdf1b618cbd54d368d4eaf35a98c3f3802f4820dff1448a5"
ID_BYTES = (
    b'["newsarchive:id:v1","https://example.com/a",'
    b'"sha256:4319bbb0a28e6761cdf1b618cbd54d368d4eaf35a98c3f3802f4820dff1448a5",'
    b'"2020-01-08T06:30:00.5Z"]'
)
ID = "fff5f411bf004cbd138a4dcf8eb89013b02d6f1e9167ed070ea82255044b9bfa"


def test_id_is_sha256_of_the_canonical_array() -> None:
    assert hashlib.sha256(b"Body text.").hexdigest() == CONTENT_SHA256.split(":")[1]
    assert hashlib.sha256(ID_BYTES).hexdigest() == ID
    assert ID_TAG == "newsarchive:id:v1"
    digest = Digest.of_text("Body text.")
    for written in ("2020-01-08T06:30:00.5Z", "2020-01-08T06:30:00.500Z"):
        assert compute_id("https://example.com/a", digest, Timestamp.parse(written)) == ID


def test_id_changes_with_each_fact() -> None:
    digest = Digest.of_text("Body text.")
    stamp = Timestamp.parse("2020-01-08T06:30:00.5Z")
    ids = {
        compute_id("https://example.com/a", digest, stamp),
        compute_id("https://example.com/b", digest, stamp),
        compute_id("https://example.com/a", Digest.of_text("Body text!"), stamp),
        compute_id("https://example.com/a", digest, Timestamp.parse("2020-01-08T06:30:00.6Z")),
    }
    assert len(ids) == 4


def test_id_needs_the_sha256_of_the_content() -> None:
    with pytest.raises(ValueError, match="sha256 digest of the content"):
        compute_id(
            "https://example.com/a",
            Digest.of_text("Body text.", "sha512"),
            Timestamp.parse("2020-01-08T06:30:00Z"),
        )


def _record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schema_version": 1,
        "content_length": 10,
        "title": "caf\u00e9",
        "content": "ignored",
        "record_digest": "ignored",
        "tags": ["\U0001f600", "a"],
        "n": None,
    }
    record.update(changes)
    return record


BODY = (
    b'{"content_length":10,"n":null,"schema_version":1,'
    b'"tags":["\xf0\x9f\x98\x80","a"],"title":"caf\xc3\xa9"}'
)


@pytest.mark.parametrize("schema_valid", [False, True])
def test_record_digest_is_over_the_body_without_content_and_itself(schema_valid: bool) -> None:
    assert {"record_digest", "content"} == NOT_DIGESTED
    assert record_digest_bytes(_record(), schema_valid=schema_valid) == BODY
    for algorithm in ("sha256", "sha512"):
        expected = Digest.of_bytes(BODY, algorithm)
        assert compute_record_digest(_record(), algorithm, schema_valid=schema_valid) == expected
    assert record_digest_bytes(_record(content="other", record_digest="x")) == BODY
    assert record_digest_bytes(_record(title="other")) != BODY


def test_schema_valid_path_falls_back_for_a_float_length() -> None:
    # 10.0 is written "10" by RFC 8785; the shortcut (orjson) would write "10.0".
    for changes in ({"content_length": 10.0}, {"schema_version": 1.0}):
        assert record_digest_bytes(_record(**changes), schema_valid=True) == BODY


def test_lone_surrogate_is_a_json_error_on_both_paths() -> None:
    for schema_valid in (False, True):
        with pytest.raises(JSONError) as caught:
            record_digest_bytes(_record(title="\ud800"), schema_valid=schema_valid)
        assert caught.value.code == "lone-surrogate"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([" a ", "b"], ("a", "b")),
        (["", "  ", "a"], ("a",)),
        (["News", "news", "NEWS"], ("News",)),
        (["e\u0301", "\u00e9"], ("\u00e9",)),  # NFC first, then compared
        (["Stra\u00dfe", "STRASSE"], ("Stra\u00dfe",)),  # casefold, not lower
        (["b", "a"], ("b", "a")),  # order kept
    ],
)
def test_tag_rule(tags: list[str], expected: tuple[str, ...]) -> None:
    assert normalize_tags(tags) == expected


def test_id_refusal_message() -> None:
    with pytest.raises(ValueError) as caught:
        compute_id("u", Digest.of_text("x", "blake2b"), Timestamp.parse("2020-01-08T06:30:00Z"))
    assert str(caught.value) == "the id is defined over the sha256 digest of the content"


def test_record_digest_defaults_to_the_full_rfc8785_writer() -> None:
    # orjson sorts keys by code point, RFC 8785 by UTF-16 code units (U+1F600 is
    # D83D DE00, before U+FF61): the shortcut is only for callers that say the
    # record passed the schema, which allows no such keys.
    record = _record(**{"\uff61": 1, "\U0001f600": 2})
    body = {k: v for k, v in record.items() if k not in NOT_DIGESTED}
    written = record_digest_bytes(record)
    assert written == canonical_dumps(body)
    assert written.index("\U0001f600".encode()) < written.index("\uff61".encode())
    assert compute_record_digest(record, "sha256") == Digest.of_bytes(written, "sha256")


def test_lone_surrogate_message_on_the_shortcut() -> None:
    with pytest.raises(JSONError) as caught:
        record_digest_bytes(_record(title="\ud800"), schema_valid=True)
    assert str(caught.value) == "string holds a lone surrogate (not Unicode text)"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Ana Lima", "Ana Lima"),
        ("  Ana   Lima ", "Ana Lima"),
        ("Ana\u00a0Lima", "Ana Lima"),
        ("Ana\u2003 Lima", "Ana Lima"),
        ("Jose\u0301", "Jos\u00e9"),
        ("ANA lima", "ANA lima"),  # case is the page's: no casefold for names
        ("", ""),
        (" \u00a0 ", ""),
    ],
)
def test_author_rule(raw: str, normal: str) -> None:
    assert normalize_author(raw) == normal


def test_authors_keep_order_and_repeats_and_drop_blanks() -> None:
    assert normalize_authors(["B", " ", "A", "B "]) == ("B", "A", "B")


def test_http_statuses_written_as_floats_take_the_canonical_path() -> None:
    # orjson writes 200.0 where RFC 8785 writes 200: the shortcut must not be taken.
    record: dict[str, Any] = {
        "schema_version": 2,
        "content_length": 0,
        "retrieval": {"http": {"final_url": "https://x.example/", "status": 200.0}},
    }
    assert record_digest_bytes(record, schema_valid=True) == canonical_dumps(record)
    record["retrieval"]["http"]["status"] = 200
    record["retrieval"]["http"]["redirects"] = [{"url": "https://x.example/a", "status": 301.0}]
    assert record_digest_bytes(record, schema_valid=True) == canonical_dumps(record)
    assert b"301," in record_digest_bytes(record, schema_valid=True)
