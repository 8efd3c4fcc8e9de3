"""Transparency proofs for a store: Merkle log, signed checkpoints, timestamps, evidence bundles.

The public face of the private modules inside this package; see docs/proofs.md.
"""

from __future__ import annotations

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
from newsarchive.proofs._tiles import TILE_HEIGHT, TILE_WIDTH, TileLog, tile_path

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "MemoryTree",
    "NodeSource",
    "TileLog",
    "consistency_proof",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "root_of",
    "tile_path",
    "verify_consistency",
    "verify_inclusion",
]
