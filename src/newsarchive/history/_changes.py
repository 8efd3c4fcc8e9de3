"""The change listing behind `changes [--since T] [--until T] [--stealth]`: across
histories, the consecutive captures that changed, largest first.

A pair is listed when its verdict is `changed` (a substantive content or headline
change; cosmetic-only and unchanged pairs are not). The window applies to the later
capture's retrieval time, both ends included. Largest first: by words changed (added
plus removed), then the later capture newest first, then record ids, so the order is
the same on every run. Each pair carries both record ids and digests
(`ChangedPair.diff.a` / `.b`), so the claim can be checked against the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from newsarchive.history._jsonshape import capture_json
from newsarchive.history._summary import PairSummary, summarize
from newsarchive.timestamps import Timestamp

if TYPE_CHECKING:
    from collections.abc import Iterable

    from newsarchive.history._model import Diff
    from newsarchive.history._timeline import History

__all__ = ["ChangedPair", "changed_pair_json", "changed_pairs"]


@attrs.frozen
class ChangedPair:
    """Two consecutive captures of one article (`key`) that differ substantively."""

    key: str | None
    diff: Diff
    summary: PairSummary

    @property
    def stealth_edit(self) -> bool:
        return self.summary.stealth_edit


def _later(p: ChangedPair) -> Timestamp | None:
    at = p.diff.b.retrieved_at
    if at is None:
        return None
    try:
        return Timestamp.parse(at)
    except ValueError:
        return None


def changed_pairs(
    histories: Iterable[History],
    *,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
    stealth_only: bool = False,
) -> list[ChangedPair]:
    """The changed consecutive pairs of `histories`, largest first (see the module)."""
    out: list[tuple[ChangedPair, Timestamp | None]] = []
    for h in histories:
        for d in h.diffs:
            s = summarize(d)
            if s.verdict != "changed" or (stealth_only and not s.stealth_edit):
                continue
            pair = ChangedPair(h.key, d, s)
            at = _later(pair)
            if (since is not None or until is not None) and at is None:
                continue  # a window was asked for and this capture has no time
            if since is not None and at is not None and at < since:
                continue
            if until is not None and at is not None and at > until:
                continue
            out.append((pair, at))

    def order(item: tuple[ChangedPair, Timestamp | None]) -> tuple[Any, ...]:
        p, at = item
        newest = 0 if at is None else -_nanoseconds(at)
        return (-p.summary.words_changed, at is None, newest, p.diff.a.id or "", p.diff.b.id or "")

    return [p for p, _ in sorted(out, key=order)]


def _nanoseconds(at: Timestamp) -> int:
    return int(at.seconds.timestamp()) * 10**9 + int(at.fraction.ljust(9, "0") or "0")


def changed_pair_json(p: ChangedPair) -> dict[str, Any]:
    """One listed change as `changes --json` prints it (docs/history.md)."""
    s = p.summary
    return {
        "key": p.key,
        "a": capture_json(p.diff.a, p.diff.a_content),
        "b": capture_json(p.diff.b, p.diff.b_content),
        "stealth_edit": s.stealth_edit,
        "words_added": s.words_added,
        "words_removed": s.words_removed,
        "words_changed": s.words_changed,
        "headline_changed": s.headline_changed,
        "byline_changed": s.byline_changed,
        "labels": list(s.labels),
    }
