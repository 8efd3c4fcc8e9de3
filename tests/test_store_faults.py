"""Fault injection in the style of SQLite's I/O-error tests, and single-byte corruption.

For every N along an import, the Nth `write` or `fsync` fails (ENOSPC, EIO,
EACCES): the import ends in success or a typed error, the store verifies
clean, no temp file is left, and running the import again completes it.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.errors import NewsArchiveError, StoreError
from newsarchive.store import ImportOptions, Store, import_paths
from newsarchive.store import _importer as import_module
from newsarchive.store._layout import TEMP_PREFIX
from tests.conftest import NOW
from tests.store_driver import make_record

OPTIONS = ImportOptions(clock=lambda: NOW)
ERRNOS = [errno.ENOSPC, errno.EIO, errno.EACCES]


class _Faults:
    """Wraps one `os` function so that its Nth call (counting from 1) fails."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, fail_at: int, code: int):
        self.calls = 0
        real = getattr(os, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == fail_at:
                raise OSError(code, os.strerror(code))
            return real(*args, **kwargs)

        monkeypatch.setattr(os, name, wrapper)


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        (src / f"{i:02d}.txt").write_text(
            f"Item {i}: the council approved a new cycle lane on road {i}.\n"
            f"LINK: https://roads.example/{i}\nTAGS: roads",
            encoding="utf-8",
        )
    return src


def _import_with_fault(
    tmp_path: Path, articles: Path, name: str, fail_at: int, code: int
) -> tuple[Path, int]:
    store_dir = tmp_path / f"s-{name}-{fail_at}-{code}"
    Store.init(store_dir).close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(import_module, "BATCH_RECORDS", 5)  # 12 files: 3 batches
        faults = _Faults(mp, name, fail_at, code)
        error: StoreError | None = None
        try:
            with Store(store_dir) as store:
                summary = import_paths(store, [str(articles)], OPTIONS)
            assert summary.imported == 12
        except StoreError as exc:
            error = exc
        if error is not None:
            assert error.code == "write-failed"
            assert os.strerror(code) in error.message
        return store_dir, faults.calls


def _assert_clean_and_completable(store_dir: Path, articles: Path) -> None:
    with Store(store_dir) as store:
        report = store.verify(jobs=1, record_event=False)
        assert report.ok, report.findings
        assert not [p for p in store_dir.iterdir() if p.name.startswith(TEMP_PREFIX)]
        import_paths(store, [str(articles)], OPTIONS)
        assert len(store) == 12
        assert store.verify(jobs=1, record_event=False).ok


@pytest.mark.parametrize("name", ["write", "fsync"])
@pytest.mark.parametrize("code", ERRNOS)
def test_every_write_and_fsync_may_fail(
    tmp_path: Path, articles: Path, name: str, code: int
) -> None:
    # A clean run first, to learn how many calls there are to fail.
    _, calls = _import_with_fault(tmp_path, articles, name, 10**9, code)
    assert calls >= 3  # one per batch at least
    for fail_at in range(1, calls + 1):
        store_dir, _ = _import_with_fault(tmp_path, articles, name, fail_at, code)
        _assert_clean_and_completable(store_dir, articles)
        shutil.rmtree(store_dir)


@pytest.mark.parametrize("code", ERRNOS)
def test_init_survives_a_failed_rename(tmp_path: Path, code: int) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _Faults(mp, "replace", 1, code)
        with pytest.raises(OSError, match=os.strerror(code)):
            Store.init(tmp_path / "s")
    assert not [p for p in (tmp_path / "s").iterdir() if p.name.startswith(TEMP_PREFIX)]
    Store.init(tmp_path / "s").close()  # and trying again works


# -- single-byte corruption -------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("pristine") / "s"
    records = [make_record(i, size=300) for i in range(6)] + [make_record(3)]  # one blob
    with Store.init(root) as store:
        store.add((r, False) for r in records[:4])
        store.add((r, False) for r in records[4:])
        store.append_event(
            {"type": "note", "record_id": records[0]["id"], "at": "2025-01-01T00:00:00Z"}
        )
    return root, records


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.stat().st_size > 0)


@settings(max_examples=80)
@given(which=st.integers(0, 2**16), where=st.integers(0, 2**40), mask=st.integers(1, 255))
def test_any_flipped_byte_is_found_or_harmless(
    pristine: tuple[Path, list[dict[str, Any]]],
    tmp_path_factory: pytest.TempPathFactory,
    which: int,
    where: int,
    mask: int,
) -> None:
    # Draws do not depend on file sizes, so a saved example replays the same way.
    root, records = pristine
    copy = tmp_path_factory.mktemp("flip") / "s"
    shutil.copytree(root, copy)
    files = [p.relative_to(root) for p in _files(root)]
    target = files[which % len(files)]
    blob = bytearray((copy / target).read_bytes())
    blob[where % len(blob)] ^= mask
    (copy / target).write_bytes(bytes(blob))
    try:
        with Store(copy) as store:
            if store.verify(jobs=1, record_event=False).ok:
                for record in records:
                    assert store.get(record["id"]) == record
    except NewsArchiveError:
        pass  # refused loudly (not a store, damaged): found, not silent
    finally:
        shutil.rmtree(copy.parent)
