"""Transparency proofs for a store: Merkle log, signed checkpoints, timestamps, evidence bundles.

The public face of the private modules inside this package; see docs/proofs.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.proofs._bundle import (
    BUNDLE_FORMAT,
    BundleReport,
    Rung,
    load_bundle,
    make_bundle,
    verify_bundle,
)
from newsarchive.proofs._checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    checkpoints_consistent,
    open_checkpoint,
    parse_checkpoint,
)
from newsarchive.proofs._keys import (
    generate_key_file,
    load_signer_key,
    load_verifier_key,
    write_signer_key,
)
from newsarchive.proofs._leaf import entry_leaf_hash, leaf_bytes, line_leaf_hash
from newsarchive.proofs._merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MemoryTree,
    NodeSource,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from newsarchive.proofs._note import (
    Note,
    NoteVerdict,
    Signature,
    SignerKey,
    VerifierKey,
    generate_signer,
    key_id,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    verify_note,
)
from newsarchive.proofs._tiles import TILE_HEIGHT, TILE_WIDTH, TileLog, tile_path
from newsarchive.proofs._timestamp import (
    TimestampVerdict,
    TsaTrust,
    load_tsa_trust,
    parse_timestamp_response,
    request_timestamp,
    timestamp_request,
    verify_timestamp,
)

if TYPE_CHECKING:
    from newsarchive.proofs._prove import Consistency
    from newsarchive.store import Store


def prove(store: Store, record_id: str, *, with_content: bool = True) -> dict[str, Any]:
    """The evidence bundle of a stored record (`newsarchive prove`; see `_prove.prove`)."""
    from newsarchive.proofs._prove import prove as _prove  # noqa: PLC0415 - imports the store

    return _prove(store, record_id, with_content=with_content)


def consistency(store: Store, old_note: bytes) -> Consistency:
    """The checked consistency proof from an older checkpoint to the store's latest."""
    from newsarchive.proofs._prove import consistency as _consistency  # noqa: PLC0415

    return _consistency(store, old_note)


__all__ = [
    "BUNDLE_FORMAT",
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "BundleReport",
    "Checkpoint",
    "MemoryTree",
    "NodeSource",
    "Note",
    "NoteVerdict",
    "Rung",
    "Signature",
    "SignedCheckpoint",
    "SignerKey",
    "TileLog",
    "TimestampVerdict",
    "TsaTrust",
    "VerifierKey",
    "checkpoints_consistent",
    "consistency",
    "consistency_proof",
    "entry_leaf_hash",
    "generate_key_file",
    "generate_signer",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "key_id",
    "leaf_bytes",
    "line_leaf_hash",
    "load_bundle",
    "load_signer_key",
    "load_tsa_trust",
    "load_verifier_key",
    "make_bundle",
    "open_checkpoint",
    "parse_checkpoint",
    "parse_note",
    "parse_signer_key",
    "parse_timestamp_response",
    "parse_verifier_key",
    "prove",
    "request_timestamp",
    "root_of",
    "sign_note",
    "tile_path",
    "timestamp_request",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_note",
    "verify_timestamp",
    "write_signer_key",
]
