"""Where things live in a store directory, and the rules that keep I/O inside it.

A store is one directory (layout 2; `_marker` says what layout 1 lacks):

    newsarchive-store.json   marker (`_marker`): the layout and the log's origin
    lock                     writers hold an flock on it (see `_lock`)
    segments/NNNNNNNN.jsonl  the primary data, append-only (see `_segment`)
    index.sqlite             derived SQLite index (+ -wal/-shm while open)
    text.sqlite              derived full-text index (layout 2)
    similar.sqlite           derived near-duplicate index (layout 2)
    log/                     derived: the log's tiles (layout 2)
    checkpoints/             signed checkpoints of the log, append-only (layout 2)
    .newsarchive-tmp-*       temp files of an interrupted atomic write

Those names are the store's own (`STORE_FILES`, `MANAGED_DIRS`, temp files).
Inside a managed directory every file is the store's, so anything unknown
there is a failure for `store verify`; beside them at the top, as BagIt allows
tag files beside `data/`, an unknown file is the user's and only a note.
`segments/` is required; the other managed directories appear when first
written. A later layout adds its names here, and nowhere else.

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
    "CHECKPOINTS",
    "INDEX",
    "LOCK",
    "LOG",
    "MANAGED_DIRS",
    "MANAGED_SUBDIRS",
    "MARKER",
    "REQUIRED_DIRS",
    "SEGMENTS",
    "SIMILAR",
    "STORE_FILES",
    "TEMP_PREFIX",
    "TEXT",
    "check_dir",
    "index_files",
    "is_checkpoint_name",
    "is_regular",
    "is_segment_name",
    "is_tile_dir",
    "is_tile_path",
    "open_nofollow",
    "open_segment",
    "segment_name",
    "segment_names",
]

MARKER: Final = "newsarchive-store.json"
LOCK: Final = "lock"
SEGMENTS: Final = "segments"
INDEX: Final = "index.sqlite"
TEXT: Final = "text.sqlite"
SIMILAR: Final = "similar.sqlite"
LOG: Final = "log"
CHECKPOINTS: Final = "checkpoints"
_SEGMENT_RE: Final = re.compile(r"[0-9]{8}\.jsonl")


def index_files(name: str = INDEX) -> tuple[str, ...]:
    """The index database and the side files SQLite may keep beside it."""
    return (name, f"{name}-wal", f"{name}-shm", f"{name}-journal")


#: The store's own regular files at its top (its temp files aside).
STORE_FILES: Final = frozenset(
    {MARKER, LOCK, *index_files(), *index_files(TEXT), *index_files(SIMILAR)}
)


def segment_name(number: int) -> str:
    return f"{number:08d}.jsonl"


def is_segment_name(name: str) -> bool:
    return _SEGMENT_RE.fullmatch(name) is not None


_TILE_RE: Final = re.compile(
    r"tile/[0-9]{1,2}(/x[0-9]{3})*/[0-9]{3}(\.p/[0-9]{1,3})?|tree-size|position"
)
_CHECKPOINT_RE: Final = re.compile(r"[0-9]{8}\.(note|tsr)")


def is_tile_path(path: str) -> bool:
    """A C2SP `tlog-tiles` path under `log/` (`tile/0/x001/234`, `tile/1/005.p/7`), `tree-size`,
    `position` (the batch seq the tiles reach)."""
    return _TILE_RE.fullmatch(path) is not None


def is_checkpoint_name(name: str) -> bool:
    """`NNNNNNNN.note` (a signed checkpoint) or `NNNNNNNN.tsr` (its RFC 3161 token)."""
    return _CHECKPOINT_RE.fullmatch(name) is not None


#: The directories the store manages, each with the rule the paths inside it
#: follow ("/"-separated, relative to the directory; only `log/` has
#: subdirectories): everything in them is the store's (temp files aside).
MANAGED_DIRS: Final[Mapping[str, Callable[[str], bool]]] = MappingProxyType(
    {SEGMENTS: is_segment_name, LOG: is_tile_path, CHECKPOINTS: is_checkpoint_name}
)
_TILE_DIR_RE: Final = re.compile(r"tile(/[0-9]{1,2}(/x[0-9]{3})*(/[0-9]{3}\.p)?)?")


def is_tile_dir(path: str) -> bool:
    """A directory of the tiles under `log/` (`tile`, `tile/0`, `tile/0/x001`, `tile/1/005.p`)."""
    return _TILE_DIR_RE.fullmatch(path) is not None


#: The managed directories that have subdirectories, and the rule their paths follow.
MANAGED_SUBDIRS: Final[Mapping[str, Callable[[str], bool]]] = MappingProxyType({LOG: is_tile_dir})
#: The managed directories every store has; the others appear when first written.
REQUIRED_DIRS: Final = frozenset({SEGMENTS})


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
