"""A store's checkpoint history: `checkpoints/NNNNNNNN.note` (+ `.tsr`), append-only.

Each `.note` is a signed C2SP checkpoint of the store's log (origin =
`Store.origin`, the tree size, its root), numbered from 1 in the order they
were made; a `.tsr` beside it is the RFC 3161 time-stamp response over the
note's bytes, kept as the TSA sent it. A checkpoint is written with the
writer lock held: the token first, then the note, each to a temporary file
that is fsync'd and renamed into place; the note is the commit (a token
without its note is what a crash leaves, and is replaced by the next one).

Signing needs the `proofs` extra (`cryptography`), stamping `rfc3161-client`;
reading the history needs neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs

from newsarchive._atomicfile import fsync_dir, write_atomic
from newsarchive.errors import ProofError
from newsarchive.proofs._checkpoint import Checkpoint, parse_checkpoint
from newsarchive.proofs._note import parse_note
from newsarchive.store._layout import CHECKPOINTS, check_dir, is_regular

if TYPE_CHECKING:
    from pathlib import Path

    from newsarchive.proofs._note import SignerKey
    from newsarchive.store._core import StoreCore

__all__ = [
    "StoreCheckpoint",
    "checkpoint_numbers",
    "latest_checkpoint",
    "note_name",
    "read_checkpoint",
    "token_name",
    "write_checkpoint",
]

#: A checkpoint note is at most this long (a checkpoint and up to 100 signature lines).
MAX_NOTE: Final = 64 * 1024


def note_name(number: int) -> str:
    return f"{number:08d}.note"


def token_name(number: int) -> str:
    return f"{number:08d}.tsr"


@attrs.frozen
class StoreCheckpoint:
    """One checkpoint of the history: its number, note bytes, parsed body, and token if any."""

    number: int
    note: bytes
    checkpoint: Checkpoint
    token: bytes | None

    @property
    def name(self) -> str:
        return f"{CHECKPOINTS}/{note_name(self.number)}"


def checkpoint_numbers(root: Path) -> list[int]:
    """The numbers of the `.note` files in `checkpoints/`, ascending (none if it is absent)."""
    directory = root / CHECKPOINTS
    if not directory.exists():
        return []
    check_dir(directory)
    return sorted(
        int(name[:8])
        for name in (p.name for p in directory.iterdir())
        if name.endswith(".note") and len(name) == 13 and name[:8].isdigit()
    )


def _read(path: Path, limit: int) -> bytes:
    if not is_regular(path):
        raise ProofError(f"{path.name} is not a regular file", code="malformed-checkpoint")
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ProofError(f"{path.name} is larger than a checkpoint", code="malformed-checkpoint")
    return data


def read_checkpoint(root: Path, number: int) -> StoreCheckpoint:
    """Checkpoint `number` of the history, parsed (its signatures are not checked here)."""
    directory = root / CHECKPOINTS
    note = _read(directory / note_name(number), MAX_NOTE)
    checkpoint = parse_checkpoint(parse_note(note).text)
    token_path = directory / token_name(number)
    token = _read(token_path, 1 << 20) if token_path.exists() else None
    return StoreCheckpoint(number, note, checkpoint, token)


def latest_checkpoint(root: Path) -> StoreCheckpoint | None:
    """The last checkpoint made, or None if there is none."""
    numbers = checkpoint_numbers(root)
    return read_checkpoint(root, numbers[-1]) if numbers else None


def write_checkpoint(
    store: StoreCore,
    signer: SignerKey,
    *,
    tsa_url: str | None = None,
    cafile: str | None = None,
) -> StoreCheckpoint:
    """Sign a checkpoint of the store's log as it stands, stamp it if asked, add it to the history.

    The tree's size and root come from the tiles (no segment is read). The
    writer lock is held while the log is caught up and read, and again while
    the files are written; the TSA is asked in between, so a slow TSA does not
    hold up writers (the checkpoint names the log as it was when read).
    """
    from newsarchive.proofs._storelog import StoreLog  # noqa: PLC0415
    from newsarchive.proofs._timestamp import request_timestamp  # noqa: PLC0415

    log = store.derived("log")
    if not isinstance(log, StoreLog):  # pragma: no cover - the registry names StoreLog
        raise TypeError("the store's 'log' is not a StoreLog")
    origin = store.origin
    if origin is None:  # pragma: no cover - derived() took the lock, which upgrades
        raise ProofError("the store has no log origin", code="no-origin")
    checkpoint = Checkpoint(origin, log.size, log.tiles.root(log.size))
    note = checkpoint.sign([signer])
    token = None if tsa_url is None else request_timestamp(tsa_url, note, cafile=cafile)
    with store.writer_lock():
        directory = store.root / CHECKPOINTS
        if not directory.exists():
            directory.mkdir()
            fsync_dir(store.root)
        numbers = checkpoint_numbers(store.root)
        number = numbers[-1] + 1 if numbers else 1
        if token is not None:
            write_atomic(directory / token_name(number), token)
        else:
            (directory / token_name(number)).unlink(missing_ok=True)  # a crash's leftover
        write_atomic(directory / note_name(number), note)
    return StoreCheckpoint(number, note, checkpoint, token)
