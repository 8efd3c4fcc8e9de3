"""Differential tests: the fused validator says "no problem" only where the full layers agree.

The full layers are jsonschema with the record's schema and `_semantic.Checker`;
the fused check (`_fastvalid.fused_check`) stands for both on the common path.
"""

from __future__ import annotations

import copy
import os
import random
import re
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle, Retrieval, _fastvalid, validate
from newsarchive._articlebuild import article_text_record
from newsarchive._derive import compute_id, compute_record_digest
from newsarchive._fastvalid import fused_check
from newsarchive._semantic import CLOCK_SKEW, Checker
from newsarchive.digest import Digest
from newsarchive.errors import InvalidRecord, NewsArchiveError
from newsarchive.record import HttpFacts, Redirect
from newsarchive.timestamps import Timestamp
from newsarchive.validation import _fused, load_schema, schema_version_of
from tests.conftest import NOW
from tests.strategies import any_records, as_v1
from tests.test_fastschema import ADDED_NAMES, EDGE_VALUES, _paths, fast_accepts, schema_accepts
from tests.test_semantic_v2 import v2_record

if TYPE_CHECKING:
    from collections.abc import Callable

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
    "2024-02-29T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2020-01-08T06:30:00.5Z",
    "2020-01-08T06:30:00.50Z",
    "\ud800",
    "a\ud800b",
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
    return _fused(schema_version_of(d))(d, now, derived)


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
        for derived in (True, False):
            if _fast_ok(changed, NOW, derived):
                assert schema_accepts(changed), (path, changed)
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


# -- mutation-heavy: many small edits of valid records, most of them resealed ---------------


#: Records to mutate: v2 with every member, v2 as the importer builds it, and their v1 forms.
def _seeds() -> list[dict[str, Any]]:
    full = v2_record()
    built = article_text_record(
        b"Body text, caf\xc3\xa9.\nLINK: https://news.example/a?id=3\nTAGS: one, Two",
        retrieved_at="2025-01-01T00:00:00.120Z",
        clock=lambda: NOW,
    )
    return [
        full,
        built,
        as_v1(ArchivedArticle.from_dict(full)),
        as_v1(ArchivedArticle.from_dict(built)),
    ]


_INSERTS = [
    "\n",
    " ",
    "\x00",
    "\x1e",
    "\x1d",
    "\u0301",
    "\u00a0",
    "é",
    "-",
    "0",
    "9",
    "Z",
    ":",
    ".",
    "/",
    "\ud800",
]


def _edit_text(rng: random.Random, s: str) -> str:
    """One small edit of a string: what a careless hand or a broken tool does."""
    i = rng.randrange(len(s) + 1)
    kind = rng.randrange(7)
    if kind == 0:
        return s + "\n"
    if kind == 1:
        return s[:i] + rng.choice(_INSERTS) + s[i:]
    if kind == 2 and s:
        return s[: max(i - 1, 0)] + s[i:]
    if kind == 3:
        return s.upper() if rng.random() < 0.5 else s.lower()
    if kind == 4 and s:
        j = min(i, len(s) - 1)
        return s[:j] + rng.choice("0123456789abcdefABCDEF") + s[j + 1 :]
    if kind == 5:
        return " " + s
    return s[:i]


def _mutate(rng: random.Random, d: dict[str, Any]) -> None:
    path = rng.choice(_paths(d)[1:])
    parent: Any = d
    for part in path[:-1]:
        parent = parent[part]
    value = parent[path[-1]]
    roll = rng.random()
    if roll < 0.5 and isinstance(value, str):
        parent[path[-1]] = _edit_text(rng, value)
    elif roll < 0.6 and isinstance(parent, dict):
        del parent[path[-1]]
    elif roll < 0.7 and isinstance(parent, dict):
        parent[rng.choice(ADDED_NAMES)] = rng.choice(SEMANTIC_VALUES + EDGE_VALUES)
    elif roll < 0.75 and isinstance(value, int) and not isinstance(value, bool):
        parent[path[-1]] = value + rng.choice([-1, 1, 100, 0.0])
    else:
        parent[path[-1]] = rng.choice(SEMANTIC_VALUES + EDGE_VALUES)


