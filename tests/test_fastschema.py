"""Differential test: the fast schema check agrees with jsonschema on every value tried."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle
from newsarchive.validation import _fast_schema, _schema_validator, schema_version_of
from tests.strategies import any_records

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
