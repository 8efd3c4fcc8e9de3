"""Write records as a BagIt 1.0 bag (RFC 8493), all or nothing.

Layout (a contract `read_bag` relies on):

    bagit.txt                 BagIt-Version: 1.0, UTF-8
    bag-info.txt              Bag-Software-Agent, Bagging-Date, External-Description,
                              Source-Organization (when given),
                              Newsarchive-Content-Files, Payload-Oxum
    manifest-sha256.txt       every payload file
    manifest-sha512.txt
    tagmanifest-sha256.txt    bagit.txt, bag-info.txt and both manifests
    tagmanifest-sha512.txt
    data/records.jsonl        one record per line, without `content`
    data/content/<id>.txt     the exact UTF-8 bytes of a record's content

`Newsarchive-Content-Files: N` counts the content files written. The reader
refuses a bag holding fewer or more (a content file lost and the manifests
re-hashed would otherwise import its record silently without content); a
record line with no content file is one whose record had no content. A bag
without the label (written before it existed) is read without this check.

Content lives in its own files so a bag is useful to any BagIt tool and each
article is checked by the manifests on its own; the record digest leaves
`content` out, so the lines in records.jsonl keep their digests. File names
come from record ids (64 hex digits) only, never from record text.

The bag is built in a temporary directory beside the target, checked with
the Library of Congress's `bagit` library (the `bagit` extra), and renamed
into place, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from newsarchive._atomicfile import TEMP_PREFIX, fsync_dir
from newsarchive._version import __version__
from newsarchive.bag._tagfiles import encode_path, format_bag_info
from newsarchive.errors import BagError, MissingExtra
from newsarchive.jsonl import dumps_line
from newsarchive.timestamps import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["BAG_ALGORITHMS", "CONTENT_DIR", "CONTENT_FILES_LABEL", "RECORDS_FILE", "write_bag"]

RECORDS_FILE: Final = "data/records.jsonl"
#: bag-info.txt label: how many `data/content/<id>.txt` files the bag holds.
CONTENT_FILES_LABEL: Final = "Newsarchive-Content-Files"
CONTENT_DIR: Final = "data/content"
#: The payload and tag manifests every bag we write carries.
BAG_ALGORITHMS: Final = ("sha256", "sha512")
_ID: Final = re.compile(r"[0-9a-f]{64}")
_BAGIT_TXT: Final = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _make_staging_dir(parent: Path) -> Path:
    """A new, uniquely named directory beside the target, with the mode the umask gives.

    Not `tempfile.mkdtemp` (always 0700, so the bag would need a chmod from a
    umask read by changing it, which races with threads of a host program).
    """
    while True:
        path = parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
        try:
            path.mkdir(mode=0o777)
        except FileExistsError:
            continue
        return path


def _one_line(label: str, value: str) -> str:
    if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise BagError(
            f"{label} must be one non-empty line without control characters (got {value[:60]!r})",
            code="bad-bag-info",
        )
    return value.strip()


class _Builder:
    """Writes files into the temporary bag, remembering each payload file's checksums."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sums: dict[str, dict[str, str]] = {}
        self.octets = 0

    def write(self, name: str, data: bytes, *, payload: bool) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        self.sums[name] = {a: hashlib.new(a, data).hexdigest() for a in BAG_ALGORITHMS}
        if payload:
            self.octets += len(data)

    def manifest(self, names: Iterable[str], algorithm: str) -> bytes:
        lines = (f"{self.sums[n][algorithm]}  {encode_path(n)}\n" for n in sorted(names))
        return "".join(lines).encode("utf-8")


def _require_bagit() -> Any:
    try:
        import bagit  # noqa: PLC0415 - the optional extra
    except ImportError:
        raise MissingExtra("writing bags", "bagit", "the bagit library") from None
    return bagit


