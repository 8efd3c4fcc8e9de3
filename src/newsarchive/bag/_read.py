"""Turn a bag into records: validate it first, refuse it whole if it fails.

A newsarchive bag (one with `data/records.jsonl`, see `_write`) gives its
records back exactly: each line is validated, its content read from
`data/content/<id>.txt` and checked against `content_digest`; any problem
refuses the whole bag. A foreign bag's payload files are read as
article-text files (body + LINK: line) by the caller's `build` function, as
the directory import does, and each record notes which manifest checksum
vouched for its file on the way in. Every file is re-checked against its
manifest checksum when read for import, so a file changed after validation
is caught too.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from newsarchive.bag._validate import ALGORITHMS, BagReport, read_bag_file, validate_bag
from newsarchive.bag._write import CONTENT_DIR, RECORDS_FILE
from newsarchive.errors import BagProblem, InvalidBag
from newsarchive.jsonl import iter_values
from newsarchive.record import DEFAULT_AGENT, ArchivedArticle, ProvenanceEvent
from newsarchive.timestamps import Timestamp
from newsarchive.validation import validate

if TYPE_CHECKING:
    import os
    from collections.abc import Callable
    from datetime import datetime

__all__ = ["BagContents", "is_bag", "read_bag"]

#: Strongest first: the checksum named in a foreign record's provenance.
_PREFERENCE: Final = ("sha512", "sha3-512", "sha384", "sha3-384", "sha256", "sha3-256")
_CONTENT_NAME: Final = re.compile(r"data/content/([0-9a-f]{64})\.txt")


@attrs.frozen
class BagContents:
    """A validated bag's records, ready to store as one batch, and its foreign files refused."""

    report: BagReport
    native: bool
    records: tuple[dict[str, Any], ...]
    rejected: tuple[tuple[str, str], ...] = ()


def is_bag(path: str | os.PathLike[str]) -> bool:
    """A directory holding a bagit.txt: import treats it as one bag, not as loose files."""
    root = Path(path)
    return root.is_dir() and not root.is_symlink() and (root / "bagit.txt").exists()


def _vouched(report: BagReport, name: str, data: bytes) -> tuple[str, str] | BagProblem:
    """(algorithm, hex) of the strongest manifest checksum `data` matches, else a problem."""
    sums = report.manifests.get(name, {})
    order = sorted(sums, key=lambda a: _PREFERENCE.index(a) if a in _PREFERENCE else 99)
    for algorithm in order:
        found = hashlib.new(ALGORITHMS[algorithm], data).hexdigest()
        if found != sums[algorithm]:
            return BagProblem(
                name, "changed", f"changed since validation: {algorithm} is now {found}"
            )
    if not order:
        return BagProblem(name, "missing", "in no payload manifest")
    return order[0], sums[order[0]]


def read_bag(
    path: str | os.PathLike[str],
    build: Callable[[str, bytes], tuple[dict[str, Any] | None, str]],
    *,
    clock: Callable[[], datetime],
) -> BagContents:
    """Validate the bag at `path` and return its records; `InvalidBag` lists every problem.

    `build` turns a foreign bag's payload file into a record (see module doc).
    """
    report = validate_bag(path)
    if not report.ok:
        raise InvalidBag(report.problems, path=str(path))
    root = Path(path)
    if RECORDS_FILE in report.manifests:
        return _native(root, report)
    records: list[dict[str, Any]] = []
    rejected: list[tuple[str, str]] = []
    now = Timestamp.from_datetime(clock())
    for name in sorted(report.manifests):
        source = f"{path}/{name}"
        data = read_bag_file(root, name)
        vouched = _vouched(report, name, data)
        if isinstance(vouched, BagProblem):
            raise InvalidBag([vouched], path=str(path))
        record, reason = build(source, data)
        if record is None:
            rejected.append((source, reason))
            continue
        algorithm, hexdigest = vouched
        event = ProvenanceEvent(
            type="fixity-check",
            at=now,
            agent=DEFAULT_AGENT,
            detail=f"on import, the bag's manifest-{algorithm}.txt checksum {algorithm}:"
            f"{hexdigest} vouched for {name}",
        )
        records.append(ArchivedArticle.from_dict(record).with_event(event).to_dict())
    return BagContents(report, native=False, records=tuple(records), rejected=tuple(rejected))


def _native(root: Path, report: BagReport) -> BagContents:
    problems: list[BagProblem] = []
    payload: dict[str, bytes] = {}
    for name in report.manifests:
        data = read_bag_file(root, name)
        vouched = _vouched(report, name, data)
        if isinstance(vouched, BagProblem):
            problems.append(vouched)
        payload[name] = data
    records: list[dict[str, Any]] = []
    used = {RECORDS_FILE}
    # An export of no records is an empty file: no JSON value, and no error either.
    lines = payload[RECORDS_FILE] if payload[RECORDS_FILE].strip() else b""
    for line, value, error in iter_values(io.BytesIO(lines)) if lines else ():
        where = f"line {line}"
        if error is not None:
            problems.append(BagProblem(RECORDS_FILE, "bad-json", f"{where}: {error.message}"))
            continue
        if not isinstance(value, dict):
            problems.append(BagProblem(RECORDS_FILE, "not-a-record", f"{where}: not an object"))
            continue
        record_id = value.get("id")
        content_name = f"{CONTENT_DIR}/{record_id}.txt"
        if isinstance(record_id, str) and _CONTENT_NAME.fullmatch(content_name):
            if content_name in used:
                problems.append(BagProblem(RECORDS_FILE, "duplicate-id", f"{where}: id again"))
                continue
            if content_name in payload:
                used.add(content_name)
                if "content" in value:
                    problems.append(
                        BagProblem(
                            RECORDS_FILE,
                            "two-contents",
                            f"{where}: holds content and {content_name} exists too",
                        )
                    )
                    continue
                try:
                    value["content"] = payload[content_name].decode("utf-8")
                except UnicodeDecodeError as exc:
                    problems.append(
                        BagProblem(content_name, "bad-utf8", f"not UTF-8: {exc.reason}")
                    )
                    continue
        errors = [p for p in validate(value) if p.severity == "error"]
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            problems.append(
                BagProblem(
                    RECORDS_FILE,
                    "invalid-record",
                    f"{where}: {first.pointer or '/'} {first.code}: {first.message}{more}",
                )
            )
            continue
        records.append(value)
    problems.extend(
        BagProblem(name, "unexpected-payload", f"no record in {RECORDS_FILE} names this file")
        for name in sorted(set(payload) - used)
    )
    if problems:
        raise InvalidBag(problems, path=str(root))
    return BagContents(report, native=True, records=tuple(records))
