"""Differential test: the fast schema check agrees with jsonschema on every value tried."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle, Digest, ProvenanceEvent, Retrieval, load_schema
from newsarchive._fastschema import _search
from newsarchive.record import HttpFacts, HttpHeaders, Redirect
from newsarchive.validation import _fast_schema, _schema_validator, schema_version_of
from tests.strategies import any_records, as_v1

# Replacement values chosen to sit on the schema's edges: wrong types, bool vs
# int, 1.0 vs 1, empty and over-long strings, control characters, NUL, newline
# before the end (Python's `$` matches there), surrogates, bad digests.
EDGE_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    1.5,
    2**53,
    2**53 - 1,
    "",
    " ",
    "x",
    "\x00",
    "a\nb",
    "a\n",
    "\x7f",
    "\x85",
    "\u2028",
    "x" * 1025,
    "x" * 8193,
    [],
    ["x"],
    [""],
    {},
    {"a": 1},
    "https://example.com/",
    "https://example.com/\n",
    "javascript:x",
    "http://a b",
    "2020-01-08T06:30:00Z",
    "2020-01-08T06:30:00Z\n",
    "2020-01-08T06:30:00.1234567890Z",
    "sha256:" + "0" * 64,
    "sha256:" + "0" * 64 + "\n",
    "md5:" + "0" * 32,
    "0" * 64,
    "text/plain",
    "text/plain; charset=utf-8",
    'text/plain;charset="u"',
    "text",
    "success",
    "capture",
    "x-custom",
    "X-custom",
    "http",
    "wayback",
    # format v2's fields: BCP 47 tags, statuses, HTTP versions, fingerprints
    2,
    3,
    2.0,
    "en",
    "en-US",
    "en-",
    "123",
    "x-a",
    "en-US\n",
    "ftp://example.com/i.png",
    200,
    200.0,
    301,
    99,
    600,
    "HTTP/1.1",
    "HTTP/1.1\n",
    "HTTP/4",
    "a" * 64,
    "A" * 64,
    [{"url": "https://example.com/", "status": 301}],
    [{"url": "https://example.com/", "status": 200}],
    {"content_type": "text/html", "etag": '"x"'},
    {"set_cookie": "a=b"},
    {"final_url": "https://example.com/", "status": 200},
]
#: Member names to add: the v2 fields (to v1 records too) and unknown ones.
ADDED_NAMES: list[str] = [
    "extra",
    "via",
    "detail",
    "content",
    "zz",
    "authors",
    "publisher",
    "description",
    "language",
    "image",
    "modified_at",
    "http",
    "redirects",
    "headers",
    "tls_sha256",
    "etag",
    "http_version",
]


def schema_accepts(value: Any) -> bool:
    validator = _schema_validator(schema_version_of(value))
    return next(iter(validator.iter_errors(value)), None) is None


def fast_accepts(value: Any) -> bool:
    return _fast_schema(schema_version_of(value)).accepts(value)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


@given(any_records, st.data())
def test_fast_check_agrees_with_jsonschema(record: ArchivedArticle, data: st.DataObject) -> None:
    d = record.to_dict()
    assert fast_accepts(d) is True
    assert schema_accepts(d)
    for _ in range(5):
        changed = copy.deepcopy(d)
        path = data.draw(st.sampled_from(_paths(changed)))
        if not path:
            continue
        parent: Any = changed
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(st.sampled_from(EDGE_VALUES) | st.text(max_size=5))
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(ADDED_NAMES))] = data.draw(
                st.sampled_from(EDGE_VALUES)
            )
        else:
            parent.append(data.draw(st.sampled_from(EDGE_VALUES)))
        assert fast_accepts(changed) == schema_accepts(changed), (path, action, changed)


@given(st.sampled_from(EDGE_VALUES))
def test_non_records(value: Any) -> None:
    assert fast_accepts(value) == schema_accepts(value)


def full_record() -> ArchivedArticle:
    """A format v2 record with every optional member, format v2's `retrieval.http` entire."""
    return ArchivedArticle.create(
        url="https://example.com/news/1",
        content="Body.",
        retrieved_at="2020-01-08T06:30:00Z",
        title="Title",
        tags=["one"],
        published_at="2020-01-07T00:00:00Z",
        retrieval=Retrieval(
            method="http",
            agent="agent/1",
            via="https://via.example/",
            notes=("a note",),
            http=HttpFacts(
                final_url="https://example.com/news/1",
                status=200,
                http_version="HTTP/1.1",
                redirects=(Redirect("https://example.com/n/1", 301),),
                headers=HttpHeaders(
                    content_type="text/html", last_modified="x", etag='"e"', date="d"
                ),
                tls_sha256="a" * 64,
            ),
        ),
        provenance=[
            ProvenanceEvent(
                "capture",
                "2020-01-08T06:30:00Z",
                detail="d",
                source_digest=Digest.of_bytes(b"page"),
            )
        ],
        authors=["Jane Doe"],
        publisher="The Paper",
        description="About it.",
        language="en",
        image="https://example.com/i.png",
        modified_at="2020-01-07T12:00:00Z",
    )


def _boundary_values() -> list[Any]:
    """Values at the schema's own limits: the longest label, URL, media type and language."""
    schema = load_schema(2)
    defs, props = schema["$defs"], schema["properties"]
    url = "https://example.com/"
    media = "text/plain"
    language = "x" + "-abcdefgh" * 40
    return [
        "x" * defs["label"]["maxLength"],
        url + "a" * (defs["http_url"]["maxLength"] - len(url)),
        url + "a" * (defs["http_url"]["maxLength"] - len(url) + 1),
        media + "x" * (props["media_type"]["maxLength"] - len(media)),
        media + "x" * (props["media_type"]["maxLength"] - len(media) + 1),
        language[: props["language"]["maxLength"]],
        language[: props["language"]["maxLength"] + 1],
        props["content_length"]["maximum"],
        props["content_length"]["maximum"] + 1,
        100,
        599,
        299,
        300,
        399,
        400,
        301.0,
        "sha256:" + "0" * 63,
    ]


_DELETE = object()


@pytest.mark.parametrize("version", [1, 2])
def test_fast_check_agrees_at_every_member_with_every_edge_value(version: int) -> None:
    """Every member of a record holding them all, replaced by each edge value or deleted.

    The random test above reaches the rarer members (format v2's `http`, an
    event's `source_digest`) only by chance; this one reaches each, always.
    """
    record = full_record()
    d = record.to_dict() if version == 2 else as_v1(record)
    assert fast_accepts(d) is True
    values = [*EDGE_VALUES, *_boundary_values()]
    disagree = []
    for path in _paths(d)[1:]:
        for value in [*values, _DELETE]:
            changed = copy.deepcopy(d)
            parent: Any = changed
            for part in path[:-1]:
                parent = parent[part]
            if value is _DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            if fast_accepts(changed) != schema_accepts(changed):
                disagree.append((path, value))
    assert disagree == []


def test_search_is_re_search_and_finds_an_escaped_character_by_a_scan() -> None:
    assert _search("a+b")("xaab") is True
    assert _search("a+b")("xab") is True
    assert _search("a+b")("ba") is False
    assert _search("^a$")("a") is True
    assert _search("\\u00e9")("caf\u00e9") is True
    assert _search("\\u00e9")("cafe") is False
    assert _search("\\u0000")("a\x00") is True