def _check_with_bagit(bagit: Any, path: Path) -> None:
    """Have the reference implementation validate what we wrote before anyone sees it."""
    try:
        bagit.Bag(str(path)).validate(processes=1)
    except bagit.BagError as exc:  # pragma: no cover - a bug of ours if it happens
        raise BagError(
            f"the bag failed bagit's validation, so it was not written: {exc}",
            code="bag-self-check",
        ) from None


def _check_target(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise BagError("exists and is not a directory", code="target-exists", path=str(target))
    if target.is_dir() and any(target.iterdir()):
        raise BagError(
            "exists and is not empty; choose a new directory",
            code="target-exists",
            path=str(target),
        )


def write_bag(
    target: str | os.PathLike[str],
    records: Iterable[dict[str, Any]],
    *,
    description: str | None = None,
    source_organization: str | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """Write `records` (JSON object form) as a new bag at `target`; return how many.

    `target` must not exist, or be an empty directory. Raises `BagError` for a
    bad target or bag-info value, or when the `bagit` extra is missing.
    """
    target = Path(target)
    _check_target(target)
    if source_organization is not None:
        source_organization = _one_line("Source-Organization", source_organization)
    if description is not None:
        description = _one_line("External-Description", description)
    bagit = _require_bagit()  # fail before any work, not after it
    parent = target.absolute().parent
    try:
        tmp = _make_staging_dir(parent)
    except OSError as exc:
        exc.filename = str(target)
        raise
    try:
        count = _fill(tmp, records, description, source_organization, clock)
        _check_with_bagit(bagit, tmp)
        if target.is_dir():  # an empty directory the user made keeps its mode (say 0700)
            tmp.chmod(stat.S_IMODE(target.stat().st_mode))
        # rename(2) replaces an empty directory atomically: an empty target stays
        # in place until the bag takes its name, and never disappears on failure.
        tmp.replace(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(parent)
    return count


def _fill(
    root: Path,
    records: Iterable[dict[str, Any]],
    description: str | None,
    source_organization: str | None,
    clock: Callable[[], datetime],
) -> int:
    bag = _Builder(root)
    lines: list[bytes] = []
    content_files = 0
    for record in records:
        record_id = str(record.get("id"))
        if not _ID.fullmatch(record_id):
            raise BagError(f"record id {record_id[:70]!r} is not 64 hex digits", code="bad-id")
        content = record.get("content")
        if isinstance(content, str):
            bag.write(f"{CONTENT_DIR}/{record_id}.txt", content.encode("utf-8"), payload=True)
            content_files += 1
        lines.append(dumps_line({k: v for k, v in record.items() if k != "content"}))
    bag.write(RECORDS_FILE, b"".join(lines), payload=True)
    payload = sorted(bag.sums)
    bag.write("bagit.txt", _BAGIT_TXT, payload=False)
    info = [
        ("Bag-Software-Agent", f"newsarchive/{__version__}"),
        ("Bagging-Date", clock().astimezone(UTC).date().isoformat()),
        (
            "External-Description",
            description
            or f"newsarchive export: {len(lines)} archived-article record"
            f"{'s' if len(lines) != 1 else ''} (format v1) in {RECORDS_FILE}, content in "
            f"{CONTENT_DIR}/",
        ),
    ]
    if source_organization is not None:
        info.insert(0, ("Source-Organization", source_organization))
    info.append((CONTENT_FILES_LABEL, str(content_files)))
    info.append(("Payload-Oxum", f"{bag.octets}.{len(payload)}"))
    bag.write("bag-info.txt", format_bag_info(info), payload=False)
    for algorithm in BAG_ALGORITHMS:
        bag.write(f"manifest-{algorithm}.txt", bag.manifest(payload, algorithm), payload=False)
    tags = ["bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in BAG_ALGORITHMS)]
    for algorithm in BAG_ALGORITHMS:
        bag.write(f"tagmanifest-{algorithm}.txt", bag.manifest(tags, algorithm), payload=False)
    for directory in (root / CONTENT_DIR, root / "data", root):
        with contextlib.suppress(FileNotFoundError):
            fsync_dir(directory)
    return len(lines)
