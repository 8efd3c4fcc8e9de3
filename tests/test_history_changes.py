"""The change listing across histories (history._changes): what is listed, in which order."""

from __future__ import annotations

from newsarchive.history import History, build_history, changed_pair_json, changed_pairs
from newsarchive.timestamps import Timestamp
from tests.test_history_timeline import V1, V2, V3, V4, rec

BRIDGE = {"url": "https://news.example/bridge", "canonical_url": "https://news.example/bridge"}
OTHER_A = rec(5, "2026-01-02T00:00:00Z", "Officials said the bridge is safe.", **BRIDGE)
OTHER_B = rec(
    6, "2026-01-04T00:00:00Z", "Officials said the bridge is safe. Engineers disagree strongly."
)


def _histories() -> list[History]:
    return [build_history([V1, V2, V3, V4]), build_history([OTHER_B, OTHER_A])]


def test_changed_pairs_largest_first_cosmetic_left_out() -> None:
    pairs = changed_pairs(_histories())
    ids = [(p.diff.a.id, p.diff.b.id) for p in pairs]
    # V2 -> V3 is cosmetic only: not listed.
    assert (V2["id"], V3["id"]) not in ids
    assert set(ids) == {(V1["id"], V2["id"]), (V3["id"], V4["id"]), (OTHER_A["id"], OTHER_B["id"])}
    changed = [p.summary.words_changed for p in pairs]
    assert changed == sorted(changed, reverse=True)
    assert pairs[-1].diff.b.id == V2["id"]  # one word replaced: the smallest
    assert pairs[-1].stealth_edit
    assert {p.key for p in pairs} == {V1["url"], BRIDGE["url"]}
    v4 = next(p for p in pairs if p.diff.b.id == V4["id"])
    assert not v4.stealth_edit  # the correction notice was added with it


def test_stealth_only_and_window_on_the_later_capture() -> None:
    stealth = changed_pairs(_histories(), stealth_only=True)
    assert {p.diff.b.id for p in stealth} == {V2["id"], OTHER_B["id"]}
    since = Timestamp.parse("2026-01-04T00:00:00Z")  # inclusive
    assert {p.diff.b.id for p in changed_pairs(_histories(), since=since)} == {
        OTHER_B["id"],
        V4["id"],
    }
    until = Timestamp.parse("2026-01-04T00:00:00Z")  # inclusive
    assert {p.diff.b.id for p in changed_pairs(_histories(), until=until)} == {
        V2["id"],
        OTHER_B["id"],
    }


def test_ties_put_the_newest_first() -> None:
    a = rec(1, "2026-01-01T00:00:00Z", "one two three")
    b = rec(2, "2026-01-02T00:00:00Z", "one four three")
    c = rec(3, "2026-01-03T00:00:00Z", "one five three")
    (newer, older) = changed_pairs([build_history([a, b, c])])
    assert (newer.diff.b.id, older.diff.b.id) == (c["id"], b["id"])


def test_pair_json_has_both_ids_and_digests() -> None:
    (pair,) = changed_pairs([build_history([V1, V2])])
    data = changed_pair_json(pair)
    assert data["key"] == V1["canonical_url"]
    assert (data["a"]["id"], data["b"]["id"]) == (V1["id"], V2["id"])
    assert data["a"]["content_digest"] == V1["content_digest"]
    assert data["b"]["record_digest"] == V2["record_digest"]
    assert data["stealth_edit"] is True
    assert (data["words_added"], data["words_removed"], data["words_changed"]) == (1, 1, 2)
    assert "number" in data["labels"]
