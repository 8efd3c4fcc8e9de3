"""The human lines of `history URL` and `changes` (history._historytext)."""

from __future__ import annotations

from newsarchive.history import (
    build_history,
    changed_pair_text,
    changed_pairs,
    history_text,
)
from tests.test_history_timeline import EVENTS, V1, V2, V3, V4, rec


def test_history_text_has_a_line_per_entry() -> None:
    h = build_history([V4, V3, V2, V1], events=EVENTS, text="roads are closed")
    lines = history_text(h).splitlines()
    assert lines[0] == f"{V1['url']}: 4 captures"
    assert lines[1] == f"{V1['retrieved_at']}  {'1' * 12}  first capture  'Storm hits coast'"
    assert lines[2] == (
        f"{V2['retrieved_at']}  {'2' * 12}  changed: +1/-1 words, stealth edit (number)"
        "  'Storm hits coast'"
    )
    assert lines[3] == (
        f"2026-01-02T00:00:00Z  {'2' * 12}  vanished (404/410): "
        "https://news.example/2026/storm: 404: the page vanished"
    )
    assert lines[4] == f"{V3['retrieved_at']}  {'3' * 12}  back after vanishing"
    assert lines[5].startswith(f"{V3['retrieved_at']}  {'3' * 12}  cosmetic only")
    assert "headline changed" in lines[6]
    assert "stealth edit" not in lines[6]
    assert lines[7].endswith("recaptured, no new record: recaptured: content unchanged")
    assert lines[8] == (
        f"phrase 'roads are closed': appeared {V1['retrieved_at']} ({'1' * 12}), "
        f"vanished {V4['retrieved_at']} ({'4' * 12})"
    )
    assert len(lines) == 9


def test_titles_and_details_cannot_forge_lines() -> None:
    a = rec(1, "2026-01-01T00:00:00Z", "one", title="A\nforged line\x1b[2J")
    gone = {"type": "capture", "at": "2026-01-02T00:00:00Z", "outcome": "failure",
            "detail": "404\nfake"}  # fmt: skip
    text = history_text(build_history([a], events=[gone], text="nowhere"))
    assert text.count("\n") == 4  # heading, capture, vanished, phrase
    assert "\\x1b" in text
    assert "phrase 'nowhere': in no capture" in text
    assert "still there" in history_text(build_history([a], text="one"))


def test_changed_pair_line_names_both_captures() -> None:
    (pair,) = changed_pairs([build_history([V1, V2])])
    line = changed_pair_text(pair)
    assert line == (
        f"{V2['retrieved_at']}  {V1['url']}  changed: +1/-1 words, stealth edit (number)  "
        f"{V1['id']} {V1['content_digest']} -> {V2['id']} {V2['content_digest']}"
    )
