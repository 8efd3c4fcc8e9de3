"""The tiled on-disk Merkle tree: C2SP layout, same roots and proofs as in memory, crash safety."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsarchive.errors import ProofError
from newsarchive.proofs import MemoryTree, TileLog, _tiles, hash_leaf, tile_path, verify_inclusion
from newsarchive.proofs._merkle import perfect_root
from tests.strategies import append_batches


def leaves(start: int, stop: int) -> list[bytes]:
    return [hash_leaf(i.to_bytes(8, "big")) for i in range(start, stop)]


@pytest.mark.parametrize(
    ("level", "index", "width", "want"),
    [
        (0, 0, 256, "tile/0/000"),
        (0, 5, 256, "tile/0/005"),
        (1, 1234067, 256, "tile/1/x001/x234/067"),
        (0, 1234067, 8, "tile/0/x001/x234/067.p/8"),
        (2, 1000, 255, "tile/2/x001/000.p/255"),
    ],
)
def test_tile_paths_follow_c2sp(level: int, index: int, width: int, want: str) -> None:
    assert tile_path(level, index, width) == want


def test_an_absent_directory_is_an_empty_log(tmp_path: Path) -> None:
    log = TileLog(tmp_path / "none")
    assert log.size == 0
    assert log.root() == hashlib.sha256(b"").digest()
    assert log.append([]) == 0


def test_big_log_matches_memory_across_three_tile_levels(tmp_path: Path) -> None:
    # 65,536 + 300 leaves: two full levels of tiles, a third level, partial tiles on each.
    size = (1 << 16) + 300
    all_leaves = leaves(0, size)
    memory = MemoryTree(all_leaves)
    log = TileLog(tmp_path)
    assert log.append(all_leaves[:1000]) == 1000
    assert log.append(all_leaves[1000:]) == size
    again = TileLog(tmp_path)
    assert again.size == size
    assert (tmp_path / "tile/2/000.p/1").is_file()
    assert (tmp_path / "tile/1/000").is_file()
    assert (tmp_path / "tile/1/001.p/1").is_file()
    assert (tmp_path / "tile/0/257.p/44").is_file()
    assert not (tmp_path / "tile/0/003.p").exists()  # superseded partials are gone
    for s in (1, 255, 256, 257, 65535, 65536, size):
        assert again.root(s) == memory.root(s)
    for index, s in ((0, size), (size - 1, size), (65535, 65536), (300, 60000)):
        proof = again.inclusion_proof(index, s)
        assert proof == memory.inclusion_proof(index, s)
        assert verify_inclusion(all_leaves[index], index, s, proof, memory.root(s))
    for old, new in ((1, size), (256, 65537), (65536, size), (777, 5000)):
        assert again.consistency_proof(old, new) == memory.consistency_proof(old, new)
    assert again.verify(all_leaves) == []
    assert again.tile_leaves(0) == all_leaves[:256]
    assert again.tile_leaves(257) == all_leaves[257 * 256 :]  # the partial last tile (44)


@settings(max_examples=15)
@given(append_batches)
def test_any_batching_gives_the_same_tree(
    tmp_path_factory: pytest.TempPathFactory, batches: list[int]
) -> None:
    directory = tmp_path_factory.mktemp("tiles")
    log, memory, done = TileLog(directory), MemoryTree(), 0
    for count in batches:
        new = leaves(done, done + count)
        done = log.append(new)
        memory.extend(new)
        assert log.size == memory.size == done
        assert log.root() == memory.root()
    if done:
        assert TileLog(directory).inclusion_proof(done // 2) == memory.inclusion_proof(done // 2)
    assert log.verify(leaves(0, done)) == []


def test_a_crash_before_the_commit_leaves_the_old_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = TileLog(tmp_path)
    log.append(leaves(0, 300))
    old_root = log.root()

    def crash(path: object, data: bytes) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(_tiles, "write_atomic", crash)
    with pytest.raises(OSError, match="power cut"):
        log.append(leaves(1000, 1700))  # tiles written, size not committed
    monkeypatch.undo()
    reopened = TileLog(tmp_path)
    assert reopened.size == 300
    assert reopened.root() == old_root
    # Other leaves after the crash: the stale tiles beyond the commit are rewritten.
    reopened.append(leaves(300, 900))
    assert reopened.root() == MemoryTree(leaves(0, 900)).root()
    assert reopened.verify(leaves(0, 900)) == []


def test_rebuild_replaces_damaged_tiles(tmp_path: Path) -> None:
    log = TileLog(tmp_path)
    log.append(leaves(0, 600))
    (tmp_path / "tile/0/001").write_bytes(b"\x00" * 8192)
    problems = TileLog(tmp_path).verify(leaves(0, 600))
    assert problems
    assert any("differs" in p for p in problems)
    (tmp_path / "tile/0/002.p/88").write_bytes(b"short")
    with pytest.raises(ProofError, match=r"tile/0/002\.p/88 holds 5 bytes") as caught:
        TileLog(tmp_path).inclusion_proof(599)
    assert caught.value.code == "damaged-tiles"
    rebuilt = TileLog.rebuild(tmp_path, iter(leaves(0, 600)), batch=100)
    assert rebuilt.size == 600
    assert rebuilt.verify(leaves(0, 600)) == []
    assert rebuilt.root() == MemoryTree(leaves(0, 600)).root()


def test_missing_tiles_and_bad_sizes_are_reported(tmp_path: Path) -> None:
    log = TileLog(tmp_path)
    log.append(leaves(0, 10))
    (tmp_path / "tile/0/000.p/10").unlink()
    assert TileLog(tmp_path).verify() == [
        "cannot read tile/0/000.p/10: No such file or directory; rebuild the tiles"
    ]
    assert TileLog(tmp_path).verify(leaves(0, 9))
    (tmp_path / "tree-size").write_text("ten\n")
    with pytest.raises(ProofError, match="does not hold a tree size"):
        TileLog(tmp_path)


def test_requests_beyond_the_log_are_refused(tmp_path: Path) -> None:
    log = TileLog(tmp_path)
    log.append(leaves(0, 5))
    with pytest.raises(ValueError, match="beyond"):
        log.root(6)
    with pytest.raises(ValueError, match="not in a tree"):
        log.leaf_hash(5)
    with pytest.raises(ValueError, match="not in a tree"):
        log.node(1, 2)
    with pytest.raises(ValueError, match="32 bytes"):
        log.append([b"short"])


def test_checkpoints_of_a_growing_log_are_consistent(tmp_path: Path) -> None:
    from newsarchive.proofs import EMPTY_ROOT, Checkpoint, checkpoints_consistent

    log = TileLog(tmp_path)
    empty = Checkpoint("log", 0, EMPTY_ROOT)
    log.append(leaves(0, 700))
    old = Checkpoint("log", 700, log.root())
    log.append(leaves(700, 1500))
    new = Checkpoint("log", 1500, log.root())
    proof = log.consistency_proof(700, 1500)
    assert checkpoints_consistent(old, new, proof)
    assert checkpoints_consistent(empty, new, [])
    assert not checkpoints_consistent(Checkpoint("other", 700, old.root), new, proof)
    assert not checkpoints_consistent(new, old, proof)
    forked = MemoryTree([*leaves(0, 699), hash_leaf(b"rewritten"), *leaves(700, 1500)])
    rewritten = Checkpoint("log", 1500, forked.root())
    assert not checkpoints_consistent(old, rewritten, forked.consistency_proof(700, 1500))


def test_new_directories_are_synced_in_their_parents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    monkeypatch.setattr(_tiles, "fsync_dir", synced.append)
    TileLog(tmp_path).append(leaves(0, 300))
    assert {tmp_path, tmp_path / "tile", tmp_path / "tile/0", tmp_path / "tile/1"} <= set(synced)
    assert tmp_path / "tile/0/001.p" in synced
    assert not any(p.name.startswith(".newsarchive-tmp-") for p in tmp_path.rglob("*"))


def _verify_whole_rows(log: TileLog) -> list[str]:
    """TileLog.verify as first written, holding whole rows: the reference for the streaming one."""
    problems: list[str] = []
    size = log.size
    level, row = 0, []
    while size >> (_tiles.TILE_HEIGHT * level):
        count = size >> (_tiles.TILE_HEIGHT * level)
        stored: list[bytes] = []
        for tile in range(-(-count // _tiles.TILE_WIDTH)):
            width = min(_tiles.TILE_WIDTH, count - tile * _tiles.TILE_WIDTH)
            try:
                stored.extend(log._read_tile(level, tile, width))
            except ProofError as exc:
                problems.append(exc.message)
                stored.extend([b""] * width)
        if level == 0:
            row = stored
        else:
            for i, (want, got) in enumerate(zip(row, stored, strict=True)):
                if want != got:
                    problems.append(
                        f"node {_tiles.TILE_HEIGHT * level}/{i} in "
                        f"{tile_path(level, i // _tiles.TILE_WIDTH)} differs from the recomputation"
                    )
                    break
        row = [
            perfect_root(row[i : i + _tiles.TILE_WIDTH])
            for i in range(0, len(row) - _tiles.TILE_WIDTH + 1, _tiles.TILE_WIDTH)
        ]
        level += 1
    return problems


@settings(max_examples=25, deadline=None)
@example(size=65536 + 700, damage=[(1, 0, 100, False)])  # a level-1 node: level 2 still agrees
@example(size=65536 + 700, damage=[(0, 3, 0, True)])  # a lost tile
@given(
    size=st.sampled_from([1, 255, 256, 513, 65535, 65536, 65536 + 700]),
    damage=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 300), st.integers(0, 8191), st.booleans()),
        max_size=3,
    ),
)
def test_verify_streams_what_whole_rows_find(
    tmp_path_factory: pytest.TempPathFactory,
    size: int,
    damage: list[tuple[int, int, int, bool]],
) -> None:
    directory = tmp_path_factory.mktemp("tiles")
    log = TileLog(directory)
    log.append(leaves(0, size))
    for level, tile, byte, remove in damage:
        files = sorted((directory / "tile" / str(level)).rglob("*"))
        files = [f for f in files if f.is_file()]
        if not files:
            continue
        target = files[tile % len(files)]
        if remove:
            target.unlink()
        else:
            data = bytearray(target.read_bytes())
            data[byte % len(data)] ^= 1
            target.write_bytes(bytes(data))
    # The size is the log's own; `verify` and the reference read the tiles from disk.
    assert log.verify() == _verify_whole_rows(log)
