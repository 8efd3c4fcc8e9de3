"""Differential test: the fast semantic pass finds "no problem" only where the full checker does."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle, Retrieval, validate
from newsarchive._derive import compute_id, compute_record_digest
from newsarchive._semantic import Checker
from newsarchive.digest import Digest
from newsarchive.errors import NewsArchiveError
from newsarchive.record import HttpFacts
from newsarchive.timestamps import Timestamp
from newsarchive.validation import _fast_checks, schema_version_of
from tests.conftest import NOW
from tests.strategies import any_records
from tests.test_fastschema import EDGE_VALUES, _paths, fast_accepts

# Values that pass the schema but break a semantic rule, or sit next to one.
SEMANTIC_VALUES: list[Any] = [
    "2020-02-30T00:00:00Z",
    "2020-13-01T00:00:00Z",
    "2020-01-01T00:00:60Z",
    "0000-01-01T00:00:00Z",
    "2026-01-01T12:04:59Z",
    "2026-01-01T12:05:00.5Z",
    "2026-01-01T12:06:00Z",
    "2099-01-01T00:00:00Z",
    "1999-12-31T23:59:59.999999999Z",
    "Río",
    "Ri\u0301o",
    "POLITICS",
    "politics",
    " politics",
    "https://example.com/a/../b",
    "https://EXAMPLE.com/",
    "https://example.com",
    "https://example.com/?utm_source=x",
    "https://example.com/?a=1&&b=2",
    "https://xn--a.example/",
    "https://example.com/%7e",
    "http\n",
    "text/plain\n",
    "capture\n",
    "sha512:" + "0" * 128,
    "blake2b:" + "0" * 128,
    "sha256:" + "0" * 63 + "\n",
    # format v2: author names, statuses written as floats, tls without https
    "Jane  Doe",
    " Jane Doe",
    "Jose\u0301",
    "\u00a0",
    "http://example.com/final",
    200.0,
    302.0,
    "2020-01-08T06:30:00Z",
    "1990-01-01T00:00:00Z",
]


def _full_check(d: dict[str, Any], derived: bool) -> list[Any]:
    checker = Checker(d, NOW, derived, version=schema_version_of(d))
    checker.run()
    return checker.problems


def _reseal(d: dict[str, Any], id_too: bool) -> None:
    """Recompute the derived digests so a mutation meets the other rules, not only them."""
    try:
        if id_too:
            sha256 = Digest.of_text(d["content"])
            d["id"] = compute_id(d["url"], sha256, Timestamp.parse(d["retrieved_at"]))
        algorithm = Digest.parse(d["record_digest"]).algorithm
        d["record_digest"] = str(compute_record_digest(d, algorithm))
    except (NewsArchiveError, KeyError, TypeError, ValueError, AttributeError):
        return


def _fast_ok(d: dict[str, Any], now: Any, derived: bool) -> bool:
    return _fast_checks(schema_version_of(d)).no_problems(d, now, derived)


@given(any_records, st.data())
def test_fast_pass_never_accepts_what_the_checker_refuses(
    record: ArchivedArticle, data: st.DataObject
) -> None:
    d = record.to_dict()
    assert _fast_ok(d, NOW + timedelta(days=3650), derived=True)
    for _ in range(4):
        changed = copy.deepcopy(d)
        path = data.draw(st.sampled_from(_paths(changed)))
        if not path:
            continue
        parent: Any = changed
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = data.draw(st.sampled_from(SEMANTIC_VALUES + EDGE_VALUES))
        _reseal(changed, id_too=data.draw(st.booleans()))
        if not fast_accepts(changed):
            continue
        for derived in (True, False):
            if _fast_ok(changed, NOW, derived):
                assert _full_check(changed, derived) == [], (path, changed)


def test_a_trailing_line_feed_is_refused_where_only_a_pattern_guards() -> None:
    # Python's `$` matches before a final LF, so jsonschema lets "http\n" through.
    good = ArchivedArticle.create(
        url="https://example.com/a", content="Text.", retrieved_at="2025-01-01T00:00:00Z"
    ).to_dict()
    for pointer, (where, key, value) in {
        "/retrieval/method": ("retrieval", "method", "http\n"),
        "/media_type": (None, "media_type", "text/plain\n"),
    }.items():
        d = copy.deepcopy(good)
        (d if where is None else d[where])[key] = value
        _reseal(d, id_too=False)
        assert [p.pointer for p in validate(d, now=NOW)] == [pointer]


def test_a_trailing_line_feed_is_refused_in_the_v2_patterned_fields() -> None:
    good = ArchivedArticle.create(
        url="https://example.com/a",
        content="Text.",
        retrieved_at="2025-01-01T00:00:00Z",
        language="en",
        retrieval=Retrieval(
            "http",
            http=HttpFacts(
                final_url="https://example.com/a",
                status=200,
                http_version="HTTP/2",
                tls_sha256="0" * 64,
            ),
        ),
    ).to_dict()
    assert _fast_ok(good, NOW, derived=True)
    for pointer in ("/language", "/retrieval/http/http_version", "/retrieval/http/tls_sha256"):
        d = copy.deepcopy(good)
        *parents, last = pointer.strip("/").split("/")
        target = d
        for part in parents:
            target = target[part]
        target[last] += "\n"
        _reseal(d, id_too=False)
        assert fast_accepts(d)  # the schema (Python's `$`) lets it through ...
        assert not _fast_ok(d, NOW, derived=True)  # ... the semantic layers do not
        assert [p.pointer for p in validate(d, now=NOW)] == [pointer]
