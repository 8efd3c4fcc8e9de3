"""Writing a file so that readers see the old file or the whole new one, never a part."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["TEMP_PREFIX", "atomic_writer", "fsync_dir", "write_atomic"]

#: Temporary files start with this, so a crash's leftovers are recognisable.
TEMP_PREFIX = ".newsarchive-tmp-"


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same directory, fsync, rename, fsync dir.

    The temp file lives beside the target because `os.replace` is atomic only
    within one file system; the directory is fsync'd so the rename itself
    survives a power loss.
    """
    with atomic_writer(path) as out:
        out.write(data)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Stream into `path` with the same guarantee as `write_atomic`: all or nothing."""
    target = Path(path)
    directory = target.parent
    if target.is_dir():  # found now, not after a whole export has been written
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    if target.exists() and not target.is_file():
        # A device or FIFO (/dev/stdout, say): renaming over it would replace it.
        raise OSError(errno.EINVAL, "not a regular file; write to standard output instead", path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    except OSError as exc:
        exc.filename = str(target)  # name the file asked for, not our temp name
        raise
    try:
        # mkstemp creates 0600; the result is an ordinary file others may read.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        try:
            os.replace(tmp, target)  # noqa: PTH105 - atomic rename, the point of the module
        except OSError as exc:
            exc.filename, exc.filename2 = str(target), None  # the user's name, not our temp's
            raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)  # noqa: PTH108
        raise
    fsync_dir(directory)


def fsync_dir(directory: Path) -> None:
    """Make new or renamed entries in `directory` durable (a rename alone is not)."""
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
