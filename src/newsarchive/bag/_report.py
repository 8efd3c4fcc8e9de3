"""The outcome of validating a bag: `BagReport`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from newsarchive.errors import BagProblem

__all__ = ["BagReport"]


@attrs.frozen
class BagReport:
    """What validating a bag found: every problem, and the checksums that vouch for each file.

    `manifests` maps each payload file (bag-relative, `data/...`) to
    {algorithm: hex} as the payload manifests list it; `info` holds the
    bag-info.txt pairs in order. `path` and the problems are text to show:
    bytes of a file name that are not UTF-8 appear as `\\xNN`.
    """

    path: str
    version: str | None
    encoding: str | None
    problems: tuple[BagProblem, ...]
    algorithms: tuple[str, ...] = ()
    manifests: dict[str, dict[str, str]] = attrs.field(factory=dict)
    info: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[BagProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[BagProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def to_dict(self) -> dict[str, Any]:
        return {
            "bag": self.path,
            "valid": self.ok,
            "version": self.version,
            "encoding": self.encoding,
            "algorithms": list(self.algorithms),
            "payload_files": len(self.manifests),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
        }
