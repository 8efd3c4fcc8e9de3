"""A Merkle tree on disk in the C2SP tlog-tiles layout, for logs too big to rebuild per proof.

Layout inside the caller's directory (https://c2sp.org/tlog-tiles):

    tile/<L>/<N>           a full tile: 256 hashes of 32 bytes, the tree nodes at
                           height 8*L with indices 256*N .. 256*N+255
    tile/<L>/<N>.p/<W>     a partial tile: its first W hashes (1 <= W <= 255)
    tree-size              the committed tree size, decimal and LF (ours, not C2SP)

`<N>` is written in groups of three digits, all but the last prefixed with
`x` (1234067 is `x001/x234/067`). Nodes between the stored heights (the inner
rows of a tile) are recomputed from the tile's bottom row when asked for, so a
proof reads one tile per 8 levels: three tiles for a million leaves.

Crash safety: every tile is written to a temporary file, fsync'd and renamed
into place (a partial tile is replaced by its next width, never edited), and
only then is `tree-size` replaced the same way: the commit point. Tiles beyond
the committed size are ignored and rewritten by the next append. Readers see
the committed tree only. One writer at a time (the store holds its lock).

The tiles are derived data: `TileLog.rebuild` makes them again from the leaf
hashes, and `verify` compares them with a recomputation.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Final

from newsarchive._atomicfile import TEMP_PREFIX, fsync_dir, write_atomic
from newsarchive.errors import ProofError
from newsarchive.proofs._merkle import (
    HASH_SIZE,
    consistency_proof,
    hash_children,
    inclusion_proof,
    perfect_root,
    range_hash,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["TILE_HEIGHT", "TILE_WIDTH", "TileLog", "tile_path"]

TILE_HEIGHT: Final = 8
TILE_WIDTH: Final = 1 << TILE_HEIGHT
_SIZE_FILE: Final = "tree-size"
_CACHE_TILES: Final = 64
_FSYNC_THREADS: Final = 8


def _index_path(n: int) -> str:
    digits = f"{n:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The C2SP path of a hash tile: `tile/<L>/<N>` or `tile/<L>/<N>.p/<W>`."""
    path = f"tile/{level}/{_index_path(index)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def _split_hashes(data: bytes) -> list[bytes]:
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def _write_one(item: tuple[Path, bytes]) -> None:
    """Write one tile: a temporary file beside it, written, fsync'd, renamed into place."""
    path, data = item
    tmp = path.with_name(f"{TEMP_PREFIX}{path.name}-{os.getpid()}-{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    os.close(fd)
    tmp.replace(path)


def _write_all(root: Path, files: dict[Path, bytes]) -> None:
    """Write each file via temp + fsync + rename (concurrently: fsyncs overlap); sync dirs once.

    A directory made here is synced in its parent too, up to `root`, so that
    after a crash a committed tile cannot be missing because its directory is.
    """
    items = list(files.items())
    parents = {p.parent for p in files}
    synced = set(parents)
    for directory in parents:
        made = directory
        while made != root and not made.exists():
            synced.add(made.parent)
            made = made.parent
        directory.mkdir(parents=True, exist_ok=True)
    directories = sorted(synced, key=lambda d: len(d.parts), reverse=True)
    if len(items) > 2:
        with ThreadPoolExecutor(_FSYNC_THREADS) as pool:
            for _ in pool.map(_write_one, items):
                pass
            for _ in pool.map(fsync_dir, directories):
                pass
    else:
        for item in items:
            _write_one(item)
        for directory in directories:
            fsync_dir(directory)


class TileLog:
    """The tiled Merkle tree in `directory` (created on first append)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._cache: dict[tuple[int, int, int], list[list[bytes]]] = {}
        try:
            text = (self.directory / _SIZE_FILE).read_text(encoding="ascii")
        except FileNotFoundError:
            self._size = 0
        except (OSError, UnicodeDecodeError) as exc:
            raise ProofError(f"cannot read the tree size: {exc}", code="damaged-tiles") from None
        else:
            if not (text.endswith("\n") and text[:-1].isdigit() and text.isascii()):
                raise ProofError(
                    f"{_SIZE_FILE} does not hold a tree size; rebuild the tiles",
                    code="damaged-tiles",
                )
            self._size = int(text)

    @property
    def size(self) -> int:
        """The committed number of leaves."""
        return self._size

    # -- reading -------------------------------------------------------------------

    def _read_tile(self, level: int, index: int, width: int) -> list[bytes]:
        path = self.directory / tile_path(level, index, width)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ProofError(
                f"cannot read {tile_path(level, index, width)}: {exc.strerror}; rebuild the tiles",
                code="damaged-tiles",
            ) from None
        if len(data) != width * HASH_SIZE:
            name, want = tile_path(level, index, width), width * HASH_SIZE
            raise ProofError(
                f"{name} holds {len(data)} bytes, not {want}; rebuild the tiles",
                code="damaged-tiles",
            )
        return _split_hashes(data)

    def _tile_rows(self, level: int, index: int, width: int) -> list[list[bytes]]:
        key = (level, index, width)
        rows = self._cache.get(key)
        if rows is None:
            rows = [self._read_tile(level, index, width)]
            while len(rows[-1]) > 1:
                below = rows[-1]
                rows.append(
                    [hash_children(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
                )
            if len(self._cache) >= _CACHE_TILES:
                del self._cache[next(iter(self._cache))]
            self._cache[key] = rows
        return rows

    def _width(self, level: int, index: int, size: int) -> int:
        return min(TILE_WIDTH, (size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH)

    def node(self, height: int, index: int) -> bytes:
        """The hash of a perfect subtree of the committed tree (see `NodeSource`)."""
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest
        tile, offset = divmod(first, TILE_WIDTH)
        width = self._width(level, tile, self._size)
        if offset + (1 << rest) > width:
            raise ValueError(f"node {height}/{index} is not in a tree of size {self._size}")
        return self._tile_rows(level, tile, width)[rest][offset >> rest]

    def tile_leaves(self, tile: int) -> list[bytes]:
        """The leaf hashes the level-0 tile `tile` holds, read as stored (for an audit)."""
        return self._read_tile(0, tile, self._width(0, tile, self._size))

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self._size:
            raise ValueError(f"leaf index {index} is not in a tree of size {self._size}")
        return self.node(0, index)

    def _checked_size(self, size: int | None) -> int:
        size = self._size if size is None else size
        if not 0 <= size <= self._size:
            raise ValueError(f"tree size {size} is beyond the log's {self._size} leaves")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree's first `size` leaves (default: all)."""
        return range_hash(0, self._checked_size(size), self.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self._checked_size(size), self.node)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        return consistency_proof(old, self._checked_size(new), self.node)

    # -- writing -------------------------------------------------------------------

    def append(self, leaf_hashes: Iterable[bytes]) -> int:
        """Append leaf hashes as one batch (one commit); return the new size."""
        nodes = list(leaf_hashes)
        for leaf in nodes:
            if len(leaf) != HASH_SIZE:
                raise ValueError(f"a leaf hash is 32 bytes, not {len(leaf)}")
        if not nodes:
            return self._size
        old, new = self._size, self._size + len(nodes)
        files: dict[Path, bytes] = {}
        touched: list[tuple[int, int, int]] = []
        level = 0
        while nodes:
            old_count = old >> (TILE_HEIGHT * level)
            first_tile, keep = divmod(old_count, TILE_WIDTH)
            row = (self._read_tile(level, first_tile, keep) if keep else []) + nodes
            nodes = []
            for start in range(0, len(row), TILE_WIDTH):
                chunk = row[start : start + TILE_WIDTH]
                tile = first_tile + start // TILE_WIDTH
                files[self.directory / tile_path(level, tile, len(chunk))] = b"".join(chunk)
                touched.append((level, tile, len(chunk)))
                if len(chunk) == TILE_WIDTH:
                    nodes.append(perfect_root(chunk))
            level += 1
        _write_all(self.directory, files)
        write_atomic(self.directory / _SIZE_FILE, f"{new}\n".encode())
        self._size = new
        self._drop_old_partials(touched)
        return new

    def _drop_old_partials(self, touched: list[tuple[int, int, int]]) -> None:
        """Remove partial tiles superseded by the committed ones (best effort)."""
        for level, tile, width in touched:
            partials = self.directory / f"{tile_path(level, tile)}.p"
            if not partials.is_dir():
                continue
            if width == TILE_WIDTH:
                shutil.rmtree(partials, ignore_errors=True)
                continue
            for entry in partials.iterdir():
                if entry.name != str(width):
                    with contextlib.suppress(OSError):
                        entry.unlink()

    @classmethod
    def rebuild(
        cls, directory: str | os.PathLike[str], leaf_hashes: Iterable[bytes], *, batch: int = 65536
    ) -> TileLog:
        """Make the tiles in `directory` again from scratch from the leaf hashes."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        write_atomic(path / _SIZE_FILE, b"0\n")
        shutil.rmtree(path / "tile", ignore_errors=True)
        log = cls(path)
        pending: list[bytes] = []
        for leaf in leaf_hashes:
            pending.append(leaf)
            if len(pending) >= batch:
                log.append(pending)
                pending = []
        log.append(pending)
        return log

    # -- checking ------------------------------------------------------------------

    def verify(self, leaf_hashes: Iterable[bytes] | None = None) -> list[str]:
        """Problems found comparing the tiles with a recomputation (empty: all agree).

        With `leaf_hashes` (from the segments, say) the bottom row is checked
        against them too; without, the upper levels are checked against the bottom.
        """
        problems: list[str] = []
        size = self._size
        # Tile by tile, level by level: only the recomputed roots of the level
        # below are held (one per 256 nodes), so memory stays small at any size.
        level, below = 0, None
        while size >> (TILE_HEIGHT * level):
            count = size >> (TILE_HEIGHT * level)
            roots: list[bytes] = []
            differs = False
            for tile in range(-(-count // TILE_WIDTH)):
                width = self._width(level, tile, size)
                try:
                    stored = self._read_tile(level, tile, width)
                except ProofError as exc:
                    problems.append(exc.message)
                    stored = [b""] * width
                first = tile * TILE_WIDTH
                if below is not None and not differs:
                    at = next((i for i, got in enumerate(stored) if below[first + i] != got), None)
                    if at is not None:
                        problems.append(
                            f"node {TILE_HEIGHT * level}/{first + at} in "
                            f"{tile_path(level, (first + at) // TILE_WIDTH)} "
                            "differs from the recomputation"
                        )
                        differs = True
                if width == TILE_WIDTH:  # the level above is recomputed from the leaves up
                    roots.append(
                        perfect_root(stored if below is None else below[first : first + width])
                    )
            below = roots
            level += 1
        if leaf_hashes is not None:
            problems.extend(self._compare_leaves(leaf_hashes))
        return problems

    def _compare_leaves(self, leaf_hashes: Iterable[bytes]) -> list[str]:
        count = 0
        for index, leaf in enumerate(leaf_hashes):
            count += 1
            if index < self._size:
                try:
                    if self.leaf_hash(index) != leaf:
                        return [f"leaf {index} differs from the recomputation"]
                except ProofError as exc:
                    return [exc.message]
        if count != self._size:
            return [f"the tiles hold {self._size} leaves, the recomputation {count}"]
        return []
