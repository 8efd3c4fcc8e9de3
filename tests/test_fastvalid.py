"""Differential test: the fast semantic pass finds "no problem" only where the full checker does."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle, validate
from newsarchive._derive import compute_id, compute_record_digest
from newsarchive._semantic import Checker
from newsarchive.digest import Digest
from newsarchive.errors import NewsArchiveError
from newsarchive.timestamps import Timestamp
from newsarchive.validation import _fast_checks, _fast_schema
from tests.conftest import NOW
from tests.strategies import records
from tests.test_fastschema import EDGE_VALUES, _paths

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
]


def _full_check(d: dict[str, Any], derived: bool) -> list[Any]:
    checker = Checker(d, NOW, derived)
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


@given(records(), st.data())
def test_fast_pass_never_accepts_what_the_checker_refuses(
    record: ArchivedArticle, data: st.DataObject
) -> None:
    d = record.to_dict()
    assert _fast_checks().no_problems(d, NOW + timedelta(days=3650), derived=True)
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
        if not _fast_schema().accepts(changed):
            continue
        for derived in (True, False):
            if _fast_checks().no_problems(changed, NOW, derived):
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
