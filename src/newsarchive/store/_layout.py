"""Where things live in a store directory, and the rules that keep I/O inside it.

A store is one directory:

    newsarchive-store.json   marker: {"format":"newsarchive-store","layout":1}
    lock                     writers hold an flock on it (see `_lock`)
    segments/NNNNNNNN.jsonl  the primary data, append-only (see `_segment`)
    index.sqlite             derived SQLite index (+ -wal/-shm while open)
    .newsarchive-tmp-*       temp files of an interrupted atomic write

No path below it is built from input: segment names come from counters and
everything else is a fixed name. Files are opened with O_NOFOLLOW and the
directories are checked with lstat, so a symlink planted inside the store is
refused instead of followed out of it.
"""

from __future__ import annotations

import os
import re
import stat
from typing import TYPE_CHECKING, Final

from newsarchive._atomicfile import TEMP_PREFIX
from newsarchive.errors import StoreError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "INDEX",
    "LOCK",
    "MARKER",
    "MARKER_BYTES",
    "SEGMENTS",
    "TEMP_PREFIX",
    "check_dir",
    "index_files",
    "is_segment_name",
    "open_nofollow",
    "segment_name",
    "segment_names",
]

MARKER: Final = "newsarchive-store.json"
MARKER_BYTES: Final = b'{"format":"newsarchive-store","layout":1}\n'
LOCK: Final = "lock"
SEGMENTS: Final = "segments"
INDEX: Final = "index.sqlite"
_SEGMENT_RE: Final = re.compile(r"[0-9]{8}\.jsonl")


def index_files() -> tuple[str, ...]:
    """The index database and the side files SQLite may keep beside it."""
    return (INDEX, f"{INDEX}-wal", f"{INDEX}-shm", f"{INDEX}-journal")


def segment_name(number: int) -> str:
    return f"{number:08d}.jsonl"


def is_segment_name(name: str) -> bool:
    return _SEGMENT_RE.fullmatch(name) is not None


def check_dir(path: Path) -> None:
    """Refuse `path` unless it is a real directory (not a symlink to one)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise StoreError("does not exist", code="missing", path=str(path)) from None
    if stat.S_ISLNK(mode):
        raise StoreError(
            "is a symlink; a store never follows links", code="symlink", path=str(path)
        )
    if not stat.S_ISDIR(mode):
        raise StoreError("is not a directory", code="not-a-directory", path=str(path))


def segment_names(root: Path) -> list[str]:
    """The segment files in order; anything else in `segments/` is not listed here."""
    directory = root / SEGMENTS
    check_dir(directory)
    return sorted(n for n in os.listdir(directory) if is_segment_name(n))


def open_nofollow(path: Path, flags: int, mode: int = 0o644) -> int:
    """`os.open` that refuses a symlink as the last component."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the name is a symlink
            raise StoreError(
                "is a symlink; a store never follows links",
                code="symlink",
                path=str(path),
            ) from None
        raise
