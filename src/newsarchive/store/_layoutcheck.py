"""The whole-store checks of `store verify`: the directory's layout and the index as a whole."""

from __future__ import annotations

import os
import sqlite3
import stat
from typing import TYPE_CHECKING, Final

from newsarchive.store._findings import Finding
from newsarchive.store._index import read_only_uri
from newsarchive.store._layout import (
    INDEX,
    MANAGED_DIRS,
    MANAGED_SUBDIRS,
    MARKER,
    REQUIRED_DIRS,
    SEGMENTS,
    STORE_FILES,
    TEMP_PREFIX,
    open_nofollow,
)
from newsarchive.store._marker import parse_marker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

__all__ = ["layout_findings", "whole_index_check"]

_SYMLINK: Final = "symlink inside the store (never followed)"
_TEMP: Final = "temp file of an interrupted write; the next writer removes it"


def _managed_dir_findings(
    root: Path, directory: str, rule: Callable[[str], bool], sub: str = ""
) -> Iterator[Finding]:
    """Everything in a directory the store manages is the store's: anything unknown fails.

    A subdirectory is walked (never through a symlink) where the layout has
    one (`MANAGED_SUBDIRS`); any other is unknown.
    """
    subdir = MANAGED_SUBDIRS.get(directory)
    for name in sorted(os.listdir(root / directory / sub)):
        inner = f"{sub}{name}"
        mode = os.lstat(root / directory / inner).st_mode
        rel = f"{directory}/{inner}"
        if stat.S_ISLNK(mode):
            yield Finding("failure", "symlink", rel, _SYMLINK)
        elif name.startswith(TEMP_PREFIX) and stat.S_ISREG(mode):
            yield Finding("note", "temp-file", rel, _TEMP)
        elif stat.S_ISDIR(mode) and subdir is not None and subdir(inner):
            yield from _managed_dir_findings(root, directory, rule, f"{inner}/")
        elif not (rule(inner) and stat.S_ISREG(mode)):
            yield Finding(
                "failure", "unknown-file", rel, f"not a file of the store in its {directory}/"
            )


def layout_findings(root: Path) -> Iterator[Finding]:
    """Symlinks, unknown files, a wrong marker, leftover temp files (see `_layout`)."""
    for name in sorted(os.listdir(root)):
        mode = os.lstat(root / name).st_mode
        if name in MANAGED_DIRS:
            if stat.S_ISLNK(mode):
                yield Finding("failure", "symlink", name, _SYMLINK)
            elif not stat.S_ISDIR(mode):
                yield Finding("failure", "unknown-file", name, "should be a directory")
            else:
                yield from _managed_dir_findings(root, name, MANAGED_DIRS[name])
        elif name in STORE_FILES:
            if stat.S_ISLNK(mode):
                yield Finding("failure", "symlink", name, _SYMLINK)
            elif not stat.S_ISREG(mode):
                yield Finding("failure", "unknown-file", name, "should be a regular file")
        elif name.startswith(TEMP_PREFIX) and stat.S_ISREG(mode):
            yield Finding("note", "temp-file", name, _TEMP)
        else:
            # Beside the store's own files, as BagIt allows tag files beside data/:
            # the user's, never read or followed by the store, and left alone.
            kind = (
                "symlink" if stat.S_ISLNK(mode) else "directory" if stat.S_ISDIR(mode) else "file"
            )
            yield Finding(
                "note", "unknown-file", name, f"a {kind} that is not the store's (left alone)"
            )
    for name in sorted(REQUIRED_DIRS):
        if not os.path.lexists(root / name):
            yield Finding("failure", "missing-segment", name, "the directory is gone")
    try:
        with os.fdopen(open_nofollow(root / MARKER, os.O_RDONLY), "rb") as f:
            marker = f.read(1024)
    except OSError:
        marker = b""
    if parse_marker(marker) is None:
        yield Finding("failure", "bad-marker", MARKER, "the store marker is missing or altered")


def _index_findings(
    conn: sqlite3.Connection, root: Path, names: list[str], integrity: bool
) -> Iterator[Finding]:
    """Whole-store checks that need the index: integrity, lag, missing segments, batch order."""
    # integrity_check, not quick_check: only it checks that SQLite's own
    # indexes agree with their tables (a flipped row id in the id index).
    result = conn.execute("PRAGMA integrity_check").fetchone() if integrity else ("ok",)
    if result is None or result[0] != "ok":
        yield Finding("failure", "index-corrupt", INDEX, f"SQLite integrity_check: {result}")
    segments = root / SEGMENTS
    present: set[str] = set()
    if os.path.islink(segments) or not os.path.isdir(segments):
        listed = []  # segments/ itself gone or replaced: one layout finding says it
    else:
        present = set(os.listdir(segments))
        listed = conn.execute("SELECT name FROM segments ORDER BY name").fetchall()
    for (name,) in listed:
        # Something else under its name (a symlink, a directory) is reported by the layout check.
        if name not in names and name not in present:
            yield Finding(
                "failure", "missing-segment", name, "the index lists it; the file is gone"
            )
    for name in names:
        row = conn.execute("SELECT indexed FROM segments WHERE name=?", (name,)).fetchone()
        size = os.lstat(root / SEGMENTS / name).st_size
        if size and (row is None or row[0] < size):
            yield Finding(
                "note",
                "index-lags",
                name,
                "the index does not cover the end of this segment yet; it catches up on the "
                "next open (or a torn tail is noted above)",
            )
    expected = 1
    for (seq,) in conn.execute("SELECT seq FROM batches ORDER BY seq"):
        if seq != expected:
            yield Finding(
                "failure", "missing-batch", INDEX, f"batches {expected}..{seq - 1} are missing"
            )
        expected = seq + 1
    for record_id, blob in conn.execute(
        "SELECT id, content_blob FROM records WHERE content_blob IS NOT NULL "
        "AND content_blob NOT IN (SELECT digest FROM blobs)"
    ):
        yield Finding(
            "failure", "missing-content", INDEX, f"content {blob} is not stored", record_id
        )


def whole_index_check(root: Path, names: list[str], integrity: bool) -> list[Finding]:
    try:
        conn = sqlite3.connect(read_only_uri(root / INDEX), uri=True)
        try:
            return list(_index_findings(conn, root, names, integrity))
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return [Finding("failure", "index-corrupt", INDEX, str(exc))]
