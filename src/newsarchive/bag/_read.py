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
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from newsarchive.bag._files import MANIFEST_ALGORITHMS, read_bag_file
from newsarchive.bag._validate import validate_bag
from newsarchive.bag._write import CONTENT_DIR, CONTENT_FILES_LABEL, RECORDS_FILE
from newsarchive.errors import BagProblem, InvalidBag, error_summary
from newsarchive.jsonl import iter_jsonl
from newsarchive.record import DEFAULT_AGENT, ArchivedArticle, ProvenanceEvent
from newsarchive.timestamps import Timestamp
from newsarchive.validation import validate

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from newsarchive.bag._report import BagReport

__all__ = ["BagContents", "is_bag", "read_bag"]

#: Strongest first: the checksum named in a foreign record's provenance.
_PREFERENCE: Final = ("sha512", "sha3-512", "sha384", "sha3-384", "sha256", "sha3-256")
_BAG_TAG_FILE: Final = re.compile(r"(tag)?manifest-[A-Za-z0-9-]+\.txt")
_COUNT: Final = re.compile(r"[0-9]{1,18}")  # ASCII digits only: int() also reads '³'-like digits
_CONTENT_NAME: Final = re.compile(r"data/content/([0-9a-f]{64})\.txt")


@attrs.frozen
class BagContents:
    """A validated bag's records, ready to store as one batch, and its foreign files refused."""

    report: BagReport
    native: bool
    records: tuple[dict[str, Any], ...]
    rejected: tuple[tuple[str, str], ...] = ()


def is_bag(path: str | os.PathLike[str]) -> bool:
    """Whether import treats the directory `path` as one bag rather than as loose files.

    A bagit.txt (even a dangling symlink) makes it a bag. So does a data/
    directory beside a payload manifest and one more sign of a bag (a
    bag-info.txt, a tag manifest, or a newsarchive bag's data/records.jsonl):
    a bag whose bagit.txt was lost is then refused as an invalid bag, never
    stored file by file (a newsarchive bag's records would be stored without
    their content, and the real bag would be "duplicates" later). A directory
    with a data/ folder and a stray manifest-like file alone is loose files.
    """
    root = Path(path)
    if not root.is_dir() or root.is_symlink():
        return False
    if os.path.lexists(root / "bagit.txt"):
        return True
    if not (root / "data").is_dir():
        return False
    try:
        names = {p.name for p in root.iterdir()}
    except OSError:
        return False
    manifest = any(_BAG_TAG_FILE.fullmatch(n) and not n.startswith("tag") for n in names)
    another = (
        "bag-info.txt" in names
        or any(_BAG_TAG_FILE.fullmatch(n) and n.startswith("tag") for n in names)
        or (root / RECORDS_FILE).is_file()
    )
    return manifest and another


def enclosing_bag(path: str | os.PathLike[str]) -> Path | None:
    """The bag directory `path` lies inside (a bag's data/ or one of its files), if any."""
    for parent in Path(path).absolute().parents:
        if is_bag(parent):
            return parent
    return None


def _vouched(report: BagReport, name: str, data: bytes) -> tuple[str, str] | BagProblem:
    """(algorithm, hex) of the strongest manifest checksum `data` matches, else a problem."""
    sums = report.manifests.get(name, {})
    order = sorted(sums, key=lambda a: _PREFERENCE.index(a) if a in _PREFERENCE else 99)
    for algorithm in order:
        found = hashlib.new(MANIFEST_ALGORITHMS[algorithm], data).hexdigest()
        if found != sums[algorithm]:
            return BagProblem(
                name, "changed", f"changed since validation: {algorithm} is now {found}"
            )
    if not order:
        return BagProblem(name, "missing", "in no payload manifest")
    return order[0], sums[order[0]]


def _after(article: ArchivedArticle, now: Timestamp) -> Timestamp:
    """When to stamp an event added to `article`: now, but never before its retrieval or its
    last event (PROV: a record is used after it is generated; a clock can step back)."""
    return max(now, article.retrieved_at, *(e.at for e in article.provenance))


