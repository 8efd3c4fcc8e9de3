"""Differential test: the fast schema check agrees with jsonschema on every value tried."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle
from newsarchive.validation import _fast_schema, _schema_validator
from tests.strategies import records

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
]


def schema_accepts(value: Any) -> bool:
    return next(iter(_schema_validator().iter_errors(value)), None) is None


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


@given(records(), st.data())
def test_fast_check_agrees_with_jsonschema(record: ArchivedArticle, data: st.DataObject) -> None:
    d = record.to_dict()
    assert _fast_schema().accepts(d) is True
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
            parent[data.draw(st.sampled_from(["extra", "via", "detail", "content", "zz"]))] = (
                data.draw(st.sampled_from(EDGE_VALUES))
            )
        else:
            parent.append(data.draw(st.sampled_from(EDGE_VALUES)))
        assert _fast_schema().accepts(changed) == schema_accepts(changed), (path, action, changed)


@given(st.sampled_from(EDGE_VALUES))
def test_non_records(value: Any) -> None:
    assert _fast_schema().accepts(value) == schema_accepts(value)
