"""The typed result of a diff: captures, changes with exact offsets, metadata changes."""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = ["Capture", "Change", "ChangeKind", "Diff", "MetadataChange", "Op"]

Op = Literal["insert", "delete", "replace"]
ChangeKind = Literal["substantive", "cosmetic", "ignored"]


@attrs.frozen
class Capture:
    """One side of a diff: which capture it is, as far as the input says.

    For a bare text `id`, `retrieved_at` and `url` are None; `content_digest` is
    always the SHA-256 of the content's UTF-8 bytes (`sha256:<hex>`).
    """

    id: str | None
    content_digest: str
    retrieved_at: str | None = None
    url: str | None = None
    title: str | None = None
    record_digest: str | None = None
    label: str | None = None  # e.g. the file name the text came from


@attrs.frozen
class Change:
    """One change of the content, located in both versions.

    Offsets are Unicode code points of the content, start inclusive, end
    exclusive, as Python `str` slices: `a_text == a[a_start:a_end]` and
    `b_text == b[b_start:b_end]`. An insertion has `a_start == a_end`, a deletion
    `b_start == b_end`. `kind` is "cosmetic" when the two texts differ only by
    whitespace, canonical Unicode equivalence or quote/dash style (`reasons`
    says which), "ignored" when the change lies wholly in lines matched by an
    ignore rule (`reasons` names the rule), else "substantive" with `labels`.
    """

    op: Op
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_text: str
    b_text: str
    kind: ChangeKind
    reasons: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    words_added: int = 0
    words_removed: int = 0

    @property
    def substantive(self) -> bool:
        return self.kind == "substantive"


@attrs.frozen
class MetadataChange:
    """A changed metadata field (title, authors, tags, published_at), whole values."""

    field: str
    a: object
    b: object
    cosmetic: bool
    labels: tuple[str, ...] = ()


def _edited(m: MetadataChange) -> bool:
    """A substantive change of a value both captures recorded.

    A title (or byline, or publication time) one capture lacks is not an edit
    of it: that capture did not record one (a file imported without `--title`).
    """
    return not m.cosmetic and m.a is not None and m.b is not None


@attrs.frozen
class Diff:
    """The word-level diff of two captures: content changes in order, metadata apart."""

    a: Capture
    b: Capture
    a_content: str = attrs.field(repr=False)
    b_content: str = attrs.field(repr=False)
    changes: tuple[Change, ...]
    metadata: tuple[MetadataChange, ...] = ()

    @property
    def identical(self) -> bool:
        """Same content and metadata, character for character."""
        return not self.changes and not self.metadata

    @property
    def substantive_changes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == "substantive")

    @property
    def headline_changed(self) -> bool:
        return any(m.field == "title" and _edited(m) for m in self.metadata)

    @property
    def byline_changed(self) -> bool:
        return any("byline" in c.labels for c in self.changes) or any(
            m.field == "authors" and _edited(m) for m in self.metadata
        )

    @property
    def substantive(self) -> bool:
        """A change that is not cosmetic or ignored, in the content or the metadata.

        A metadata value only one capture recorded is not one (see `_edited`).
        """
        return bool(self.substantive_changes) or any(_edited(m) for m in self.metadata)

    @property
    def words_added(self) -> int:
        return sum(c.words_added for c in self.changes if c.kind == "substantive")

    @property
    def words_removed(self) -> int:
        return sum(c.words_removed for c in self.changes if c.kind == "substantive")