#: Mutated records per run; `FUSED_MUTATIONS=25000` for a longer run.
MUTATIONS = int(os.environ.get("FUSED_MUTATIONS", "5000"))


def test_fused_check_holds_over_many_mutations() -> None:
    rng = random.Random(20261206)
    seeds = _seeds()
    for seed in seeds:
        assert _fast_ok(seed, NOW, derived=True)
    answers = {True: 0, False: 0}
    for _ in range(MUTATIONS):
        d = copy.deepcopy(rng.choice(seeds))
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            _mutate(rng, d)
        if rng.random() < 0.8:
            _reseal(d, id_too=rng.random() < 0.5)
        for derived in (True, False):
            fast = _fast_ok(d, NOW, derived)
            answers[fast] += 1
            if fast:
                assert schema_accepts(d), d
                assert _full_check(d, derived) == [], d
    # Both answers are common: the mutations reach valid records, not only broken ones.
    assert min(answers.values()) > MUTATIONS // 10, answers


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/tags", ["a\nb"]),  # found by the mutations: one tag passed for two
        ("/tags", [""]),  # found by the mutations: one empty tag passed for none
        ("/tags", ["a", "b\x1ec"]),
        ("/retrieval/agent", "a\nb"),
        ("/provenance/0/agent", "a\x1db"),
        ("/provenance/0/detail", "x\x00"),
        ("/retrieval/agent", ["x"]),  # found by the mutations: formatted, not refused
        ("/tags", [["x"]]),
    ],
)
def test_a_separator_or_a_non_string_inside_a_value_is_refused(pointer: str, value: Any) -> None:
    d = copy.deepcopy(_seeds()[1])
    assert _fast_ok(d, NOW, derived=True)
    *parents, last = pointer.strip("/").split("/")
    target: Any = d
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    target[last] = value
    _reseal(d, id_too=False)
    for derived in (True, False):
        assert not _fast_ok(d, NOW, derived)
    assert validate(d, now=NOW) != []


def test_a_lone_surrogate_is_refused_when_the_derived_fields_are_not_checked() -> None:
    # The separate fast semantic pass said "no problem" here (derived=False, as for a
    # record just built): create() then failed later, in hashing, with a JSONError.
    d = copy.deepcopy(_seeds()[0])
    d["title"] = "a\ud800"
    assert not _fast_ok(d, NOW, derived=False)
    assert [(p.pointer, p.code) for p in _full_check(d, derived=False)] == [
        ("/title", "lone-surrogate")
    ]
    with pytest.raises(InvalidRecord) as info:
        ArchivedArticle.create(
            url="https://x.example/a", content="t", retrieved_at=NOW, title="a\ud800"
        )
    assert [p.pointer for p in info.value.problems] == ["/title"]


def test_the_retrieval_limit_follows_each_calls_clock() -> None:
    # The limit is cached per second of the clock given: an earlier clock after a
    # later one (or another thread's) still finds the retrieval in its future.
    d = _seeds()[0]  # retrieved 2025-05-06T08:00:00Z
    before = datetime(2025, 5, 6, 7, 0, tzinfo=UTC)
    for now in (before, NOW, before, before + timedelta(minutes=50), NOW):
        future = now + timedelta(minutes=5) < datetime(2025, 5, 6, 8, 0, tzinfo=UTC)
        assert _fast_ok(d, now, derived=True) is not future
        assert [p.code for p in validate(d, now=now)] == (["future-timestamp"] if future else [])
    # At the limit itself the fused check leaves the verdict to the full checker: valid.
    at_limit = before + timedelta(minutes=55)
    assert not _fast_ok(d, at_limit, derived=True)
    assert validate(d, now=at_limit) == []


def test_the_record_digest_copy_follows_the_derived_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    # `_derived_fields` copies the record and deletes `record_digest` and `content`:
    # a rule leaving out other members must stop the build, not pass unnoticed.
    schema = load_schema(version=2)
    assert _fastvalid.fused_check(schema, timedelta(minutes=5)) is not None
    monkeypatch.setattr(_fastvalid, "_NOT_DIGESTED", frozenset({"record_digest"}))
    with pytest.raises(ValueError, match="record_digest and content only"):
        _fastvalid.fused_check(schema, timedelta(minutes=5))


