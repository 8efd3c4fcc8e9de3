"""What an audit reports: its findings, its counts, and the event it appends to the store."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any, Literal

import attrs

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["Finding", "VerifyReport", "fixity_event"]


@attrs.frozen
class Finding:
    """One thing `store verify` found: where, what, and whether it is a failure or a note."""

    severity: Literal["failure", "note"]
    code: str
    where: str
    message: str
    record_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class VerifyReport:
    """The outcome of one audit."""

    findings: list[Finding] = attrs.field(factory=list)
    records: int = 0
    blobs: int = 0
    events: int = 0
    batches: int = 0
    unchecked_batches: int = 0
    bytes: int = 0
    sample: float = 1.0
    fixity_only: bool = False
    #: Evidence entries (WARC records of captures) checked.
    evidence: int = 0
    #: Entries in the batches re-hashed (all kinds; the only count a fixity-only audit has).
    entries: int = 0

    @property
    def ok(self) -> bool:
        return not any(f.severity == "failure" for f in self.findings)

    @property
    def full(self) -> bool:
        return self.sample >= 1.0 and self.unchecked_batches == 0 and not self.fixity_only

    def merge(self, other: VerifyReport) -> None:
        self.findings.extend(other.findings)
        self.records += other.records
        self.blobs += other.blobs
        self.events += other.events
        self.batches += other.batches
        self.unchecked_batches += other.unchecked_batches
        self.bytes += other.bytes
        self.entries += other.entries
        self.evidence += other.evidence

    def to_dict(self) -> dict[str, Any]:
        failures = sum(f.severity == "failure" for f in self.findings)
        return {
            "ok": self.ok,
            "full": self.full,
            "sample": self.sample,
            "fixity_only": self.fixity_only,
            "entries": self.entries,
            "records": self.records,
            "blobs": self.blobs,
            "events": self.events,
            "evidence": self.evidence,
            "batches": self.batches,
            "bytes": self.bytes,
            "failures": failures,
            "notes": len(self.findings) - failures,
            "findings": [f.to_dict() for f in self.findings],
        }


def fixity_event(report: VerifyReport, agent: str, now: datetime) -> dict[str, Any]:
    """The PREMIS-style event an audit appends to the store."""
    failures = sum(f.severity == "failure" for f in report.findings)
    return {
        "type": "fixity-check",
        "record_id": None,
        "at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "agent": agent,
        "outcome": "success" if report.ok else "failure",
        "full": report.full,
        "detail": {
            "sample": report.sample,
            "fixity_only": report.fixity_only,
            "entries": report.entries,
            "records": report.records,
            "blobs": report.blobs,
            "events": report.events,
            "evidence": report.evidence,
            "batches": report.batches,
            "bytes": report.bytes,
            "failures": failures,
            "notes": len(report.findings) - failures,
        },
    }
