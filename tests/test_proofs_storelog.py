"""The store's log as the derived index "log": leaves in store order, tiles in log/, its audit."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newsarchive.errors import InvalidRecord, StoreError
from newsarchive.proofs import TileLog, generate_signer, line_leaf_hash, root_of
from newsarchive.proofs._storecheck import check_log
from newsarchive.proofs._storelog import POSITION, StoreLog
from newsarchive.store import Store, _derived
from newsarchive.store._layout import is_tile_path
from tests.store_driver import make_record


def _records(start: int, count: int) -> list[tuple[dict[str, Any], bool]]:
    return [(make_record(i, size=300), False) for i in range(start, start + count)]


def segment_leaves(root: Path) -> list[bytes]:
    """Every entry line of every segment, as leaf hashes (commit lines skipped)."""
    leaves = []
    for segment in sorted((root / "segments").iterdir()):
        for line in segment.read_bytes().splitlines(keepends=True):
            leaf = line_leaf_hash(line)
            if leaf is not None:
                leaves.append(leaf)
    return leaves


def findings(store: Store) -> list[tuple[str, str]]:
    report = store.verify(jobs=1, record_event=False)
    return [(f.code, f.where) for f in report.findings]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.init(tmp_path / "s") as made:
        made.add(_records(0, 5))
        made.add(_records(3, 40))  # 3 and 4 are duplicates
        made.append_event({"type": "x-note", "record_id": None})
    return Store(tmp_path / "s")


def test_every_entry_is_a_leaf_in_store_order(store: Store) -> None:
    leaves = segment_leaves(store.root)
    assert len(leaves) == 5 + 38 + 1  # records; records not stored before; the event
    log = TileLog(store.root / "log")
    assert log.size == len(leaves)
    assert log.root() == root_of(leaves)
    assert [log.leaf_hash(i) for i in range(log.size)] == leaves
    assert (store.root / "log" / POSITION).read_text() == f"2 43 3 {len(leaves)}\n"
    for path in (store.root / "log").rglob("*"):
        if path.is_file():
            assert is_tile_path(str(path.relative_to(store.root / "log")))
    assert findings(store) == []


def test_the_standard_library_script_gives_the_same_root(store: Store, tmp_path: Path) -> None:
    joined = tmp_path / "all.jsonl"
    joined.write_bytes(b"".join(p.read_bytes() for p in sorted(store.root.glob("segments/*"))))
    script = Path(__file__).parents[1] / "examples" / "check_log.py"
    result = subprocess.run(
        [sys.executable, str(script), str(joined)], capture_output=True, text=True, check=True
    )
    log = TileLog(store.root / "log")
    import base64

    assert result.stdout == f"{log.size}\n{base64.b64encode(log.root()).decode()}\n"


def test_a_group_commit_appends_once_per_index_commit(tmp_path: Path) -> None:
    with Store.init(tmp_path / "s") as made:
        with made.group_commit(batches=3):
            for i in range(4):
                made.add(_records(i, 1))
                size = TileLog(made.root / "log").size
                assert size == (3 if i >= 2 else 0)
        assert TileLog(made.root / "log").size == 4
        assert (made.root / "log" / POSITION).read_text() == "3 3 4 4\n"


def test_a_group_hands_its_batches_to_the_log_without_reading_them_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    real = _derived.batches_after

    def counted(root: Path, index: Any, seq: int) -> Any:
        for batch in real(root, index, seq):
            read.append(batch.seq)
            yield batch

    monkeypatch.setattr(_derived, "batches_after", counted)
    with Store.init(tmp_path / "s") as made:
        with made.group_commit(batches=3):  # the first group opens the log before it writes
            for i in range(4):
                made.add(_records(i, 1))
        assert read == []
        assert TileLog(made.root / "log").root() == root_of(segment_leaves(made.root))
    (tmp_path / "s" / "log" / POSITION).unlink()  # as a crash could leave it: read again
    with Store(tmp_path / "s") as again, again.group_commit(batches=3):
        for i in range(4, 7):
            again.add(_records(i, 1))
    assert read == [1, 2, 3, 4]
    assert TileLog(tmp_path / "s" / "log").root() == root_of(segment_leaves(tmp_path / "s"))


def test_a_group_that_fails_leaves_the_log_to_catch_up(tmp_path: Path) -> None:
    with Store.init(tmp_path / "s") as made:
        made.add(_records(0, 1))

        def group() -> None:
            with made.group_commit(batches=5):
                made.add(_records(1, 2))
                made.add(_records(3, 2))  # durable, fed to the log, not committed in the index
                made.add([({"not": "a record"}, False)])

        with pytest.raises(InvalidRecord):
            group()
        assert TileLog(made.root / "log").size == 1
    with Store(tmp_path / "s") as again:
        assert len(again) == 5  # the index caught up from the segments
        again.add(_records(5, 1))
        assert TileLog(again.root / "log").root() == root_of(segment_leaves(again.root))
        assert again.verify(jobs=1, record_event=False).ok


def test_lost_tiles_are_rebuilt_from_the_segments(store: Store) -> None:
    want = root_of(segment_leaves(store.root))
    shutil.rmtree(store.root / "log")
    assert findings(store) == []  # a log may lag: the next write catches it up
    with store:
        log = store.derived("log")
        assert isinstance(log, StoreLog)
        assert log.tiles.root() == want
    shutil.rmtree(store.root / "log")
    with Store(store.root) as again:
        again.add(_records(100, 1))
        assert TileLog(store.root / "log").root() == root_of(segment_leaves(store.root))


def test_a_crash_between_position_and_tiles_keeps_the_earlier_position(store: Store) -> None:
    log_dir = store.root / "log"
    size = TileLog(log_dir).size
    (log_dir / POSITION).write_text(f"3 {size} 4 {size + 7}\n")  # the append never committed
    assert StoreLog(store.root).position() == 3
    (log_dir / POSITION).write_text("1 2 3 4\n")  # names neither size: start again
    assert StoreLog(store.root).position() == 0
    with Store(store.root) as again:
        again.add(_records(100, 1))
    assert TileLog(log_dir).root() == root_of(segment_leaves(store.root))
    assert findings(store) == []


@pytest.mark.parametrize("damage", ["truncate", "size"])
def test_unreadable_tiles_are_found_and_rebuilt(store: Store, damage: str) -> None:
    log_dir = store.root / "log"
    if damage == "truncate":
        (tile,) = log_dir.glob("tile/0/000.p/*")
        tile.write_bytes(tile.read_bytes()[:-1])
    else:
        (log_dir / "tree-size").write_text("many\n")
    assert ("log-damaged", "log") in findings(store)
    with Store(store.root) as again:
        again.add(_records(100, 1))  # the write does not fail on the derived tiles
        again.add(_records(101, 1))
    assert TileLog(log_dir).root() == root_of(segment_leaves(store.root))
    assert findings(store) == []


def test_a_changed_tile_is_a_mismatch_until_reindex(store: Store) -> None:
    (tile,) = (store.root / "log").glob("tile/0/000.p/*")
    data = bytearray(tile.read_bytes())
    data[40] ^= 1  # leaf 1
    tile.write_bytes(bytes(data))
    assert findings(store) == [("log-mismatch", "log")]
    with store:
        store.reindex()
    assert findings(store) == []


def test_a_log_ahead_of_the_segments_fails(store: Store, tmp_path: Path) -> None:
    older = tmp_path / "older"
    with Store.init(older) as made:
        made.add(_records(0, 5))
    for name in ("segments", "index.sqlite"):
        target = store.root / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        source = older / name
        shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
    assert ("log-mismatch", "log") in findings(store)


def test_the_log_needs_no_proofs_extra(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from newsarchive.store import Store\n"
        "from tests.store_driver import make_record\n"
        f"s = Store.init({str(tmp_path / 's')!r})\n"
        "s.add([(make_record(1), False)])\n"
        "assert s.verify(jobs=1).ok\n"
        "s.close()\n"
        "bad = [m for m in sys.modules if m.startswith(('cryptography', 'rfc3161_client'))]\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_a_symlink_where_the_log_belongs_is_never_followed(store: Store, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(store.root / "log")
    (store.root / "log").symlink_to(outside)
    with Store(store.root) as again, pytest.raises(StoreError) as caught:
        again.add(_records(100, 1))
    assert caught.value.code == "symlink"
    assert list(outside.iterdir()) == []
    assert ("symlink", "log") in findings(store)
    assert not [code for code, _ in findings(store) if code.startswith("log-")]


# -- the audit fed by verify's workers is held to the log's own reading ----------------------


def _flip_in_batch(root: Path, seq: int) -> None:
    (segment,) = (root / "segments").glob("*.jsonl")
    data = bytearray(segment.read_bytes())
    with sqlite3.connect(root / "index.sqlite") as conn:
        (start,) = conn.execute("SELECT start FROM batches WHERE seq=?", (seq,)).fetchone()
    data[start + 30] ^= 1
    segment.write_bytes(bytes(data))


def _cut_after_batch(root: Path, seq: int) -> None:
    (segment,) = (root / "segments").glob("*.jsonl")
    with sqlite3.connect(root / "index.sqlite") as conn:
        (end,) = conn.execute('SELECT "end" FROM batches WHERE seq=?', (seq,)).fetchone()
    segment.write_bytes(segment.read_bytes()[:end])


def _change_tile(root: Path, seq: int) -> None:
    (tile,) = (root / "log").glob("tile/0/000.p/*")
    data = bytearray(tile.read_bytes())
    data[40 + 32 * seq] ^= 1
    tile.write_bytes(bytes(data))


def _lose_index_row(root: Path, seq: int) -> None:
    with sqlite3.connect(root / "index.sqlite") as conn:
        conn.execute("DELETE FROM batches WHERE seq=?", (seq,))


@pytest.mark.parametrize(
    "damage", [None, _flip_in_batch, _cut_after_batch, _change_tile, _lose_index_row]
)
@pytest.mark.parametrize("seq", [1, 2])
def test_verify_finds_in_the_log_what_its_own_reading_finds(
    store: Store, damage: Any, seq: int
) -> None:
    signer = generate_signer("example.test/differential")
    with store:
        store.checkpoint(signer)  # at 3 batches
        store.add(_records(200, 7))
        store.checkpoint(signer)  # at 4
        store.append_event({"type": "x-note", "record_id": None})
    if damage is not None:
        damage(store.root, seq)
    with sqlite3.connect(f"file:{store.root / 'index.sqlite'}?mode=ro", uri=True) as conn:
        own = [(f.code, f.where, f.message) for f in check_log(store.root, conn)]
    for jobs in (1, 2):
        report = store.verify(jobs=jobs, record_event=False)
        fed = [
            (f.code, f.where, f.message)
            for f in report.findings
            if f.code.startswith(("log-", "checkpoint-"))
        ]
        assert fed == own
    assert (own == []) is (damage is None)
