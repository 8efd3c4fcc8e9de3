"""Summaries over diffs: per consecutive pair, stealth edits, and a phrase's lifetime."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Literal

import attrs

from newsarchive.history._tokens import key_of, tokenize

if TYPE_CHECKING:
    from collections.abc import Sequence

    from newsarchive.history._model import Diff

__all__ = ["PairSummary", "PhraseSpan", "is_stealth_edit", "phrase_timeline", "summarize"]

Verdict = Literal["unchanged", "cosmetic-only", "changed"]


@attrs.frozen
class PairSummary:
    """What changed between two captures, in numbers (for timelines and "largest first")."""

    verdict: Verdict
    words_added: int
    words_removed: int
    headline_changed: bool
    byline_changed: bool
    substantive_changes: int
    cosmetic_changes: int
    ignored_changes: int
    stealth_edit: bool
    labels: tuple[str, ...]

    @property
    def words_changed(self) -> int:
        return self.words_added + self.words_removed

    @property
    def unchanged(self) -> bool:
        return self.verdict == "unchanged"

    @property
    def cosmetic_only(self) -> bool:
        return self.verdict == "cosmetic-only"


def is_stealth_edit(d: Diff) -> bool:
    """A substantive change to the headline or the content with no correction or update
    notice added in the same diff. Whether the two captures are consecutive captures
    of one article is the caller's to know."""
    body = bool(d.substantive_changes)
    if not (body or d.headline_changed):
        return False
    return not any("correction-notice" in c.labels for c in d.changes)


def summarize(d: Diff) -> PairSummary:
    kinds = [c.kind for c in d.changes]
    labels = sorted(
        {lab for c in d.changes for lab in c.labels} | {lab for m in d.metadata for lab in m.labels}
    )
    if d.substantive:
        verdict: Verdict = "changed"
    elif d.changes or d.metadata:
        verdict = "cosmetic-only"
    else:
        verdict = "unchanged"
    return PairSummary(
        verdict,
        d.words_added,
        d.words_removed,
        d.headline_changed,
        d.byline_changed,
        kinds.count("substantive"),
        kinds.count("cosmetic"),
        kinds.count("ignored"),
        is_stealth_edit(d),
        tuple(labels),
    )


@attrs.frozen
class PhraseSpan:
    """One stretch of captures holding the phrase: from the first capture that has it to
    the first later capture that does not (`vanished_*` None: still there at the end)."""

    appeared_at: str
    appeared_id: str
    vanished_at: str | None
    vanished_id: str | None


def _folded(text: str) -> str:
    """Text as the phrase search compares it: cosmetic variants and case folded away."""
    keys = [key_of(t) for t in tokenize(unicodedata.normalize("NFC", text))]
    return re.sub(" +", " ", "".join(keys)).casefold()


def phrase_timeline(
    captures: Sequence[tuple[str, str, str]], phrase: str
) -> tuple[PhraseSpan, ...]:
    """When `phrase` appeared and vanished across ordered (time, id, text) captures.

    Matching ignores case and cosmetic differences (whitespace, line wrapping,
    canonical equivalence, quote and dash style), as the diff does.
    """
    needle = _folded(phrase).strip()
    out: list[PhraseSpan] = []
    open_at: tuple[str, str] | None = None
    seen: dict[str, bool] = {}  # recaptures mostly repeat a text: fold each text once
    for time, cid, text in captures:
        present = seen.get(text)
        if present is None:
            present = seen[text] = bool(needle) and needle in _folded(text)
        if present and open_at is None:
            open_at = (time, cid)
        elif not present and open_at is not None:
            out.append(PhraseSpan(open_at[0], open_at[1], time, cid))
            open_at = None
    if open_at is not None:
        out.append(PhraseSpan(open_at[0], open_at[1], None, None))
    return tuple(out)
