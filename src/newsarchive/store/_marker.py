"""The store marker: which layout a store directory has, and its log origin.

Layout 1 (the first release) marks a store with exactly

    {"format":"newsarchive-store","layout":1}

Layout 2 adds the store's **origin**, the name its transparency log signs
checkpoints under (C2SP `tlog-checkpoint`), given at creation
(`newsarchive init --origin NAME`) and never changed afterwards:

    {"format":"newsarchive-store","layout":2,"origin":"NAME"}

Each marker is that RFC 8785 canonical JSON object and one LF, byte for byte;
anything else is not a marker. A layout-1 store is upgraded in place by its
first write (or `init`): the marker is replaced atomically (temp file, fsync,
rename, directory fsync), so a crash leaves either marker, both valid, and
everything layout 2 adds beside the segments is derived data built on demand.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import TYPE_CHECKING, Final

import attrs

from newsarchive._atomicfile import fsync_dir, write_atomic
from newsarchive.errors import StoreError
from newsarchive.jsonl import dumps_line
from newsarchive.store._layout import MARKER, SEGMENTS, check_dir, open_nofollow
from newsarchive.store._lock import WriterLock

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "LAYOUT",
    "LAYOUT1_MARKER",
    "Marker",
    "check_origin",
    "default_origin",
    "make_store",
    "marker_bytes",
    "parse_marker",
    "read_marker",
    "upgrade",
]

#: The layout this version writes.
LAYOUT: Final = 2
LAYOUT1_MARKER: Final = b'{"format":"newsarchive-store","layout":1}\n'
#: A C2SP origin line, which is also a signed-note key name: printable ASCII
#: without spaces or "+" (the note rules), nor the quote and backslash JSON
#: would escape in the marker; at most 256 characters.
_ORIGIN: Final = re.compile(r"[\x21\x23-\x2a\x2c-\x5b\x5d-\x7e]{1,256}")
_DEFAULT_PREFIX: Final = "newsarchive.invalid/store/"


@attrs.frozen
class Marker:
    """What a store's marker says."""

    layout: int
    #: The log origin; None for a layout-1 store (it gets one when upgraded).
    origin: str | None


def check_origin(origin: str) -> str:
    """`origin` if it can name a log (see `_ORIGIN`); `StoreError` if not."""
    if _ORIGIN.fullmatch(origin) is None:
        raise StoreError(
            "a log origin is 1 to 256 printable ASCII characters without spaces, '+', "
            "quotes or backslashes "
            f"(for example example.org/newsroom-archive), not {origin!r}",
            code="bad-origin",
        )
    return origin


def default_origin() -> str:
    """A name unique to a new store: `newsarchive.invalid/store/` and a random UUID.

    `.invalid` is a reserved top-level domain (RFC 2606): the name claims no
    one's domain, and a store meant to be published should be given a real one.
    """
    return f"{_DEFAULT_PREFIX}{uuid.uuid4().hex}"


def marker_bytes(origin: str) -> bytes:
    """The layout-2 marker of a store whose log is named `origin`."""
    marker = {"format": "newsarchive-store", "layout": LAYOUT, "origin": check_origin(origin)}
    return dumps_line(marker)


def parse_marker(data: bytes) -> Marker | None:
    """The marker `data` holds, or None if it is not exactly a layout-1 or layout-2 marker."""
    if data == LAYOUT1_MARKER:
        return Marker(1, None)
    prefix = b'{"format":"newsarchive-store","layout":2,"origin":"'
    if not data.startswith(prefix) or not data.endswith(b'"}\n'):
        return None
    try:
        origin = data[len(prefix) : -3].decode("ascii")
    except UnicodeDecodeError:
        return None
    if _ORIGIN.fullmatch(origin) is None or marker_bytes(origin) != data:
        return None
    return Marker(LAYOUT, origin)


def read_marker(root: Path) -> Marker:
    """The marker of the store at `root`; `StoreError` if there is none or it is not one."""
    try:
        fd = open_nofollow(root / MARKER, os.O_RDONLY)
    except FileNotFoundError:
        raise StoreError(
            f"not a newsarchive store (no {MARKER}); create one with `newsarchive init`",
            code="not-a-store",
            path=str(root),
        ) from None
    with os.fdopen(fd, "rb") as f:
        marker = parse_marker(f.read(1024))
    if marker is None:
        raise StoreError(
            "is not a store marker of layout 1 or 2 (damaged, or made by a newer newsarchive)",
            code="bad-marker",
            path=str(root / MARKER),
        )
    return marker


def upgrade(root: Path, origin: str | None) -> Marker:
    """Layout 1 -> 2 in place (the caller holds the writer lock): only the marker changes.

    The segments and the index are the same in both layouts; what layout 2
    adds is derived (built on demand) or appears when first written. So the
    upgrade is one atomic replacement of the marker: a crash leaves the old
    marker or the new one, both valid.
    """
    name = origin or default_origin()
    try:
        write_atomic(root / MARKER, marker_bytes(name))
        fsync_dir(root)
    except OSError as exc:
        raise StoreError(
            f"could not upgrade the store to layout {LAYOUT}: {exc.strerror or exc}; "
            "it is unchanged (still layout 1)",
            code="upgrade-failed",
            path=str(root),
        ) from None
    return Marker(LAYOUT, name)


def make_store(root: Path, origin: str | None) -> None:
    """Make `root` a store (`Store.init`): create it, or check and upgrade the one there.

    Under the writer lock: an empty (or missing) directory gets `segments/`
    and a layout-2 marker naming `origin` (default: `default_origin()`); a
    layout-1 store is upgraded; a layout-2 store must name `origin` already.
    """
    if origin is not None:
        check_origin(origin)
    if not root.exists():
        root.mkdir(parents=True)
        fsync_dir(root.absolute().parent)  # the new directory's own entry
    check_dir(root)
    with WriterLock(root):
        marker = root / MARKER
        if not marker.is_file() or marker.is_symlink():
            # Only an interrupted init of ours (lock, empty segments/) may be there.
            others = set(os.listdir(root)) - {"lock", SEGMENTS}
            segments = root / SEGMENTS
            if others or (segments.exists() and os.listdir(segments)):
                raise StoreError(
                    "not empty and not a store; choose an empty directory",
                    code="not-empty",
                    path=str(root),
                )
            (root / SEGMENTS).mkdir(exist_ok=True)
            write_atomic(marker, marker_bytes(origin or default_origin()))
            fsync_dir(root)
        else:
            found = read_marker(root)
            if found.layout < LAYOUT:
                upgrade(root, origin)
            elif origin is not None and found.origin != origin:
                raise StoreError(
                    f"already names its log {found.origin!r}; a store's origin never changes",
                    code="origin-mismatch",
                    path=str(root),
                )
