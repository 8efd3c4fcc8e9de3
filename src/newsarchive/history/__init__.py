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
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from newsarchive.history._diff import DiffInput, diff, diff_texts
from newsarchive.history._engine import apply_changes
from newsarchive.history._html import render_html
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

__all__ = [
    "DIFF_SCHEMA_ID",
    "Capture",
    "Change",
    "ChangeKind",
    "Diff",
    "DiffError",
    "DiffInput",
    "IgnoreRules",
    "MetadataChange",
    "Op",
    "PairSummary",
    "PhraseSpan",
    "apply_changes",
    "diff",
    "diff_texts",
    "is_stealth_edit",
    "load_diff_schema",
    "load_ignore_rules",
    "phrase_timeline",
    "render_html",
    "summarize",
    "to_json_dict",
]


def load_diff_schema() -> dict[str, Any]:
    """The JSON Schema of `to_json_dict` output (shipped in the package)."""
    text = resources.files("newsarchive").joinpath("schemas/diff-v1.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
