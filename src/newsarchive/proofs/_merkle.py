"""RFC 9162 (RFC 6962) Merkle trees over SHA-256: hashes, roots, inclusion and consistency proofs.

Leaf hash `SHA-256(0x00 || bytes)`, node hash `SHA-256(0x01 || left || right)`,
the empty tree's root `SHA-256("")`. A tree of n leaves splits at the largest
power of two below n (RFC 9162 section 2.1.1).

Proof *generation* here is independent of where the hashes live: it asks a
`NodeSource` (a function `(height, index) -> hash` for the perfect subtree of
2**height leaves starting at leaf `index * 2**height`) for the few nodes it
needs. `MemoryTree` answers from lists in memory; the tiled log answers from
tiles on disk. Every loop here is iterative: a tree's depth is at most 64, but
nothing recurses over leaves.

Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 and adds the two
rules of the Go verifier (transparency-dev/merkle) that the RFC leaves open:
a leaf hash must be 32 bytes, and a consistency proof from size 0 is refused.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryTree",
    "NodeSource",
    "consistency_proof",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "perfect_root",
    "range_hash",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def hash_leaf(data: bytes) -> bytes:
    """The RFC 9162 leaf hash of `data`."""
    return _sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 interior node hash of two child hashes."""
    return _sha256(b"\x01" + left + right).digest()


class NodeSource(Protocol):
    """Hash of the perfect subtree of height `height` whose leaves start at `index << height`."""

    def __call__(self, height: int, index: int, /) -> bytes: ...


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """Root of a perfect subtree over `hashes` (a power-of-two count, at least 1)."""
    row = list(hashes)
    while len(row) > 1:
        row = [_sha256(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, len(row), 2)]
    return row[0]


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    """The root of the tree over `leaf_hashes`, streaming, with memory O(log n)."""
    stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees, left to right
    for leaf in leaf_hashes:
        height, node = 0, leaf
        while stack and stack[-1][0] == height:
            node = _sha256(b"\x01" + stack.pop()[1] + node).digest()
            height += 1
        stack.append((height, node))
    if not stack:
        return EMPTY_ROOT
    node = stack.pop()[1]
    while stack:
        node = _sha256(b"\x01" + stack.pop()[1] + node).digest()
    return node


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(begin: int, end: int, node: NodeSource) -> bytes:
    """MTH of leaves [begin, end) where `begin` is a multiple of the largest power of 2 <= size.

    That holds for every subtree RFC 9162 proofs name. The range is split into
    perfect subtrees from the largest down, which are then folded from the right.
    """
    size = end - begin
    if size == 0:
        return EMPTY_ROOT
    parts: list[bytes] = []
    start = begin
    while size:
        height = size.bit_length() - 1
        parts.append(node(height, start >> height))
        start += 1 << height
        size -= 1 << height
    result = parts.pop()
    while parts:
        result = _sha256(b"\x01" + parts.pop() + result).digest()
    return result


def _check_sizes(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")


def inclusion_proof(index: int, size: int, node: NodeSource) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size]): the audit path, leaf side first."""
    _check_sizes(index, size)
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return [range_hash(b, e, node) for b, e in reversed(ranges)]


def consistency_proof(old: int, new: int, node: NodeSource) -> list[bytes]:
    """RFC 9162 PROOF(old, D[0:new]) for 0 < old <= new."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    ranges: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, new, old, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        ranges.append((lo, hi))
    return [range_hash(b, e, node) for b, e in reversed(ranges)]


def _shift_to_odd(fn: int, sn: int) -> tuple[int, int]:
    while not fn & 1 and fn:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does `proof` show leaf `index` of a `size` tree under `root`?"""
    if len(leaf_hash) != HASH_SIZE or not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            fn, sn = _shift_to_odd(fn, sn)
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: is the `old_size` tree a prefix of the `new_size` tree?"""
    if old_size <= 0 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = hash_children(c, fr), hash_children(c, sr)
            fn, sn = _shift_to_odd(fn, sn)
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


class MemoryTree:
    """A Merkle tree held in memory: every perfect node, level by level (about 2n hashes)."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf_hash: bytes) -> int:
        levels = self._levels
        levels[0].append(leaf_hash)
        height, node = 0, leaf_hash
        while len(levels[height]) % 2 == 0:
            below = levels[height]
            node = _sha256(b"\x01" + below[-2] + node).digest()
            height += 1
            if height == len(levels):
                levels.append([])
            levels[height].append(node)
        return len(levels[0])

    def extend(self, leaf_hashes: Iterable[bytes]) -> int:
        for leaf in leaf_hashes:
            self.append(leaf)
        return self.size

    def node(self, height: int, index: int) -> bytes:
        return self._levels[height][index]

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is beyond the tree's {self.size} leaves")
        return range_hash(0, size, self.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        if size > self.size:
            raise ValueError(f"tree size {size} is beyond the tree's {self.size} leaves")
        return inclusion_proof(index, size, self.node)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        new = self.size if new is None else new
        if new > self.size:
            raise ValueError(f"tree size {new} is beyond the tree's {self.size} leaves")
        return consistency_proof(old, new, self.node)
