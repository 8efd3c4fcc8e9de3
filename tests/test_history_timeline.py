"""One article's history without a store (history._timeline): order, changes, events."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.history import (
    DiffError,
    IgnoreRules,
    build_history,
    history_key,
    is_vanished_event,
)
from newsarchive.record import ArchivedArticle
from tests.strategies import diff_tokens

URL = "https://news.example/2026/storm"


def rec(
    n: int, at: str, content: str, title: str = "Storm hits coast", **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"{n}" * 64,
        "url": URL,
        "canonical_url": URL,
        "retrieved_at": at,
        "title": title,
        "content_digest": f"sha256:{n:064d}",
        "record_digest": f"sha256:{n + 1:064d}",
        "content": content,
        **extra,
    }


V1 = rec(1, "2026-01-01T00:00:00Z", "By Jane Doe\nThe storm left 7 dead.\nRoads are closed.")
V2 = rec(2, "2026-01-01T06:00:00Z", "By Jane Doe\nThe storm left 12 dead.\nRoads are closed.")
V3 = rec(
    3,
    "2026-01-03T00:00:00Z",
    "By Jane Doe\nThe storm left 12 dead.\nRoads  are closed.",
)
V4 = rec(
    4,
    "2026-01-05T00:00:00Z",
    "By Jane Doe\nThe storm left 12 dead.\nRoads are open again.\n"
    "Correction: An earlier version of this article misstated the toll.",
    title="Storm toll rises to 12",
)


def ev(
    at: str, outcome: str, detail: object, record_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    return {"type": "capture", "record_id": record_id, "at": at, "agent": "t", "outcome": outcome,
            "detail": detail, **kw}  # fmt: skip


EVENTS = [
    ev("2026-01-02T00:00:00Z", "failure", "https://news.example/2026/storm: 404: the page vanished",
       V2["id"]),
    ev("2026-01-02T06:00:00Z", "failure", {"reason": "timeout", "status": None}, V2["id"]),
    ev("2026-01-02T12:00:00Z", "failure", {"status": 410, "reason": "gone"}, V2["id"]),
    ev("2026-01-06T00:00:00Z", "success", "recaptured: content unchanged", V4["id"]),
    {"type": "fixity-check", "record_id": None, "at": "2026-01-07T00:00:00Z", "outcome": "failure",
     "detail": "404"},
]  # fmt: skip


def test_timeline_is_oldest_first_with_changes_and_events() -> None:
    records = [V4, V2, V3, V1]  # any order
    h = build_history(records, events=EVENTS)
    assert h.key == URL
    kinds = [(e.kind, e.at) for e in h.entries]
    assert kinds == [
        ("capture", V1["retrieved_at"]),
        ("capture", V2["retrieved_at"]),
        ("vanished", "2026-01-02T00:00:00Z"),  # the timeout says nothing; the 410 repeats it
        ("back", V3["retrieved_at"]),
        ("capture", V3["retrieved_at"]),
        ("capture", V4["retrieved_at"]),
        ("recapture", "2026-01-06T00:00:00Z"),
    ]
    first, second, _, back, third, fourth, again = h.entries
    assert first.change is None
    assert first.short_id == "1" * 12
    assert (first.content_digest, first.title) == (V1["content_digest"], V1["title"])
    assert second.change is not None
    assert second.previous_id == V1["id"]
    assert second.change.verdict == "changed"
    assert (second.change.words_added, second.change.words_removed) == (1, 1)
    assert "number" in second.change.labels
    assert second.change.stealth_edit
    assert back.record_id == V3["id"]
    assert third.change is not None
    assert third.change.verdict == "cosmetic-only"
    assert fourth.change is not None
    assert fourth.change.headline_changed
    assert not fourth.change.stealth_edit  # a correction notice came with it
    assert again.detail == "recaptured: content unchanged"
    assert len(h.diffs) == 3
    assert [d.b.id for d in h.diffs] == [V2["id"], V3["id"], V4["id"]]


def test_unchanged_recapture_stored_as_a_record() -> None:
    again = {**V1, "id": "9" * 64, "retrieved_at": "2026-01-01T01:00:00Z"}
    h = build_history([V1, again])
    assert h.captures[1].change is not None
    assert h.captures[1].change.verdict == "unchanged"


def test_the_event_of_a_stored_capture_is_not_listed_twice() -> None:
    own = ev(V2["retrieved_at"], "success", "captured", V2["id"])
    h = build_history([V1, V2], events=[own])
    assert [e.kind for e in h.entries] == ["capture", "capture"]


def test_a_success_event_after_vanishing_is_back() -> None:
    gone = ev("2026-01-02T00:00:00Z", "failure", "404", V1["id"])
    ok = ev("2026-01-02T01:00:00Z", "success", "fetched, unchanged", V1["id"])
    h = build_history([V1], events=[gone, ok])
    assert [e.kind for e in h.entries] == ["capture", "vanished", "back"]


def test_same_instant_captures_come_before_events_and_fractions_order_exactly() -> None:
    a = rec(1, "2026-01-01T00:00:00.5Z", "one")
    b = rec(2, "2026-01-01T00:00:00.25Z", "two")  # earlier, though it sorts later as text
    gone = ev("2026-01-01T00:00:00.5Z", "failure", "404")
    h = build_history([a, b], events=[gone])
    assert [(e.kind, e.record_id) for e in h.entries] == [
        ("capture", b["id"]),
        ("capture", a["id"]),
        ("vanished", None),
    ]


@pytest.mark.parametrize(
    ("detail", "vanished"),
    [
        ("https://x.example/a: 404: the page vanished", True),
        ("HTTP 410 Gone", True),
        ("not-found", True),
        ({"status": 404}, True),
        ({"reason": "gone"}, True),
        ("timeout after 4040 ms", False),
        ("HTTP 500", False),
        ("version 1.404", False),
        ({"status": 500, "reason": "http-status"}, False),
        (None, False),
    ],
)
def test_vanished_rule(detail: object, vanished: bool) -> None:
    assert is_vanished_event(ev("2026-01-01T00:00:00Z", "failure", detail)) is vanished
    assert not is_vanished_event(ev("2026-01-01T00:00:00Z", "success", detail))
    assert not is_vanished_event({**ev("2026-01-01T00:00:00Z", "failure", detail), "type": "x-y"})


def test_history_key_is_the_canonical_url_or_the_wayback_original() -> None:
    assert history_key(V1) == URL
    snapshot = "https://web.archive.org/web/20260101000000/"
    wayback = {
        **V1,
        "url": snapshot + "https://News.Example:443/2026/storm?utm_source=x",
        "canonical_url": snapshot + "https://news.example/2026/storm",
    }
    assert history_key(wayback) == URL
    assert history_key({"url": "https://News.Example/2026/storm"}) == URL
    assert history_key({"url": "not a url"}) is None
    assert history_key({}) is None


def test_records_may_be_archived_articles() -> None:
    one = ArchivedArticle.create(
        url=URL, content="The storm left 7 dead.", retrieved_at=V1["retrieved_at"]
    )
    two = ArchivedArticle.create(
        url=URL, content="The storm left 12 dead.", retrieved_at=V2["retrieved_at"]
    )
    h = build_history([two, one])
    assert [e.record_id for e in h.captures] == [one.id, two.id]
    assert h.captures[0].content_digest == str(one.content_digest)
    assert h.key == URL


def test_phrase_spans_are_in_the_history() -> None:
    h = build_history([V3, V1, V2, V4], text="roads are closed")
    assert h.phrase == "roads are closed"
    assert [(s.appeared_id, s.vanished_id) for s in h.phrase_spans] == [(V1["id"], V4["id"])]


def test_bad_inputs_raise_diff_errors() -> None:
    with pytest.raises(DiffError) as caught:
        build_history([V1, {**V2, "content": None}])
    assert caught.value.code == "no-content"
    with pytest.raises(DiffError) as caught:
        build_history([{**V1, "retrieved_at": "yesterday"}])
    assert caught.value.code == "bad-time"
    with pytest.raises(DiffError) as caught:
        build_history([{**V1, "content": None}], text="storm")
    assert caught.value.code == "no-content"


def test_rules_apply_to_every_pair() -> None:
    a = rec(1, "2026-01-01T00:00:00Z", "Updated 2 minutes ago\nText.")
    b = rec(2, "2026-01-01T01:00:00Z", "Updated 9 minutes ago\nText.")
    assert build_history([a, b]).captures[1].change.verdict == "changed"  # type: ignore[union-attr]
    rules = IgnoreRules.from_patterns([r"^Updated \d+ minutes? ago$"])
    h = build_history([a, b], rules=rules)
    assert h.captures[1].change.verdict == "cosmetic-only"  # type: ignore[union-attr]


@given(st.lists(diff_tokens(), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_any_order_gives_the_same_history(versions: list[list[str]], rnd: random.Random) -> None:
    records = [
        rec(n + 1, f"2026-01-0{n + 1}T00:00:00Z", "".join(v)) for n, v in enumerate(versions)
    ]
    h = build_history(records)
    shuffled = records[:]
    rnd.shuffle(shuffled)
    assert build_history(shuffled) == h
    assert [e.record_id for e in h.entries] == [r["id"] for r in records]
    assert len(h.diffs) == len(records) - 1


def test_an_archive_copy_taken_after_the_404_does_not_make_it_back() -> None:
    gone = ev("2026-01-02T00:00:00Z", "failure", "404", V1["id"])
    wayback = {**V2, "retrieved_at": "2026-01-03T00:00:00Z",
               "retrieval": {"method": "wayback", "agent": "t", "notes": []}}  # fmt: skip
    live = {**V3, "retrieved_at": "2026-01-04T00:00:00Z",
            "retrieval": {"method": "http", "agent": "t", "notes": []}}  # fmt: skip
    h = build_history([V1, wayback, live], events=[gone])
    assert [(e.kind, e.record_id) for e in h.entries] == [
        ("capture", V1["id"]),
        ("vanished", V1["id"]),
        ("capture", V2["id"]),
        ("back", V3["id"]),
        ("capture", V3["id"]),
    ]


def test_content_digest_is_computed_when_the_record_lacks_it() -> None:
    a = {k: v for k, v in V1.items() if k != "content_digest"}
    b = {k: v for k, v in V2.items() if k != "content_digest"}
    h = build_history([a, b])
    digests = [e.content_digest for e in h.captures]
    assert digests == [
        "sha256:" + hashlib.sha256(r["content"].encode()).hexdigest() for r in (V1, V2)
    ]
