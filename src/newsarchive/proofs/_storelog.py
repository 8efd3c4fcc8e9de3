"""The store's transparency log: a derived index (`"log"`) keeping its leaves as tiles in `log/`.

Every entry of every committed batch, in store order, is a leaf (`_leaf`
rules); the tree is kept by `TileLog` in the C2SP tlog-tiles layout under
`<store>/log/`. Like the other derived indexes it is made from the segments
alone: lost or damaged tiles are rebuilt (`store reindex`, or by the next
write when they cannot be read), and `store verify` compares them with a
recomputation from the segments and checks every checkpoint (`_storecheck`,
where the registry's factory, `open_log`, adds that audit to the log).

Where the tiles stand is the file `log/position`, ours, holding four decimal
numbers: the batch seq and tree size before the last append, and after it. It
is replaced (atomically) before the tiles are appended to; the tiles'
`tree-size` is the commit. So after a crash the tiles' size is one of the two
sizes, and names its seq; anything else (a lost or foreign file) makes the log
start again from the first batch.

Hashing is `hashlib` only: nothing here needs the `proofs` extra.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from newsarchive._atomicfile import fsync_dir, write_atomic
from newsarchive.errors import ProofError, StoreError
from newsarchive.proofs._leaf import canonical_line_leaf_hash, entry_leaf_hash
from newsarchive.proofs._tiles import TileLog
from newsarchive.store._layout import LOG, check_dir

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from newsarchive.store._segment import Entry

__all__ = ["POSITION", "StoreLog"]

#: The file in `log/` that maps the tiles' size to a batch seq.
POSITION: Final = "position"
_NUMBER: Final = "(0|[1-9][0-9]*)"
_POSITION_RE: Final = re.compile(f"{_NUMBER} {_NUMBER} {_NUMBER} {_NUMBER}\n")
#: Leaves held in memory before they are appended (a rebuild of a large store).
_FLUSH: Final = 1 << 16


def _read_position(directory: Path, size: int) -> tuple[int, int] | None:
    """(seq, size) of the tiles' committed `size`, or None if `position` does not name it."""
    try:
        text = (directory / POSITION).read_bytes()
    except OSError:
        return (0, 0) if size == 0 else None
    found = _POSITION_RE.fullmatch(text.decode("ascii", "replace"))
    if found is None:
        return None
    before_seq, before_size, after_seq, after_size = (int(g) for g in found.groups())
    if size == after_size:
        return after_seq, after_size
    if size == before_size:
        return before_seq, before_size
    return None


class StoreLog:
    """The derived index "log": the store's Merkle tree as tiles under `<root>/log/`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.directory = root / LOG
        self._tiles: TileLog | None = None
        self._seq = self._size = 0
        self._pending: list[bytes] = []
        self._pending_seq = 0
        if self.refused() is not None:
            return  # a symlink or a file where log/ belongs: never read or written through
        try:
            tiles = TileLog(self.directory)
        except ProofError:
            return  # unreadable: position 0, and the first batch taken in starts afresh
        known = _read_position(self.directory, tiles.size)
        if known is not None:
            self._tiles = tiles
            self._seq, self._size = known
            self._pending_seq = self._seq

    def refused(self) -> StoreError | None:
        """Why `log/` must not be used (it is there, and not a real directory), or None."""
        try:
            check_dir(self.directory)
        except StoreError as exc:
            return None if exc.code == "missing" else exc
        return None

    @property
    def tiles(self) -> TileLog:
        """The committed tree (a new `TileLog`, empty, if there was none usable)."""
        refused = self.refused()
        if refused is not None:
            raise refused
        if self._tiles is None:
            self._tiles = TileLog.rebuild(self.directory, [])
            write_atomic(self.directory / POSITION, b"0 0 0 0\n")
        return self._tiles

    @property
    def tiles_if_usable(self) -> TileLog | None:
        """The committed tree as found, or None if it was unreadable or its position unknown."""
        return self._tiles

    @property
    def size(self) -> int:
        """The committed number of leaves."""
        return self._size

    # -- the DerivedIndex protocol ---------------------------------------------------

    def position(self) -> int:
        return self._pending_seq

    def take(self, seq: int, entries: Sequence[Entry]) -> None:
        if seq != self._pending_seq + 1:
            return  # the log was reset under a catch-up (damaged tiles): the next one restarts
        for e in entries:
            leaf = canonical_line_leaf_hash(e.kind, e.value, e.line)
            self._pending.append(entry_leaf_hash(e.value) if leaf is None else leaf)
        self._pending_seq = seq
        if len(self._pending) >= _FLUSH:
            self.commit()

    def reset(self) -> None:
        self._tiles = None
        self._pending, self._pending_seq = [], 0
        self._seq = self._size = 0
        self.tiles  # noqa: B018 - makes the empty tree now

    def commit(self) -> None:
        if self._pending_seq == self._seq:
            return
        try:
            self._append()
        except OSError as exc:
            # The batches are stored; their leaves stay pending (the next commit
            # appends them), and after a crash `position` names the tiles' size.
            raise StoreError(
                f"could not write the store's log: {exc.strerror or exc}; the records are "
                "stored, and the log is caught up by the next write",
                code="write-failed",
                path=str(self.directory),
            ) from None

    def _append(self) -> None:
        tiles = self.tiles
        if not self.directory.exists():
            self.directory.mkdir()
            fsync_dir(self.root)
        size = self._size + len(self._pending)
        positions = f"{self._seq} {self._size} {self._pending_seq} {size}\n"
        write_atomic(self.directory / POSITION, positions.encode("ascii"))
        try:
            tiles.append(self._pending)
        except ProofError:
            # A tile the append builds on cannot be read: start again from the
            # first batch (the catch-up under way stops taking; the next one
            # rebuilds the whole log from the segments).
            self.reset()
            return
        self._seq, self._size = self._pending_seq, size
        self._pending = []

    def close(self) -> None:
        # What was not committed is caught up again by the next one to open it.
        self._pending, self._pending_seq = [], self._seq