def _reread(root: Path, name: str) -> bytes:
    """A validated file's bytes, read again for import; `InvalidBag` if it is gone meanwhile."""
    try:
        return read_bag_file(root, name)
    except OSError as exc:
        problem = BagProblem(name, "unreadable", f"since validation: {exc.strerror or exc}")
        raise InvalidBag([problem], path=str(root)) from exc


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
    for name in sorted(report.manifests):
        source = f"{path}/{name}"
        data = _reread(root, name)
        vouched = _vouched(report, name, data)
        if isinstance(vouched, BagProblem):
            raise InvalidBag([vouched], path=str(path))
        record, reason = build(source, data)
        if record is None:
            rejected.append((source, reason))
            continue
        algorithm, hexdigest = vouched
        article = ArchivedArticle.from_dict(record)
        event = ProvenanceEvent(
            type="fixity-check",
            at=_after(article, Timestamp.from_datetime(clock())),
            agent=DEFAULT_AGENT,
            detail=f"on import, the bag's manifest-{algorithm}.txt checksum {algorithm}:"
            f"{hexdigest} vouched for {name}",
        )
        records.append(article.with_event(event).to_dict())
    return BagContents(report, native=False, records=tuple(records), rejected=tuple(rejected))


def _native(root: Path, report: BagReport) -> BagContents:
    """Our own bag's records, exactly; every problem refuses the bag.

    Each content file is read (and re-checked) when its record comes up and
    dropped once decoded, so only the records themselves are held in memory.
    """
    problems: list[BagProblem] = []
    data = _reread(root, RECORDS_FILE)
    vouched = _vouched(report, RECORDS_FILE, data)
    if isinstance(vouched, BagProblem):
        raise InvalidBag([vouched], path=str(root))
    expected = _expected_content_files(report, problems)
    records: list[dict[str, Any]] = []
    used = {RECORDS_FILE}
    seen: dict[str, int] = {}
    without_file: list[int] = []
    for line in iter_jsonl(io.BytesIO(data), keep_going=True):
        where = f"line {line.number}"
        if line.error is not None:
            problems.append(BagProblem(RECORDS_FILE, "bad-json", f"{where}: {line.error.message}"))
            continue
        value = line.value
        if not isinstance(value, dict):
            problems.append(BagProblem(RECORDS_FILE, "not-a-record", f"{where}: not an object"))
            continue
        record_id = value.get("id")
        if isinstance(record_id, str):
            first = seen.setdefault(record_id, line.number)
            if first != line.number:
                problems.append(
                    BagProblem(
                        RECORDS_FILE,
                        "duplicate-id",
                        f"lines {first} and {line.number} hold the same record id "
                        f"{record_id[:70]!r}",
                    )
                )
                continue
        content_name = f"{CONTENT_DIR}/{record_id}.txt"
        if isinstance(record_id, str) and _CONTENT_NAME.fullmatch(content_name):
            if content_name in report.manifests:
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
                content = _content(root, report, content_name, problems)
                if content is None:
                    continue
                value["content"] = content
            elif "content" not in value:
                without_file.append(line.number)
        reason = error_summary(validate(value))
        if reason is not None:
            problems.append(BagProblem(RECORDS_FILE, "invalid-record", f"{where}: {reason}"))
            continue
        records.append(value)
    if expected is not None and expected != len(used) - 1:
        lines = ", ".join(str(n) for n in without_file[:10])
        more = "" if len(without_file) <= 10 else f" and {len(without_file) - 10} more"
        problems.append(
            BagProblem(
                CONTENT_DIR,
                "missing-content",
                f"bag-info.txt says {expected} content files; {len(used) - 1} are here"
                + (f"; records without one: line {lines}{more}" if without_file else ""),
            )
        )
    problems.extend(
        BagProblem(name, "unexpected-payload", f"no record in {RECORDS_FILE} names this file")
        for name in sorted(set(report.manifests) - used)
    )
    if problems:
        raise InvalidBag(problems, path=str(root))
    return BagContents(report, native=True, records=tuple(records))


def _expected_content_files(report: BagReport, problems: list[BagProblem]) -> int | None:
    """How many content files the writer says it wrote (None for a bag that does not say)."""
    values = [v for label, v in report.info if label.lower() == CONTENT_FILES_LABEL.lower()]
    if not values:
        return None
    if len(values) > 1 or not _COUNT.fullmatch(values[0]):
        problems.append(
            BagProblem(
                "bag-info.txt",
                "bad-content-count",
                f"{CONTENT_FILES_LABEL} must appear once as a number (got {values})",
            )
        )
        return None
    return int(values[0])


def _content(root: Path, report: BagReport, name: str, problems: list[BagProblem]) -> str | None:
    try:
        data = read_bag_file(root, name)
    except OSError as exc:
        problems.append(BagProblem(name, "unreadable", exc.strerror or str(exc)))
        return None
    vouched = _vouched(report, name, data)
    if isinstance(vouched, BagProblem):
        problems.append(vouched)
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(BagProblem(name, "bad-utf8", f"not UTF-8: {exc.reason}"))
        return None
