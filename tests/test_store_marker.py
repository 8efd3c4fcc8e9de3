"""Store layout 2: the marker and its origin, the in-place upgrade of layout 1, the new names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsarchive.errors import StoreError
from newsarchive.store import Store
from newsarchive.store._layout import MARKER, is_checkpoint_name, is_tile_dir, is_tile_path
from newsarchive.store._marker import (
    LAYOUT1_MARKER,
    Marker,
    check_origin,
    default_origin,
    marker_bytes,
    parse_marker,
)
from tests.store_driver import make_record

_ORIGIN_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='+"\\')
origins = st.text(_ORIGIN_CHARS, min_size=1, max_size=256)


@given(origins)
def test_every_valid_origin_round_trips_through_its_marker(origin: str) -> None:
    data = marker_bytes(origin)
    assert parse_marker(data) == Marker(2, origin)
    assert data == b'{"format":"newsarchive-store","layout":2,"origin":"%s"}\n' % origin.encode()


@given(st.binary(max_size=80))
@example(LAYOUT1_MARKER)  # made marker_bytes("") raise when both were computed up front
def test_arbitrary_bytes_are_a_marker_only_if_they_are_one(data: bytes) -> None:
    found = parse_marker(data)
    if found is not None:
        assert data == (LAYOUT1_MARKER if found.origin is None else marker_bytes(found.origin))


def test_the_layout_1_marker_is_recognised_exactly() -> None:
    assert parse_marker(LAYOUT1_MARKER) == Marker(1, None)
    assert parse_marker(LAYOUT1_MARKER.rstrip(b"\n")) is None
    assert parse_marker(b'{"layout":1,"format":"newsarchive-store"}\n') is None


@pytest.mark.parametrize(
    "data",
    [
        b'{"format":"newsarchive-store","layout":2,"origin":"a"}',  # no LF
        b'{"format":"newsarchive-store","layout":2,"origin":"a"}\n\n',
        b'{"format":"newsarchive-store","layout":2,"origin":""}\n',
        b'{"format":"newsarchive-store","layout":2,"origin":"a b"}\n',
        b'{"format":"newsarchive-store","layout":2,"origin":"a+b"}\n',
        b'{"format":"newsarchive-store","layout":2,"origin":"a\\"b"}\n',
        b'{"format":"newsarchive-store","layout":2,"origin":"\\u0061"}\n',
        b'{"format":"newsarchive-store","layout":2,"origin":"\xc3\xa9"}\n',
        b'{"format":"newsarchive-store","layout":3,"origin":"a"}\n',
        b'{"format":"newsarchive-store","layout":2,"origin":"a","x":1}\n',
        b'{"format":"newsarchive-store","layout":2,"origin":"%s"}\n' % (b"a" * 257),
    ],
)
def test_anything_else_is_no_marker(data: bytes) -> None:
    assert parse_marker(data) is None


@pytest.mark.parametrize("origin", ["", "a b", "a+b", 'a"b', "a\\b", "é", "a\nb", "a" * 257])
def test_a_bad_origin_is_refused_with_an_example(origin: str) -> None:
    with pytest.raises(StoreError, match=r"example\.org") as caught:
        check_origin(origin)
    assert caught.value.code == "bad-origin"


def test_the_default_origin_is_unique_and_valid() -> None:
    a, b = default_origin(), default_origin()
    assert a != b
    assert a.startswith("newsarchive.invalid/store/")
    assert check_origin(a) == a
    assert len(a) == len("newsarchive.invalid/store/") + 32


def test_init_names_the_origin_and_never_changes_it(tmp_path: Path) -> None:
    with Store.init(tmp_path / "s", origin="example.org/news") as store:
        assert (store.layout, store.origin) == (2, "example.org/news")
        assert store.stats()["origin"] == "example.org/news"
    Store.init(tmp_path / "s", origin="example.org/news").close()  # the same: fine
    with pytest.raises(StoreError, match="never changes") as caught:
        Store.init(tmp_path / "s", origin="example.org/other")
    assert caught.value.code == "origin-mismatch"
    assert Store(tmp_path / "s").origin == "example.org/news"


def test_a_bad_origin_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Store.init(tmp_path / "s", origin="has space")
    assert not (tmp_path / "s").exists()


def _layout_1_store(root: Path, records: int = 3) -> list[str]:
    """A store as layout 1 left it: the same segments and index, the old marker."""
    with Store.init(root) as store:
        made = [make_record(i) for i in range(records)]
        store.add((r, False) for r in made)
    (root / MARKER).write_bytes(LAYOUT1_MARKER)
    return [r["id"] for r in made]


def test_a_layout_1_store_is_read_as_it_is(tmp_path: Path) -> None:
    ids = _layout_1_store(tmp_path / "s")
    with Store(tmp_path / "s") as store:
        assert (store.layout, store.origin) == (1, None)
        assert [store.get(i)["id"] for i in ids] == ids
        assert sorted(store.find()) == sorted(ids)
    assert (tmp_path / "s" / MARKER).read_bytes() == LAYOUT1_MARKER  # reading wrote nothing


def test_the_first_write_upgrades_a_layout_1_store_in_place(tmp_path: Path) -> None:
    ids = _layout_1_store(tmp_path / "s")
    before = (tmp_path / "s" / "segments" / "00000001.jsonl").read_bytes()
    with Store(tmp_path / "s") as store:
        store.add([(make_record(10), False)])
        assert store.layout == 2
        assert store.origin is not None
        assert store.origin.startswith("newsarchive.invalid/store/")
    marker = parse_marker((tmp_path / "s" / MARKER).read_bytes())
    assert marker == Marker(2, store.origin)
    after = (tmp_path / "s" / "segments" / "00000001.jsonl").read_bytes()
    assert after.startswith(before)  # the old batches are untouched
    with Store(tmp_path / "s") as again:
        assert [again.get(i)["id"] for i in ids] == ids
        assert again.verify(jobs=1, record_event=False).ok


def test_init_with_an_origin_upgrades_a_layout_1_store_to_it(tmp_path: Path) -> None:
    _layout_1_store(tmp_path / "s")
    with Store.init(tmp_path / "s", origin="example.org/old-store") as store:
        assert (store.layout, store.origin) == (2, "example.org/old-store")


def test_an_upgrade_that_fails_leaves_the_layout_1_store_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _layout_1_store(tmp_path / "s")

    def no_rename(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with Store(tmp_path / "s") as store, pytest.raises(StoreError, match="unchanged") as caught:
        store.add([(make_record(10), False)])
    assert caught.value.code == "upgrade-failed"
    monkeypatch.undo()
    assert (tmp_path / "s" / MARKER).read_bytes() == LAYOUT1_MARKER
    assert not [p for p in (tmp_path / "s").iterdir() if p.name.startswith(".newsarchive-tmp-")]
    with Store(tmp_path / "s") as store:
        assert store.layout == 1
        assert len(store) == len(ids)  # nothing was written before the marker


def test_a_store_of_an_unknown_layout_is_refused(tmp_path: Path) -> None:
    Store.init(tmp_path / "s").close()
    (tmp_path / "s" / MARKER).write_bytes(b'{"format":"newsarchive-store","layout":3}\n')
    with pytest.raises(StoreError, match="newer newsarchive") as caught:
        Store(tmp_path / "s")
    assert caught.value.code == "bad-marker"


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("tile/0/000", True),
        ("tile/0/x001/234", True),
        ("tile/1/005.p/7", True),
        ("tile/0/x001/x234/067.p/255", True),
        ("tree-size", True),
        ("tile/0/1234", False),
        ("tile/0/x01/234", False),
        ("tile/entries/000", False),
        ("tile/0/000.p", False),
        ("checkpoint", False),
        ("tile/0/000/", False),
    ],
)
def test_tile_paths(path: str, ok: bool) -> None:
    assert is_tile_path(path) is ok


def test_tile_directories_and_checkpoint_names() -> None:
    assert all(map(is_tile_dir, ["tile", "tile/0", "tile/0/x001", "tile/1/005.p"]))
    assert not any(map(is_tile_dir, ["tiles", "tile/0/000", "tile/a", "tile/0/x1"]))
    assert is_checkpoint_name("00000001.note")
    assert is_checkpoint_name("00000012.tsr")
    assert not any(map(is_checkpoint_name, ["1.note", "00000001.sig", "00000001.note~"]))


def _findings(store: Store) -> set[tuple[str, str, str]]:
    report = store.verify(jobs=1, record_event=False)
    return {(f.severity, f.code, f.where) for f in report.findings}


def test_verify_knows_the_layout_2_names(tmp_path: Path) -> None:
    store = Store.init(tmp_path / "s")
    assert _findings(store) == set()  # log/ and checkpoints/ not written yet: nothing missing
    tiles = store.root / "log" / "tile" / "0" / "x001"
    tiles.mkdir(parents=True)
    (tiles / "234").write_bytes(b"\0" * 32)
    (store.root / "log" / "tree-size").write_bytes(b"1\n")
    (store.root / "checkpoints").mkdir()
    (store.root / "checkpoints" / "00000001.note").write_bytes(b"x")
    (store.root / "similar.sqlite").write_bytes(b"")
    # Names the layout knows; their contents are the log's to judge (docs/proofs.md).
    of_the_log = {
        ("failure", "log-damaged", "log"),
        ("failure", "checkpoint-malformed", "checkpoints/00000001.note"),
    }
    assert _findings(store) == of_the_log
    (tiles / "notes.txt").write_bytes(b"mine")
    (store.root / "checkpoints" / "latest").symlink_to(store.root / "checkpoints" / "00000001.note")
    (store.root / "log" / "tile" / "other").mkdir()
    assert _findings(store) - of_the_log == {
        ("failure", "unknown-file", "log/tile/0/x001/notes.txt"),
        ("failure", "symlink", "checkpoints/latest"),
        ("failure", "unknown-file", "log/tile/other"),
    }
