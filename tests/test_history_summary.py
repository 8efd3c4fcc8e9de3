"""Pair summaries, stealth edits and phrase timelines (history._summary)."""

from __future__ import annotations

import pytest

from newsarchive.history import diff, is_stealth_edit, phrase_timeline, summarize


def _rec(content: str, title: str = "Storm hits coast") -> dict[str, object]:
    return {"id": "x" * 64, "content": content, "title": title, "tags": []}


def test_unchanged_cosmetic_changed() -> None:
    assert summarize(diff("a b", "a b")).verdict == "unchanged"
    s = summarize(diff("a b", "a\nb"))
    assert (s.verdict, s.cosmetic_only, s.cosmetic_changes) == ("cosmetic-only", True, 1)
    s = summarize(diff("The storm left 7 dead.", "The storm left 12 dead today."))
    assert s.verdict == "changed"
    assert (s.words_added, s.words_removed, s.words_changed) == (2, 1, 3)
    assert s.labels == ("number", "wording")


def test_stealth_edit_in_body() -> None:
    d = diff("The storm left 7 dead.", "The storm left 12 dead.")
    assert is_stealth_edit(d)
    assert summarize(d).stealth_edit


def test_change_with_a_correction_notice_is_not_stealth() -> None:
    d = diff(
        "The storm left 7 dead.",
        "The storm left 12 dead.\n\nCorrection: an earlier version gave the toll as 7.",
    )
    assert d.substantive
    assert not is_stealth_edit(d)


def test_headline_only_change_is_stealth() -> None:
    d = diff(_rec("Body."), _rec("Body.", title="Storm kills 12"))
    assert d.headline_changed
    assert is_stealth_edit(d)
    s = summarize(d)
    assert s.headline_changed
    assert s.labels == ("headline",)


def test_cosmetic_changes_are_never_stealth() -> None:
    d = diff(_rec("He said “no”."), _rec('He said "no".', title="Storm  hits coast"))
    assert not d.substantive
    assert not is_stealth_edit(d)


def test_phrase_timeline() -> None:
    captures = [
        ("2026-01-01T00:00:00Z", "r1", "The mayor spoke."),
        ("2026-01-01T01:00:00Z", "r2", "The mayor spoke. Police \u201cdeny wrongdoing\u201d."),
        ("2026-01-01T02:00:00Z", "r3", 'The mayor spoke. Police "deny\nwrongdoing".'),
        ("2026-01-01T03:00:00Z", "r4", "The mayor spoke."),
        ("2026-01-01T04:00:00Z", "r5", "Police DENY wrongdoing, mayor says."),
    ]
    spans = phrase_timeline(captures, '"deny wrongdoing"')
    assert [(s.appeared_id, s.vanished_id) for s in spans] == [("r2", "r4")]
    spans = phrase_timeline(captures, "deny wrongdoing")
    assert [(s.appeared_id, s.vanished_id, s.vanished_at) for s in spans] == [
        ("r2", "r4", "2026-01-01T03:00:00Z"),
        ("r5", None, None),
    ]
    assert phrase_timeline(captures, "absent phrase") == ()
    assert phrase_timeline(captures, "  ") == ()


def test_phrase_timeline_folds_each_distinct_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsarchive.history import _summary

    calls: list[str] = []
    real = _summary._folded

    def counting(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(_summary, "_folded", counting)
    texts = ["the storm", "the storm", "calm", "the storm", "calm"]
    spans = phrase_timeline([(f"t{n}", f"id{n}", t) for n, t in enumerate(texts)], "storm")
    assert [(s.appeared_id, s.vanished_id) for s in spans] == [("id0", "id2"), ("id3", "id4")]
    assert sorted(calls) == sorted(["storm", "the storm", "calm"])
