"""The `--json` shape of a diff (format diff-v1, schemas/diff-v1.schema.json)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.history._summary import summarize

if TYPE_CHECKING:
    from newsarchive.history._model import Capture, Diff

__all__ = ["DIFF_SCHEMA_ID", "capture_json", "to_json_dict"]

DIFF_SCHEMA_ID = "urn:newsarchive:schema:diff:v1"


def capture_json(c: Capture, content: str) -> dict[str, Any]:
    """One capture as the JSON shapes name it (diff-v1 `a`/`b`, history, changes)."""
    return {
        "id": c.id,
        "label": c.label,
        "url": c.url,
        "retrieved_at": c.retrieved_at,
        "title": c.title,
        "content_digest": c.content_digest,
        "record_digest": c.record_digest,
        "content_length": len(content),
    }


def to_json_dict(d: Diff) -> dict[str, Any]:
    """A JSON-ready dict: every change (cosmetic and ignored ones too, marked) with offsets."""
    s = summarize(d)
    return {
        "diff_version": 1,
        "a": capture_json(d.a, d.a_content),
        "b": capture_json(d.b, d.b_content),
        "identical": d.identical,
        "substantive": d.substantive,
        "stealth_edit": s.stealth_edit,
        "summary": {
            "verdict": s.verdict,
            "words_added": s.words_added,
            "words_removed": s.words_removed,
            "headline_changed": s.headline_changed,
            "byline_changed": s.byline_changed,
            "substantive_changes": s.substantive_changes,
            "cosmetic_changes": s.cosmetic_changes,
            "ignored_changes": s.ignored_changes,
            "labels": list(s.labels),
        },
        "metadata": [
            {"field": m.field, "a": m.a, "b": m.b, "cosmetic": m.cosmetic, "labels": list(m.labels)}
            for m in d.metadata
        ],
        "changes": [
            {
                "op": c.op,
                "kind": c.kind,
                "a_start": c.a_start,
                "a_end": c.a_end,
                "b_start": c.b_start,
                "b_end": c.b_end,
                "a_text": c.a_text,
                "b_text": c.b_text,
                "reasons": list(c.reasons),
                "labels": list(c.labels),
                "words_added": c.words_added,
                "words_removed": c.words_removed,
            }
            for c in d.changes
        ],
    }
