"""The human output of `history URL` and `changes`: one line per entry or pair.

Every text from a record or an event (titles, details, URLs) goes through
`printable`, so it cannot forge a line of output or send a terminal escape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsarchive.errors import printable

if TYPE_CHECKING:
    from newsarchive.history._changes import ChangedPair
    from newsarchive.history._summary import PairSummary
    from newsarchive.history._timeline import History, TimelineEntry

__all__ = ["change_words", "changed_pair_text", "history_text"]

_EVENTS = {
    "vanished": "vanished (404/410)",
    "back": "back after vanishing",
    "recapture": "recaptured, no new record",
}


def change_words(s: PairSummary) -> str:
    """What changed, in words: `changed: +1/-1 words, headline changed, stealth edit
    (number)`, `cosmetic only`, `unchanged`."""
    if s.verdict == "unchanged":
        return "unchanged"
    if s.verdict == "cosmetic-only":
        return "cosmetic only"
    parts = [f"changed: +{s.words_added}/-{s.words_removed} words"]
    if s.headline_changed:
        parts.append("headline changed")
    if s.byline_changed:
        parts.append("byline changed")
    if s.stealth_edit:
        parts.append("stealth edit")
    labels = f" ({', '.join(s.labels)})" if s.labels else ""
    return ", ".join(parts) + labels


def _entry(e: TimelineEntry) -> str:
    who = e.short_id or "-"
    if e.kind == "capture":
        what = "first capture" if e.change is None else change_words(e.change)
        title = f"  {e.title!r}" if e.title else ""
        return printable(f"{e.at}  {who}  {what}{title}")
    detail = f": {e.detail}" if e.detail else ""
    return printable(f"{e.at}  {who}  {_EVENTS[e.kind]}{detail}")


def history_text(h: History) -> str:
    """The timeline as lines: a heading, one line per entry, then the phrase's spans."""
    n = len(h.captures)
    lines = [printable(f"{h.key or 'article'}: {n} capture{'s' if n != 1 else ''}")]
    lines.extend(_entry(e) for e in h.entries)
    if h.phrase is not None:
        phrase = f"phrase {h.phrase!r}"
        if not h.phrase_spans:
            lines.append(printable(f"{phrase}: in no capture"))
        for s in h.phrase_spans:
            gone = (
                f"vanished {s.vanished_at} ({s.vanished_id[:12]})"
                if s.vanished_at is not None and s.vanished_id is not None
                else "still there"
            )
            lines.append(
                printable(f"{phrase}: appeared {s.appeared_at} ({s.appeared_id[:12]}), {gone}")
            )
    return "\n".join(lines) + "\n"


def changed_pair_text(p: ChangedPair) -> str:
    """One line for `changes`: when, which article, what changed, and both captures'
    record ids and content digests so the claim can be checked."""
    a, b = p.diff.a, p.diff.b
    return printable(
        f"{b.retrieved_at or '-'}  {p.key or '-'}  {change_words(p.summary)}  "
        f"{a.id or '-'} {a.content_digest} -> {b.id or '-'} {b.content_digest}"
    )
