"""What the import progress bar counts: the bytes of the input files, when they are known.

A bar with a total shows how far along the import is and an estimate of the
time left; without one (standard input, a bag, an unreadable directory) it
counts files, as before.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from newsarchive.cli._common import Context

__all__ = ["import_progress", "input_size"]


def input_size(paths: list[str]) -> int | None:
    """Total bytes of the files an import of `paths` reads one by one; None if not known."""
    total = 0
    for top in paths:
        if top == "-":
            return None  # standard input: its size is known only once read
        if not Path(top).is_dir():
            total += Path(top).stat().st_size
            continue
        if Path(top).is_symlink():
            continue  # not followed by import either
        for folder, dirs, files in os.walk(top, onerror=_raise):
            if "bagit.txt" in files:
                return None  # a bag is read as one unit: the bar could not follow it
            dirs.sort()
            for name in files:
                total += os.lstat(os.path.join(folder, name)).st_size  # noqa: PTH118
    return total


def _raise(exc: OSError) -> None:
    raise exc


def import_progress(
    ctx: Context, paths: list[str], *, quiet: bool
) -> tuple[Any, Callable[[str], None] | None]:
    """The bar (or None) and the callback that import_paths calls with each file done."""
    from newsarchive.cli._common import progress  # noqa: PLC0415

    if quiet:
        return None, None
    try:
        total = input_size(paths)
    except OSError:
        total = None
    if total is None:
        bar = progress(ctx, "file")
        return bar, None if bar is None else (lambda _name: bar.update(1))
    bar = progress(ctx, "B", total)
    if bar is None:
        return None, None

    def done(name: str) -> None:
        with contextlib.suppress(OSError):  # gone since the walk: the bar only runs short
            bar.update(os.lstat(name).st_size)

    return bar, done
