"""What reading a WARC file gives: `WarcReading`, and `WarcRefusal` for each record refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["WarcReading", "WarcRefusal"]


@attrs.frozen
class WarcRefusal:
    """A WARC record that was not imported, and why (`code` is stable, `reason` for people).

    Also, in `WarcReading.warnings`, a record imported with a caveat (code `truncated`).
    """

    number: int
    record_id: str | None
    target_uri: str | None
    code: str
    reason: str

    def where(self) -> str:
        """The record as a person finds it again: WARC-Record-ID, else number, and target URI."""
        text = f"record {self.record_id or f'#{self.number}'}"
        return f"{text} ({self.target_uri})" if self.target_uri else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "record_id": self.record_id,
            "target_uri": self.target_uri,
            "code": self.code,
            "reason": self.reason,
        }


@attrs.frozen
class WarcReading:
    """What a WARC file gives: records for the store, refused records, skipped counts."""

    #: Records ready for the store, in file order (valid; content included).
    records: tuple[dict[str, Any], ...]
    refused: tuple[WarcRefusal, ...]
    #: Why records were skipped -> how many (warcinfo, request, revisit, non-text, ...).
    skipped: Mapping[str, int]
    #: How many of `records` were newsarchive exports (the rest were built from foreign records).
    own: int
    #: Records imported with a caveat: truncated captures, when they are allowed.
    warnings: tuple[WarcRefusal, ...] = ()

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())
