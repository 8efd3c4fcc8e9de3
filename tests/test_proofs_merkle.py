"""RFC 9162 Merkle hashing and proofs against every transparency-dev/merkle vector."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.proofs import (
    EMPTY_ROOT,
    MemoryTree,
    hash_children,
    hash_leaf,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from newsarchive.proofs._merkle import perfect_root
from tests.strategies import leaf_inputs

MERKLE = Path(__file__).parent / "data" / "transparency" / "merkle"
VECTORS = json.loads((MERKLE / "vectors.json").read_text())
DERIVED = json.loads((MERKLE / "derived_all_proofs_sizes_1_to_8.json").read_text())
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaf_inputs_hex"]]
INCLUSION_PROBES = sorted((MERKLE / "testdata" / "inclusion").rglob("*.json"))
CONSISTENCY_PROBES = sorted((MERKLE / "testdata" / "consistency").rglob("*.json"))


def _hx(value: str) -> bytes:
    return bytes.fromhex(value)


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH written straight from its recursive definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hash_leaf(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hash_children(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def test_probe_counts() -> None:
    assert len(INCLUSION_PROBES) == 98
    assert len(CONSISTENCY_PROBES) == 98


@pytest.mark.parametrize("vector", VECTORS["hasher_vectors"], ids=lambda v: v["desc"])
def test_hasher_vectors(vector: dict[str, str]) -> None:
    if vector["op"] == "empty_root":
        got = EMPTY_ROOT
        assert root_of([]) == got
    elif vector["op"] == "hash_leaf":
        got = hash_leaf(_hx(vector["input_hex"]))
    else:
        got = hash_children(_hx(vector["left_hex"]), _hx(vector["right_hex"]))
    assert got.hex() == vector["want"]


def test_roots_and_node_hashes() -> None:
    tree = MemoryTree()
    for size in range(len(LEAVES) + 1):
        want = VECTORS["root_hashes_by_tree_size"][str(size)]
        assert root_of(hash_leaf(x) for x in LEAVES[:size]).hex() == want
        assert tree.root().hex() == want
        assert _reference_root(LEAVES[:size]).hex() == want
        if size < len(LEAVES):
            tree.append(hash_leaf(LEAVES[size]))
    for height, level in enumerate(VECTORS["node_hashes_by_level"]["levels"]):
        for index, want in enumerate(level):
            assert tree.node(height, index).hex() == want
    for size in range(len(LEAVES) + 1):
        assert tree.root(size).hex() == VECTORS["root_hashes_by_tree_size"][str(size)]


@pytest.mark.parametrize(
    "case", VECTORS["inclusion_proofs"] + DERIVED["inclusion_proofs"], ids=repr
)
def test_inclusion_vectors(case: dict[str, object]) -> None:
    tree = MemoryTree(hash_leaf(x) for x in LEAVES)
    index, size = case["leaf_index"], case["tree_size"]
    assert isinstance(index, int)
    assert isinstance(size, int)
    proof = [_hx(h) for h in case["proof"]]  # type: ignore[attr-defined]
    assert tree.inclusion_proof(index, size) == proof
    assert verify_inclusion(_hx(str(case["leaf_hash"])), index, size, proof, _hx(str(case["root"])))


@pytest.mark.parametrize(
    "case", VECTORS["consistency_proofs"] + DERIVED["consistency_proofs"], ids=repr
)
def test_consistency_vectors(case: dict[str, object]) -> None:
    tree = MemoryTree(hash_leaf(x) for x in LEAVES)
    old, new = case["size1"], case["size2"]
    assert isinstance(old, int)
    assert isinstance(new, int)
    proof = [_hx(h) for h in case["proof"]]  # type: ignore[attr-defined]
    assert tree.consistency_proof(old, new) == proof
    assert verify_consistency(old, new, _hx(str(case["root1"])), _hx(str(case["root2"])), proof)


@pytest.mark.parametrize("path", INCLUSION_PROBES, ids=lambda p: str(p.relative_to(MERKLE)))
def test_inclusion_probes(path: Path) -> None:
    probe = json.loads(path.read_text())
    ok = verify_inclusion(
        _b64(probe["leafHash"]),
        probe["leafIdx"],
        probe["treeSize"],
        [_b64(p) for p in probe["proof"] or []],
        _b64(probe["root"]),
    )
    assert ok is not probe["wantErr"]


@pytest.mark.parametrize("path", CONSISTENCY_PROBES, ids=lambda p: str(p.relative_to(MERKLE)))
def test_consistency_probes(path: Path) -> None:
    probe = json.loads(path.read_text())
    ok = verify_consistency(
        probe["size1"],
        probe["size2"],
        _b64(probe["root1"]),
        _b64(probe["root2"]),
        [_b64(p) for p in probe["proof"] or []],
    )
    assert ok is not probe["wantErr"]


@given(leaf_inputs, st.data())
def test_proofs_agree_with_the_recursive_definition(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = MemoryTree(hash_leaf(x) for x in leaves)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    root, old_root = _reference_root(leaves[:size]), _reference_root(leaves[:old])
    assert tree.root(size) == root
    proof = tree.inclusion_proof(index, size)
    assert verify_inclusion(hash_leaf(leaves[index]), index, size, proof, root)
    assert not verify_inclusion(hash_leaf(leaves[index] + b"x"), index, size, proof, root)
    consistency = tree.consistency_proof(old, size)
    assert verify_consistency(old, size, old_root, root, consistency)
    if old < size:
        assert not verify_consistency(old, size, hash_leaf(b"other"), root, consistency)


def test_out_of_range_requests_are_refused() -> None:
    tree = MemoryTree(hash_leaf(x) for x in LEAVES)
    with pytest.raises(ValueError, match="not in a tree"):
        tree.inclusion_proof(8, 8)
    with pytest.raises(ValueError, match="beyond"):
        tree.inclusion_proof(0, 9)
    with pytest.raises(ValueError, match="no consistency proof"):
        tree.consistency_proof(0, 8)
    with pytest.raises(ValueError, match="beyond"):
        tree.root(9)


def test_perfect_root_is_the_root_of_a_power_of_two_of_leaves() -> None:
    hashes = [hash_leaf(x) for x in LEAVES]
    for count in (1, 2, 4, 8):
        want = VECTORS["root_hashes_by_tree_size"][str(count)]
        assert perfect_root(hashes[:count]).hex() == want
    assert perfect_root(hashes[4:8]) == MemoryTree(hashes).node(2, 1)


def test_proofs_default_to_the_whole_tree() -> None:
    tree = MemoryTree(hash_leaf(x) for x in LEAVES)
    assert tree.inclusion_proof(3) == tree.inclusion_proof(3, 8)
    assert tree.consistency_proof(5) == tree.consistency_proof(5, 8)
    with pytest.raises(ValueError, match=r"^tree size 9 is beyond the tree's 8 leaves$"):
        tree.consistency_proof(1, 9)
    with pytest.raises(ValueError, match=r"^tree size 9 is beyond the tree's 8 leaves$"):
        tree.inclusion_proof(1, 9)
