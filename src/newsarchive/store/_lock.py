"""The writer lock: an exclusive `flock` on the store's `lock` file.

Why flock: the kernel drops it when the holding process dies, however it
dies, so a killed importer never leaves a stale lock behind and nobody has to
guess whether a PID file is still alive. The `lock` file itself stays (empty)
and means nothing on its own. Readers never wait for it: to bring the index up
to date they try a shared lock and skip the catch-up while a writer holds it,
so they never index a batch that is written but not yet fsync'd. Limitation: flock
is not reliable on some network file systems; keep a store on a local disk.
"""

from __future__ import annotations

import fcntl
import os
from typing import TYPE_CHECKING, Self

from newsarchive.store._layout import INDEX, LOCK, open_nofollow

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

__all__ = ["WriterLock", "try_shared_lock", "writable"]


def try_shared_lock(root: Path) -> int | None:
    """A descriptor holding a shared lock, or None while a writer holds the lock."""
    fd = open_nofollow(root / LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


class WriterLock:
    """Context manager holding the store's writer lock (blocking until it is free)."""

    def __init__(self, root: Path) -> None:
        self._path = root / LOCK
        self._fd: int | None = None

    def __enter__(self) -> Self:
        fd = open_nofollow(self._path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None


def writable(root: Path) -> bool:
    """Whether we may write the store: its directory, and its index and lock file if there.

    A store without (a read-only copy, another user's store) is only read.
    """
    return os.access(root, os.W_OK) and all(
        os.access(root / name, os.W_OK) for name in (INDEX, LOCK) if (root / name).exists()
    )