# -- what mutation testing found untested (tests/mutation.py _fastvalid) ---------------------


def _resealed(d: dict[str, Any]) -> dict[str, Any]:
    algorithm = Digest.parse(d["record_digest"]).algorithm
    d["record_digest"] = str(compute_record_digest(d, algorithm))
    return d


def _without_content(algorithm: str) -> dict[str, Any]:
    d = ArchivedArticle.create(
        url="https://example.com/a",
        content="Text.",
        retrieved_at="2025-01-01T00:00:00Z",
        algorithm=algorithm,
    ).to_dict()
    del d["content"]
    return _resealed(d)


_LANGUAGE = "x" + "-abcdefgh" * 40  # private-use subtags: well-formed at any length


def _at_the_limits(status: str = "max") -> dict[str, Any]:
    """A valid record whose members sit exactly at the schema's limits (statuses: low or high)."""
    schema = load_schema(2)
    defs, props = schema["$defs"], schema["properties"]
    hop = defs["http_facts"]["properties"]["redirects"]["items"]["properties"]["status"]
    base = "https://example.com/"
    long_url = base + "a" * (defs["http_url"]["maxLength"] - len(base))
    d = ArchivedArticle.create(
        url=long_url,
        content="Text.",
        retrieved_at="2025-01-01T00:00:00Z",
        tags=["x" * defs["label"]["maxLength"], "y"],
        language=_LANGUAGE[: props["language"]["maxLength"]],
        retrieval=Retrieval(
            "http",
            via=long_url,
            http=HttpFacts(
                final_url=long_url,
                status=defs["http_status"]["maximum" if status == "max" else "minimum"],
                redirects=[
                    Redirect(long_url, hop["minimum"]),
                    Redirect(long_url, hop["maximum"]),
                ],
            ),
        ),
    ).to_dict()
    del d["content"]
    d["content_length"] = props["content_length"]["maximum"]
    d["media_type"] = "text/plain" + "x" * (props["media_type"]["maxLength"] - 10)
    return _resealed(d)


def _bare_http() -> dict[str, Any]:
    """Format v2's `retrieval.http` with its required members only."""
    return ArchivedArticle.create(
        url="https://example.com/a",
        content="Text.",
        retrieved_at="2025-01-01T00:00:00Z",
        retrieval=Retrieval("http", http=HttpFacts(final_url="https://example.com/a", status=200)),
    ).to_dict()


def _required_only() -> dict[str, Any]:
    d = _without_content("sha256")
    required = set(load_schema(2)["required"])
    assert d.keys() == required
    return d


@pytest.mark.parametrize(
    "make",
    [
        _required_only,
        lambda: _without_content("sha512"),
        _at_the_limits,
        lambda: _at_the_limits("min"),
        _bare_http,
    ],
    ids=[
        "required-members-only",
        "sha512-without-content",
        "at-the-limits",
        "lowest-status",
        "http-required-members-only",
    ],
)
def test_valid_records_at_the_edges_take_the_fused_path(make: Callable[[], dict[str, Any]]) -> None:
    # Declining is never wrong, only slow; but these are common or plain valid records.
    d = make()
    assert validate(d, now=NOW) == []
    for derived in (True, False):
        assert _fast_ok(d, NOW, derived)


def test_the_seeds_take_the_fused_path_when_the_derived_fields_are_not_checked() -> None:
    for seed in _seeds():
        assert _fast_ok(seed, NOW, derived=False)  # as for every record create() builds


def test_without_content_the_id_is_still_checked_against_the_declared_digest() -> None:
    d = _without_content("sha256")
    d["id"] = "0" * 64
    _resealed(d)
    assert not _fast_ok(d, NOW, derived=True)
    assert [(p.pointer, p.code) for p in validate(d, now=NOW)] == [("/id", "id-mismatch")]


@pytest.mark.parametrize(
    ("published", "retrieved"),
    [("00.5Z", "00.1Z"), ("00.55Z", "00.5Z"), ("00.000000002Z", "00.000000001Z"), ("01Z", "00.9Z")],
)
def test_a_publication_a_fraction_of_a_second_after_retrieval_is_seen(
    published: str, retrieved: str
) -> None:
    d = ArchivedArticle.create(
        url="https://example.com/a",
        content="Text.",
        retrieved_at="2025-01-01T00:00:" + retrieved,
        published_at="2025-01-01T00:00:" + published,
    ).to_dict()
    assert not _fast_ok(d, NOW, derived=True)
    assert [(p.pointer, p.code) for p in validate(d, now=NOW)] == [
        ("/published_at", "published-after-retrieved")
    ]


