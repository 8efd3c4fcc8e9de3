"""Proofs out of a store: a record's evidence bundle, and consistency with an older checkpoint.

`prove` finds the record's entry in the segments, its leaf index in the log
(from the index: the entries of the batches before its own, then those before
it in its batch), the latest checkpoint whose tree holds it, and the
inclusion proof from the tiles; the bundle is `_bundle.make_bundle`'s.
`consistency` gives the RFC 9162 proof that the latest checkpoint's tree
extends an older checkpoint of the same log, and checks it. Both read the
tiles, never the whole segments; both refuse when the tiles do not hold what
the checkpoint names (`store verify` says why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import attrs
import orjson

from newsarchive.errors import ProofError, RecordNotFound, StoreCorrupted
from newsarchive.proofs._bundle import make_bundle
from newsarchive.proofs._checkpoint import Checkpoint, checkpoints_consistent, parse_checkpoint
from newsarchive.proofs._leaf import entry_leaf_hash
from newsarchive.proofs._note import parse_note
from newsarchive.proofs._storecheckpoints import (
    StoreCheckpoint,
    checkpoint_numbers,
    read_checkpoint,
)
from newsarchive.proofs._storelog import StoreLog
from newsarchive.store._keys import BY_ID, by_id

if TYPE_CHECKING:
    import sqlite3

    from newsarchive.store import Store

__all__ = ["Consistency", "consistency", "leaf_index", "prove"]

#: Run `store checkpoint` first: the error code when no checkpoint covers a record.
NOT_COVERED: Final = "not-covered"


def leaf_index(index: sqlite3.Connection, segment: str, offset: int) -> int:
    """The log index of the entry at (`segment`, `offset`): how many entries precede it."""
    row = index.execute(
        "SELECT seq, start FROM batches WHERE segment=? AND start<=? ORDER BY start DESC LIMIT 1",
        (segment, offset),
    ).fetchone()
    if row is None:
        raise StoreCorrupted(f"no batch of {segment} holds byte {offset}; run `store verify`")
    seq, start = row
    (before,) = index.execute(
        "SELECT coalesce(sum(entries), 0) FROM batches WHERE seq < ?", (seq,)
    ).fetchone()
    (within,) = index.execute(
        "SELECT count(*) FROM entries WHERE segment=? AND offset>=? AND offset<?",
        (segment, start, offset),
    ).fetchone()
    return int(before) + int(within)


def _log(store: Store) -> StoreLog:
    log = store.derived("log")
    if not isinstance(log, StoreLog):  # pragma: no cover - the registry names StoreLog
        raise TypeError("the store's 'log' is not a StoreLog")
    return log


def _matches(log: StoreLog, item: StoreCheckpoint, origin: str | None) -> None:
    """Refuse a checkpoint the tiles do not agree with (the store changed since it was signed)."""
    size = item.checkpoint.size
    if (
        item.checkpoint.origin != origin
        or size > log.size
        or log.tiles.root(size) != (item.checkpoint.root)
    ):
        raise StoreCorrupted(
            f"the log no longer matches {item.name}; run `newsarchive store verify`"
        )


def prove(store: Store, record_id: str, *, with_content: bool = True) -> dict[str, Any]:
    """The evidence bundle of a stored record, with the latest checkpoint covering it.

    `ProofError` (code "not-covered") when no checkpoint covers it yet.
    """
    log = _log(store)
    row = store.index.execute(
        f"SELECT segment, offset, length FROM records WHERE {BY_ID}",  # noqa: S608
        by_id(record_id),
    ).fetchone()
    if row is None:
        raise RecordNotFound(f"no record with id {record_id!r} in {store.root}")
    entry = orjson.loads(store.read_line(*row))
    record = entry.get("record") if isinstance(entry, dict) else None
    if not isinstance(record, dict) or record.get("id") != record_id:
        raise StoreCorrupted(
            f"the index places record {record_id} where another entry is; "
            "run `newsarchive store reindex`"
        )
    index = leaf_index(store.index, row[0], row[1])
    if index >= log.size or log.tiles.leaf_hash(index) != entry_leaf_hash(entry):
        raise StoreCorrupted(
            f"the log does not hold record {record_id} as entry {index}; "
            "run `newsarchive store verify`"
        )
    covering = None
    for number in reversed(checkpoint_numbers(store.root)):
        item = read_checkpoint(store.root, number)
        if item.checkpoint.size > index:
            covering = item
            break
    if covering is None:
        raise ProofError(
            f"no checkpoint covers record {record_id} yet (entry {index} of the log); "
            "run `newsarchive store checkpoint --key FILE` first",
            code=NOT_COVERED,
        )
    _matches(log, covering, store.origin)
    proof = log.tiles.inclusion_proof(index, covering.checkpoint.size)
    content = store.get(record_id).get("content") if with_content else None
    return make_bundle(entry, content, index, proof, covering.note, covering.token)


@attrs.frozen
class Consistency:
    """The proof that `new` (the latest checkpoint) extends `old`, and whether it checks out."""

    old: Checkpoint
    new: StoreCheckpoint
    proof: tuple[bytes, ...]
    ok: bool
    reason: str


def consistency(store: Store, old_note: bytes) -> Consistency:
    """The consistency proof from the checkpoint in `old_note` to the store's latest, checked.

    `ProofError` if `old_note` is not a signed checkpoint (malformed input) or
    the store has no checkpoint yet (code "no-checkpoint").
    """
    old = parse_checkpoint(parse_note(old_note).text)
    numbers = checkpoint_numbers(store.root)
    if not numbers:
        raise ProofError(
            "the store has no checkpoint yet; run `newsarchive store checkpoint --key FILE`",
            code="no-checkpoint",
        )
    new = read_checkpoint(store.root, numbers[-1])
    log = _log(store)
    _matches(log, new, store.origin)
    size, new_size = old.size, new.checkpoint.size
    if old.origin != new.checkpoint.origin:
        why = f"the old checkpoint is of the log {old.origin!r}, not this one"
        return Consistency(old, new, (), ok=False, reason=why)
    if size > new_size:
        why = (
            f"the old checkpoint signs {size} entries, the latest only {new_size}: "
            "the log was rolled back or truncated"
        )
        return Consistency(old, new, (), ok=False, reason=why)
    proof = tuple(log.tiles.consistency_proof(size, new_size) if size else [])
    if not checkpoints_consistent(old, new.checkpoint, proof):
        why = (
            f"the log's first {size} entries are not those the old checkpoint signed: "
            "it was rewritten"
        )
        return Consistency(old, new, proof, ok=False, reason=why)
    why = f"the log of {new_size} entries extends the old one of {size}"
    return Consistency(old, new, proof, ok=True, reason=why)
