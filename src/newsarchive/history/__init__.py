"""Word-level diffs of article captures, with exact offsets, noise rules and change labels.

Pure functions over record dicts and texts (no store, no I/O besides reading a
rules file):

- `diff(a, b, rules=...)` -> `Diff`: every content change in order with its
  code-point offsets in both versions; cosmetic changes (whitespace, line
  wrapping, canonical Unicode equivalence, quote and dash style) and changes in
  lines matched by ignore rules are listed too, marked; metadata apart.
- `summarize(diff)` -> `PairSummary`, `is_stealth_edit(diff)`,
  `phrase_timeline(captures, phrase)`.
- `to_json_dict(diff)` (schemas/diff-v1.schema.json), `render_html(diffs)`.
- `apply_changes(a, changes)` re-applies a diff's changes to A, giving B.
- `build_history(records, events=...)` -> `History`: one article's timeline without a
  store (captures, what changed between consecutive ones, vanished / back events);
  `history_key(record)`, `history_to_json`, `history_text`, `render_history_html`.
- `changed_pairs(histories, since=..., until=..., stealth_only=...)`: the changed
  consecutive captures, largest first (the `changes` listing).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from newsarchive.history._changes import ChangedPair, changed_pair_json, changed_pairs
from newsarchive.history._diff import DiffInput, diff, diff_texts
from newsarchive.history._engine import apply_changes
from newsarchive.history._historyjson import HISTORY_SCHEMA_ID, history_to_json
from newsarchive.history._historytext import change_words, changed_pair_text, history_text
from newsarchive.history._html import render_history_html, render_html
from newsarchive.history._jsonshape import DIFF_SCHEMA_ID, to_json_dict
from newsarchive.history._model import Capture, Change, ChangeKind, Diff, MetadataChange, Op
from newsarchive.history._rules import DiffError, IgnoreRules, load_ignore_rules
from newsarchive.history._summary import (
    PairSummary,
    PhraseSpan,
    is_stealth_edit,
    phrase_timeline,
    summarize,
)
from newsarchive.history._timeline import (
    EntryKind,
    History,
    TimelineEntry,
    build_history,
    history_key,
    is_vanished_event,
)

__all__ = [
    "DIFF_SCHEMA_ID",
    "HISTORY_SCHEMA_ID",
    "Capture",
    "Change",
    "ChangeKind",
    "ChangedPair",
    "Diff",
    "DiffError",
    "DiffInput",
    "EntryKind",
    "History",
    "IgnoreRules",
    "MetadataChange",
    "Op",
    "PairSummary",
    "PhraseSpan",
    "TimelineEntry",
    "apply_changes",
    "build_history",
    "change_words",
    "changed_pair_json",
    "changed_pair_text",
    "changed_pairs",
    "diff",
    "diff_texts",
    "history_key",
    "history_text",
    "history_to_json",
    "is_stealth_edit",
    "is_vanished_event",
    "load_diff_schema",
    "load_history_schema",
    "load_ignore_rules",
    "phrase_timeline",
    "render_history_html",
    "render_html",
    "summarize",
    "to_json_dict",
]


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("newsarchive").joinpath(f"schemas/{name}").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_diff_schema() -> dict[str, Any]:
    """The JSON Schema of `to_json_dict` output (shipped in the package)."""
    return _schema("diff-v1.schema.json")


def load_history_schema() -> dict[str, Any]:
    """The JSON Schema of `history_to_json` output (shipped in the package)."""
    return _schema("history-v1.schema.json")
