"""The store's layout (store/_layout): names, and the rules that keep I/O inside the store."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from newsarchive.errors import StoreCorrupted, StoreError
from newsarchive.store._layout import (
    INDEX,
    LOCK,
    MANAGED_DIRS,
    MARKER,
    REQUIRED_DIRS,
    SEGMENTS,
    STORE_FILES,
    check_dir,
    index_files,
    is_regular,
    is_segment_name,
    open_nofollow,
    open_segment,
    segment_name,
    segment_names,
)

if TYPE_CHECKING:
    from pathlib import Path


def test_the_fixed_names_of_layout_2() -> None:
    assert (MARKER, LOCK, SEGMENTS, INDEX) == (
        "newsarchive-store.json",
        "lock",
        "segments",
        "index.sqlite",
    )
    assert index_files() == (
        "index.sqlite",
        "index.sqlite-wal",
        "index.sqlite-shm",
        "index.sqlite-journal",
    )
    assert index_files("x.db") == ("x.db", "x.db-wal", "x.db-shm", "x.db-journal")
    derived = {*index_files("text.sqlite"), *index_files("similar.sqlite")}
    assert frozenset({MARKER, LOCK, *index_files(), *derived}) == STORE_FILES
    assert set(MANAGED_DIRS) == {"segments", "log", "checkpoints"}
    assert set(REQUIRED_DIRS) == {"segments"}
    assert MANAGED_DIRS["segments"]("00000001.jsonl")
    assert not MANAGED_DIRS["segments"]("notes.txt")


@pytest.mark.parametrize(
    ("number", "name"),
    [(0, "00000000.jsonl"), (1, "00000001.jsonl"), (12345678, "12345678.jsonl")],
)
def test_segment_names_are_eight_digits_then_jsonl(number: int, name: str) -> None:
    assert segment_name(number) == name
    assert is_segment_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "0000001.jsonl",
        "000000001.jsonl",
        "00000001.json",
        "00000001.jsonl.tmp",
        "x00000001.jsonl",
        "0000000a.jsonl",
        "00000001Xjsonl",
        "",
    ],
)
def test_other_names_are_not_segments(name: str) -> None:
    assert not is_segment_name(name)


def test_check_dir_refuses_anything_but_a_real_directory(tmp_path: Path) -> None:
    check_dir(tmp_path)
    (tmp_path / "file").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path)
    for name, code, message in [
        ("missing", "missing", "does not exist"),
        ("file", "not-a-directory", "is not a directory"),
        ("link", "symlink", "is a symlink; a store never follows links"),
    ]:
        with pytest.raises(StoreError) as caught:
            check_dir(tmp_path / name)
        assert (caught.value.code, caught.value.message) == (code, message)
        assert caught.value.path == str(tmp_path / name)


def test_is_regular_counts_only_a_file_itself(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    assert is_regular(tmp_path / "file")
    assert not is_regular(tmp_path / "link")
    assert not is_regular(tmp_path)
    assert not is_regular(tmp_path / "missing")


def test_segment_names_lists_only_segments_in_order(tmp_path: Path) -> None:
    (tmp_path / "segments").mkdir()
    for name in ("00000002.jsonl", "00000001.jsonl", "notes.txt", "00000003.jsonl.tmp"):
        (tmp_path / "segments" / name).write_text("")
    assert segment_names(tmp_path) == ["00000001.jsonl", "00000002.jsonl"]


def test_a_lost_segments_directory_is_corruption_naming_verify(tmp_path: Path) -> None:
    with pytest.raises(StoreCorrupted) as caught:
        segment_names(tmp_path)
    assert caught.value.message == "does not exist; run `newsarchive store verify`"
    assert caught.value.path == str(tmp_path / "segments")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "segments").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(StoreCorrupted, match="is a symlink"):
        segment_names(tmp_path)


def test_open_nofollow_refuses_a_symlink_and_passes_other_errors(tmp_path: Path) -> None:
    target = tmp_path / "file"
    fd = open_nofollow(target, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    assert target.stat().st_mode & 0o777 == 0o600
    fd = open_nofollow(target, os.O_RDONLY)
    assert os.get_inheritable(fd) is False  # O_CLOEXEC
    os.close(fd)
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(StoreError) as caught:
        open_nofollow(tmp_path / "link", os.O_RDONLY)
    assert caught.value.code == "symlink"
    assert caught.value.message == "is a symlink; a store never follows links"
    assert caught.value.path == str(tmp_path / "link")
    with pytest.raises(FileNotFoundError):
        open_nofollow(tmp_path / "missing", os.O_RDONLY)


def test_open_nofollow_creates_with_the_default_mode(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        os.close(open_nofollow(tmp_path / "file", os.O_WRONLY | os.O_CREAT))
    finally:
        os.umask(old)
    assert (tmp_path / "file").stat().st_mode & 0o777 == 0o644


def test_open_segment_opens_a_file_and_refuses_anything_else(tmp_path: Path) -> None:
    (tmp_path / "seg").write_bytes(b"data")
    fd = open_segment(tmp_path / "seg")
    try:
        assert os.read(fd, 10) == b"data"
    finally:
        os.close(fd)
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    for name in ("fifo", "dir"):
        with pytest.raises(StoreError) as caught:
            open_segment(tmp_path / name)
        assert (caught.value.code, caught.value.message) == ("not-a-file", "is not a regular file")
        assert caught.value.path == str(tmp_path / name)
