"""Where things live in a store directory, and the rules that keep I/O inside it.

A store is one directory:

    newsarchive-store.json   marker: {"format":"newsarchive-store","layout":1}
    lock                     writers hold an flock on it (see `_lock`)
    segments/NNNNNNNN.jsonl  the primary data, append-only (see `_segment`)
    index.sqlite             derived SQLite index (+ -wal/-shm while open)
    .newsarchive-tmp-*       temp files of an interrupted atomic write

Those names are the store's own (`STORE_FILES`, `MANAGED_DIRS`, temp files).
Inside a managed directory every file is the store's, so anything unknown
there is a failure for `store verify`; beside them at the top, as BagIt allows
tag files beside `data/`, an unknown file is the user's and only a note. A
later layout adds its directories to `MANAGED_DIRS`, and nowhere else.

No path below it is built from input: segment names come from counters and
everything else is a fixed name. Files are opened with O_NOFOLLOW and the
directories are checked with lstat, so a symlink planted inside the store is
refused instead of followed out of it.
"""

from __future__ import annotations

import os
import re
import stat
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from newsarchive._atomicfile import TEMP_PREFIX
from newsarchive.errors import StoreCorrupted, StoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

__all__ = [
    "INDEX",
    "LOCK",
    "MANAGED_DIRS",
    "MARKER",
    "MARKER_BYTES",
    "SEGMENTS",
    "STORE_FILES",
    "TEMP_PREFIX",
    "check_dir",
    "index_files",
    "is_regular",
    "is_segment_name",
    "open_nofollow",
    "open_segment",
    "segment_name",
    "segment_names",
]

MARKER: Final = "newsarchive-store.json"
MARKER_BYTES: Final = b'{"format":"newsarchive-store","layout":1}\n'
LOCK: Final = "lock"
SEGMENTS: Final = "segments"
INDEX: Final = "index.sqlite"
_SEGMENT_RE: Final = re.compile(r"[0-9]{8}\.jsonl")


def index_files(name: str = INDEX) -> tuple[str, ...]:
    """The index database and the side files SQLite may keep beside it."""
    return (name, f"{name}-wal", f"{name}-shm", f"{name}-journal")


#: The store's own regular files at its top (its temp files aside).
STORE_FILES: Final = frozenset({MARKER, LOCK, *index_files()})


def segment_name(number: int) -> str:
    return f"{number:08d}.jsonl"


def is_segment_name(name: str) -> bool:
    return _SEGMENT_RE.fullmatch(name) is not None


#: The directories the store manages, each with the rule its files' names
#: follow: everything in them is the store's (temp files aside).
MANAGED_DIRS: Final[Mapping[str, Callable[[str], bool]]] = MappingProxyType(
    {SEGMENTS: is_segment_name}
)


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


def is_regular(path: Path) -> bool:
    """Whether `path` is a regular file itself (not a symlink to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def segment_names(root: Path) -> list[str]:
    """The segment files in order; anything else in `segments/` is not listed here.

    A store whose `segments/` is gone, or is a symlink or a file, has lost its
    data: `StoreCorrupted`, for `store verify` to report.
    """
    directory = root / SEGMENTS
    try:
        check_dir(directory)
    except StoreError as exc:
        raise StoreCorrupted(
            f"{exc.message}; run `newsarchive store verify`", path=str(directory)
        ) from None
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


def open_segment(path: Path) -> int:
    """A read-only descriptor of a segment file, refusing a symlink or anything not a file.

    O_NONBLOCK, so a FIFO planted under a segment's name is refused instead of
    blocking the open (it changes nothing for a regular file).
    """
    fd = open_nofollow(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise StoreError("is not a regular file", code="not-a-file", path=str(path))
    return fd
