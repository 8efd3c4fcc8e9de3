"""`prove` and `consistency` on a store, through the library (the CLI: test_cli_storeproofs)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from newsarchive.errors import ProofError
from newsarchive.proofs import (
    EMPTY_ROOT,
    Checkpoint,
    consistency,
    entry_leaf_hash,
    generate_signer,
    prove,
    verify_bundle,
)
from newsarchive.proofs._prove import leaf_index
from newsarchive.store import Store
from tests.store_driver import make_record
from tests.test_proofs_storelog import segment_leaves

ORIGIN = "news.example/archive"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.init(tmp_path / "s", origin=ORIGIN) as made:
        made.add([(make_record(i, size=100), False) for i in range(3)])
        made.append_event({"type": "x-note", "record_id": None})
        made.add([(make_record(3), False), (make_record(4, size=100), False)])  # 3: a blob
    return Store(tmp_path / "s")


def test_the_leaf_index_of_every_record_is_its_place_in_the_log(store: Store) -> None:
    leaves = segment_leaves(store.root)
    rows = store.index.execute("SELECT id, segment, offset, length FROM records").fetchall()
    assert len(rows) == 5
    for record_id, segment, offset, length in rows:
        entry = orjson.loads(store.read_line(segment, offset, length))
        index = leaf_index(store.index, segment, offset)
        assert leaves[index] == entry_leaf_hash(entry), record_id
    assert len(leaves) == 3 + 1 + 1 + 2  # records, the event, the blob before its record, records


def test_prove_and_consistency_through_the_library(store: Store) -> None:
    signer = generate_signer(ORIGIN)
    record_id = make_record(3)["id"]
    with store:
        with pytest.raises(ProofError, match="no checkpoint covers") as caught:
            prove(store, record_id)
        assert caught.value.code == "not-covered"
        with pytest.raises(ProofError, match="no checkpoint yet"):
            consistency(store, Checkpoint(ORIGIN, 0, EMPTY_ROOT).sign([signer]))
        first = store.checkpoint(signer)
        bundle = prove(store, record_id, with_content=False)
        report = verify_bundle(bundle, [signer.verifier()])
        assert report.ok, report.failed
        assert "content" not in bundle
        store.add([(make_record(9, size=100), False)])
        store.checkpoint(signer)
        found = consistency(store, first.note)
        assert found.ok, found.reason
        assert found.new.checkpoint.size == first.checkpoint.size + 1
        with pytest.raises(ProofError):
            consistency(store, b"not a note")


def test_an_index_that_places_the_record_on_another_entry_is_corruption(store: Store) -> None:
    from newsarchive.errors import StoreCorrupted

    signer = generate_signer(ORIGIN)
    record_id = make_record(0, size=100)["id"]
    with store:
        store.checkpoint(signer)
        event = store.index.execute("SELECT segment, offset, length FROM events").fetchone()
        store.index.execute(
            "UPDATE records SET segment=?, offset=?, length=? WHERE id=?", (*event, record_id)
        )
        with pytest.raises(StoreCorrupted, match="another entry"):
            prove(store, record_id)
