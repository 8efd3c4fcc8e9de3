"""What `store verify` checks of the log: its tiles and every checkpoint, against the segments.

The leaves are recomputed from the committed batches the index lists (read
and hashed again, as the rest of the audit reads them), and

- the tiles must hold exactly those leaves as far as they reach, and their
  upper levels must agree with their bottom row (`log-mismatch`, or
  `log-damaged` when a tile cannot be read); tiles may lag (the next write
  or query catches them up), never run ahead;
- every checkpoint in `checkpoints/` must be of this store's origin, of a size
  the segments reach, and name the root the segments give at that size. So a
  store rolled back or truncated after a checkpoint (`checkpoint-ahead`), or
  rewritten under one (`checkpoint-mismatch`), fails. Since every checkpoint
  is held to the same recomputed tree, each later one is consistent with
  each earlier one when all pass. Their numbers run from 1 without a gap
  (`checkpoint-missing`: one was removed).

Signatures need the verifier key: `check_signatures` (`store verify --key`).
A token without its note is what an interrupted `store checkpoint` leaves
(`checkpoint-orphan-token`, a note).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

from newsarchive.errors import NewsArchiveError, ProofError
from newsarchive.proofs._leaf import entry_leaf_hash
from newsarchive.proofs._merkle import EMPTY_ROOT
from newsarchive.proofs._note import verify_note
from newsarchive.proofs._storecheckpoints import (
    StoreCheckpoint,
    checkpoint_numbers,
    note_name,
    read_checkpoint,
)
from newsarchive.proofs._storelog import StoreLog
from newsarchive.proofs._tiles import TILE_WIDTH
from newsarchive.store._derived import batches_after
from newsarchive.store._findings import Finding
from newsarchive.store._layout import CHECKPOINTS, LOG
from newsarchive.store._marker import read_marker

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Sequence
    from pathlib import Path

    from newsarchive.proofs._note import VerifierKey
    from newsarchive.proofs._tiles import TileLog
    from newsarchive.store._derived import BatchPlace

__all__ = ["CheckedLog", "LogAudit", "check_log", "check_signatures", "open_log"]


def _fold(stack: list[tuple[int, bytes]]) -> bytes:
    """The root of the leaves a compact range (perfect subtrees, left to right) stands for."""
    if not stack:
        return EMPTY_ROOT
    node = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        node = hashlib.sha256(b"\x01" + left + node).digest()
    return node


def _fail(code: str, where: str, message: str) -> Finding:
    return Finding("failure", code, where, message)


class _TileComparison:
    """Compares the recomputed leaves with the tiles, one by one, reporting the first difference."""

    def __init__(self, root: Path, findings: list[Finding]) -> None:
        self.findings = findings
        log = StoreLog(root)
        self.tiles: TileLog | None = None
        self.size = 0
        exists = (root / LOG).exists() and log.refused() is None  # else the layout audit says
        if log.tiles_if_usable is not None:
            self.tiles, self.size = log.tiles_if_usable, log.size
        elif exists:
            findings.append(
                _fail(
                    "log-damaged",
                    LOG,
                    "the tiles' size cannot be read or matches no batch; "
                    "`newsarchive store reindex` rebuilds them",
                )
            )
        self.open = self.tiles is not None
        self.tile, self.row = -1, [b""]  # the tile read last, and its leaves

    def compare(self, index: int, leaf: bytes) -> None:
        if not self.open or index >= self.size:
            return
        assert self.tiles is not None
        tile, offset = divmod(index, TILE_WIDTH)
        if tile != self.tile:  # the leaves come in order: each tile is read once
            try:
                self.row = self.tiles.tile_leaves(tile)
            except ProofError as exc:
                self.findings.append(_fail("log-damaged", LOG, exc.message))
                self.open = False
                return
            self.tile = tile
        if self.row[offset] != leaf:
            self.findings.append(
                _fail(
                    "log-mismatch",
                    LOG,
                    f"leaf {index} differs from the entry the segments hold there; "
                    "`newsarchive store reindex` rebuilds the tiles",
                )
            )
            self.open = False

    def finish(self, count: int, listed: int) -> None:
        """After `count` leaves were recomputed of the `listed` the index's batches hold."""
        if self.tiles is None:
            return
        if self.open:
            self.findings.extend(_fail("log-mismatch", LOG, p) for p in self.tiles.verify())
        if self.size > listed or (self.size > count == listed):
            self.findings.append(
                _fail(
                    "log-mismatch",
                    LOG,
                    f"the tiles hold {self.size} leaves, the segments' committed batches "
                    f"{count}: the log is ahead of the data",
                )
            )


def _checkpoints(root: Path, origin: str | None, findings: list[Finding]) -> list[StoreCheckpoint]:
    """The readable checkpoints of this store's log; findings for the others."""
    try:
        numbers = checkpoint_numbers(root)
    except NewsArchiveError:
        return []  # checkpoints/ is not a directory: the layout audit reports it
    found: list[StoreCheckpoint] = []
    for expected, number in enumerate(numbers, start=1):
        where = f"{CHECKPOINTS}/{note_name(number)}"
        if number != expected:
            findings.append(
                _fail(
                    "checkpoint-missing",
                    where,
                    f"checkpoint {expected} is missing before it: the history was cut",
                )
            )
        try:
            item = read_checkpoint(root, number)
        except (ProofError, OSError) as exc:
            message = exc.message if isinstance(exc, ProofError) else str(exc.strerror)
            findings.append(_fail("checkpoint-malformed", where, message))
            continue
        if item.checkpoint.origin != origin:
            findings.append(
                _fail(
                    "checkpoint-origin",
                    where,
                    f"signs the log {item.checkpoint.origin!r}, not this store's {origin!r}",
                )
            )
            continue
        found.append(item)
    last = numbers[-1] if numbers else 0
    try:
        names = sorted(p.name for p in (root / CHECKPOINTS).iterdir())
    except OSError:
        names = []
    findings.extend(
        Finding(
            "note",
            "checkpoint-orphan-token",
            f"{CHECKPOINTS}/{name}",
            "a time-stamp without its checkpoint (an interrupted `store checkpoint`)",
        )
        for name in names
        if name.endswith(".tsr") and name[:8].isdigit() and int(name[:8]) > last
    )
    return found


