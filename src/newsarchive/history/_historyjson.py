"""The `history --json` shape (format history-v1, schemas/history-v1.schema.json)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsarchive.history._summary import PairSummary
    from newsarchive.history._timeline import History, TimelineEntry

__all__ = ["HISTORY_SCHEMA_ID", "history_to_json"]

HISTORY_SCHEMA_ID = "urn:newsarchive:schema:history:v1"


def _change(s: PairSummary, previous_id: str | None) -> dict[str, Any]:
    return {
        "previous_id": previous_id,
        "verdict": s.verdict,
        "words_added": s.words_added,
        "words_removed": s.words_removed,
        "headline_changed": s.headline_changed,
        "byline_changed": s.byline_changed,
        "stealth_edit": s.stealth_edit,
        "substantive_changes": s.substantive_changes,
        "cosmetic_changes": s.cosmetic_changes,
        "ignored_changes": s.ignored_changes,
        "labels": list(s.labels),
    }


def _entry(e: TimelineEntry) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "at": e.at,
        "id": e.record_id,
        "short_id": e.short_id,
        "content_digest": e.content_digest,
        "record_digest": e.record_digest,
        "title": e.title,
        "detail": e.detail,
        "change": None if e.change is None else _change(e.change, e.previous_id),
    }


def history_to_json(h: History) -> dict[str, Any]:
    """A JSON-ready dict of a history: every entry, oldest first; the phrase's spans."""
    phrase = None
    if h.phrase is not None:
        phrase = {
            "text": h.phrase,
            "spans": [
                {
                    "appeared_at": s.appeared_at,
                    "appeared_id": s.appeared_id,
                    "vanished_at": s.vanished_at,
                    "vanished_id": s.vanished_id,
                }
                for s in h.phrase_spans
            ],
        }
    return {
        "history_version": 1,
        "key": h.key,
        "captures": len(h.captures),
        "entries": [_entry(e) for e in h.entries],
        "phrase": phrase,
    }