def test_a_retrieval_up_to_the_clock_skew_ahead_takes_the_fused_path() -> None:
    d = _seeds()[0]  # retrieved 2025-05-06T08:00:00Z; the skew is 5 minutes
    assert _fast_ok(d, datetime(2025, 5, 6, 7, 56, tzinfo=UTC), derived=True)
    # the limit is 08:00:01 here: a whole second short of it is still the fused path's
    assert _fast_ok(d, datetime(2025, 5, 6, 7, 55, 1, tzinfo=UTC), derived=True)


def test_the_first_clock_seen_at_the_epoch_is_not_mistaken_for_the_empty_cache() -> None:
    # The cache starts as (second -1, limit ""): a clock whose limit second is -1 gets ""
    # (decline), never a limit that would let any retrieval through.
    check = fused_check(load_schema(2), CLOCK_SKEW)
    epoch = datetime(1969, 12, 31, 23, 55, tzinfo=UTC)
    assert check(_seeds()[0], epoch, True) is False


def test_the_retrieval_limit_is_utc_whatever_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = _seeds()[0]  # retrieved 2025-05-06T08:00:00Z
    an_hour_before = datetime(2025, 5, 6, 7, 0, tzinfo=UTC)
    try:
        monkeypatch.setenv("TZ", "JST-9")  # POSIX form: no tzdata needed
        time.tzset()
        check = fused_check(load_schema(2), CLOCK_SKEW)
        assert check(d, an_hour_before, True) is False
        assert check(d, an_hour_before + timedelta(hours=1), True) is True
    finally:
        monkeypatch.undo()
        time.tzset()


def _label_rule(schema: dict[str, Any], pattern: str) -> None:
    schema["$defs"]["label"]["not"]["pattern"] = pattern


def _text_rule(schema: dict[str, Any], where: str) -> None:
    target = schema["$defs"]["text"] if where == "text" else schema["properties"]["title"]
    target["not"]["pattern"] = "\\u0001"


def _redirect_member(schema: dict[str, Any], _: str) -> None:
    hop = schema["$defs"]["http_facts"]["properties"]["redirects"]["items"]
    hop["properties"]["via"] = {"type": "string"}


@pytest.mark.parametrize(
    ("change", "argument", "message"),
    [
        (_label_rule, "[\\u0000-\\u001f", "the label rule is not a character class: "),
        (_label_rule, "\\u0000-\\u001f]", "the label rule is not a character class: "),
        (_text_rule, "text", "text is expected to forbid NUL only"),
        (_text_rule, "title", "text is expected to forbid NUL only"),
        (_redirect_member, "", "a redirect is expected to have its required members only"),
    ],
)
def test_a_schema_the_fused_check_cannot_mirror_is_refused(
    change: Callable[[dict[str, Any], str], None], argument: str, message: str
) -> None:
    # Built from the schema, it must never silently check less than the schema says.
    schema = copy.deepcopy(load_schema(2))
    change(schema, argument)
    expected = message + repr(argument) if message.endswith(": ") else message
    with pytest.raises(ValueError, match="^" + re.escape(expected) + "$"):
        fused_check(schema, CLOCK_SKEW)


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/retrieval/http/redirects", {}),
        ("/retrieval/http/redirects", ""),
        ("/language", _LANGUAGE[:256]),
    ],
)
def test_a_v2_member_the_schema_refuses_is_never_passed(pointer: str, value: Any) -> None:
    d = _at_the_limits()
    assert _fast_ok(d, NOW, derived=True)
    *parents, last = pointer.strip("/").split("/")
    target: Any = d
    for part in parents:
        target = target[part]
    target[last] = value
    _resealed(d)
    for derived in (True, False):
        assert not _fast_ok(d, NOW, derived)
    assert (pointer, "error") in {(p.pointer, p.severity) for p in validate(d, now=NOW)}
