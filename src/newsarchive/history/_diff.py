"""`diff(a, b)`: two records (dicts) or two texts in, a typed `Diff` out."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

import attrs

from newsarchive.history._engine import raw_changes
from newsarchive.history._labels import Labeller
from newsarchive.history._model import Capture, Change, Diff, MetadataChange
from newsarchive.history._rules import DiffError, IgnoreRules, inside
from newsarchive.history._tokens import key_of, tokenize
from newsarchive.record import ArchivedArticle

__all__ = ["DiffInput", "diff", "diff_texts"]

DiffInput = str | Mapping[str, Any] | ArchivedArticle

# Metadata compared apart from the content; fields absent from both sides are skipped.
_METADATA: Final = (
    ("title", ("headline",)),
    ("authors", ("byline",)),
    ("tags", ()),
    ("published_at", ()),
)
_NO_RULES: Final = IgnoreRules()


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _side(x: DiffInput, label: str | None) -> tuple[Capture, str, Mapping[str, Any]]:
    if isinstance(x, str):
        return Capture(None, _digest(x), label=label), x, {}
    if isinstance(x, ArchivedArticle):
        x = x.to_dict()
    content = x.get("content")
    if not isinstance(content, str):
        raise DiffError(
            f"record {x.get('id', '?')} has no content to compare (content is stored elsewhere)",
            code="no-content",
        )

    def text(name: str) -> str | None:
        v = x.get(name)
        return v if isinstance(v, str) else None

    capture = Capture(
        text("id"),
        text("content_digest") or _digest(content),
        retrieved_at=text("retrieved_at"),
        url=text("canonical_url") or text("url"),
        title=text("title"),
        record_digest=text("record_digest"),
        label=label,
    )
    return capture, content, x


def _same_text(x: object, y: object) -> bool:
    if isinstance(x, str) and isinstance(y, str):
        return [key_of(t) for t in tokenize(x.strip())] == [key_of(t) for t in tokenize(y.strip())]
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)) and len(x) == len(y):
        return all(_same_text(p, q) for p, q in zip(x, y, strict=True))
    return x == y


def _metadata(ma: Mapping[str, Any], mb: Mapping[str, Any]) -> tuple[MetadataChange, ...]:
    out = []
    for name, labels in _METADATA:
        if name not in ma and name not in mb:
            continue
        va, vb = ma.get(name), mb.get(name)
        if va != vb:
            cosmetic = _same_text(va, vb)
            out.append(MetadataChange(name, va, vb, cosmetic, () if cosmetic else labels))
    return tuple(out)


def diff_texts(a: str, b: str, *, rules: IgnoreRules = _NO_RULES) -> tuple[Change, ...]:
    """The labelled content changes from text `a` to text `b` (cosmetic ones included)."""
    changes = raw_changes(a, b)
    if not any(c.kind == "substantive" for c in changes):
        return tuple(changes)
    a_ign, b_ign = rules.spans(a), rules.spans(b)
    labeller = Labeller(a, b)
    out = []
    for c in changes:
        if c.kind != "substantive":
            out.append(c)
        elif (
            (a_ign or b_ign)
            and inside(a_ign, c.a_start, c.a_end)
            and inside(b_ign, c.b_start, c.b_end)
        ):
            rule = _first_rule(rules, a, b, c)
            out.append(attrs.evolve(c, kind="ignored", reasons=(f"ignore-rule:{rule}",)))
        else:
            out.append(attrs.evolve(c, labels=labeller.labels(c)))
    return tuple(out)


def _lines(text: str, start: int, end: int) -> str:
    """The whole lines that [start, end) touches."""
    stop = text.find("\n", end)
    return text[text.rfind("\n", 0, start) + 1 : len(text) if stop < 0 else stop]


def _first_rule(rules: IgnoreRules, a: str, b: str, c: Change) -> str:
    """The first rule matching a line the change touches (its pattern, for the reasons)."""
    found = rules.rule_for(_lines(a, c.a_start, c.a_end)) or rules.rule_for(
        _lines(b, c.b_start, c.b_end)
    )
    return found or ""


def diff(
    a: DiffInput,
    b: DiffInput,
    *,
    rules: IgnoreRules = _NO_RULES,
    a_label: str | None = None,
    b_label: str | None = None,
) -> Diff:
    """Word-level diff of two captures: records (dicts or `ArchivedArticle`s, with
    their content) or plain texts.

    Every difference in the content is listed in order with its code-point offsets in
    both versions, cosmetic ones too (marked); metadata changes (title, authors, tags,
    published_at) are listed apart. Raises `DiffError` for a record without content.
    """
    ca, ta, ma = _side(a, a_label)
    cb, tb, mb = _side(b, b_label)
    return Diff(ca, cb, ta, tb, diff_texts(ta, tb, rules=rules), _metadata(ma, mb))