def _held_to_tree(
    items: list[StoreCheckpoint], roots: dict[int, bytes], count: int, findings: list[Finding]
) -> None:
    for item in items:
        size = item.checkpoint.size
        if size > count:
            findings.append(
                _fail(
                    "checkpoint-ahead",
                    item.name,
                    f"signs a log of {size} entries; the segments hold {count} in order: "
                    "the store was rolled back or truncated after it (or is damaged)",
                )
            )
        elif roots[size] != item.checkpoint.root:
            findings.append(
                _fail(
                    "checkpoint-mismatch",
                    item.name,
                    f"its root is not the root of the first {size} entries the segments "
                    "hold: the store was rewritten after it",
                )
            )


class LogAudit:
    """The log's part of `store verify`, fed the leaves of the committed batches in store order.

    Fed by the audit's workers (`entry_function` is the leaf rule, run beside
    the store's own checks of each entry), or by `check_log`'s own reading.
    Only the batches the index lists count, in its order, from the first on:
    the first that is missing, damaged or elsewhere ends the walk, as
    `batches_after` ends it.
    """

    entry_function: Final = "newsarchive.proofs._leaf:entry_leaf_hash"

    def __init__(self, root: Path, index: sqlite3.Connection) -> None:
        self._findings: list[Finding] = []
        self.items = _checkpoints(root, read_marker(root).origin, self._findings)
        self.wanted = {item.checkpoint.size for item in self.items}
        self.roots = {0: EMPTY_ROOT}
        self.tiles = _TileComparison(root, self._findings)
        # No log yet and nothing signed: nothing to compare the leaves with.
        self.needed = self.tiles.tiles is not None or bool(self.items)
        self.stack: list[tuple[int, bytes]] = []
        self.count = 0
        (self.listed,) = index.execute("SELECT coalesce(sum(entries), 0) FROM batches").fetchone()
        self.rows = index.execute('SELECT seq, segment, start, "end" FROM batches ORDER BY seq')
        self.taken = 0
        self.walking = self.needed

    def feed(self, place: BatchPlace, values: Sequence[bytes]) -> None:
        if not self.walking:
            return
        row = self.rows.fetchone()
        if row is None or tuple(row) != place or place[0] != self.taken + 1:
            self.walking = False  # a listed batch is not where the index says, or not intact
            return
        self.taken += 1
        self.take(values)

    def take(self, leaves: Sequence[bytes]) -> None:
        """The leaves of the next batch the index lists (checked by the caller)."""
        for leaf in leaves:
            self.tiles.compare(self.count, leaf)
            height, node = 0, leaf
            while self.stack and self.stack[-1][0] == height:
                node = hashlib.sha256(b"\x01" + self.stack.pop()[1] + node).digest()
                height += 1
            self.stack.append((height, node))
            self.count += 1
            if self.count in self.wanted:
                self.roots[self.count] = _fold(self.stack)

    def findings(self) -> list[Finding]:
        if self.needed:
            self.tiles.finish(self.count, self.listed)
            _held_to_tree(self.items, self.roots, self.count, self._findings)
        return self._findings


def check_log(root: Path, index: sqlite3.Connection) -> list[Finding]:
    """The findings on the log's tiles and the checkpoints, reading the segments itself."""
    audit = LogAudit(root, index)
    if audit.needed:
        for batch in batches_after(root, index, 0):  # the index's batches, in its order
            audit.take([entry_leaf_hash(entry.value) for entry in batch.entries])
    return audit.findings()


class CheckedLog(StoreLog):
    """The log as the store's derived index (`_derived.DERIVED["log"]`): kept, and audited."""

    def check(self, index: sqlite3.Connection) -> list[Finding]:
        return check_log(self.root, index)

    def audit(self, index: sqlite3.Connection) -> LogAudit:
        return LogAudit(self.root, index)


def open_log(root: Path) -> CheckedLog:
    """The factory `_derived.DERIVED["log"]` names."""
    return CheckedLog(root)


def check_signatures(root: Path, keys: Sequence[VerifierKey]) -> list[Finding]:
    """`store verify --key`: every checkpoint must be signed by one of `keys` (needs `proofs`).

    Checkpoints that cannot be read are left to `check_log`'s findings.
    """
    findings: list[Finding] = []
    try:
        numbers = checkpoint_numbers(root)
    except NewsArchiveError:
        return []
    for number in numbers:
        try:
            item = read_checkpoint(root, number)
        except (ProofError, OSError):
            continue
        verdict = verify_note(item.note, keys)
        if not verdict.ok:
            findings.append(_fail("checkpoint-signature", item.name, verdict.reason))
    return findings
