"""A store we may not write (a read-only copy, another user's store) can still be read.

The commands run in a child process that really lacks write access: as root
(whose writes no mode bits stop) the child drops to the unprivileged uid 65534
over a store it does not own; otherwise the store is made read-only with
chmod. Either way the child first proves it cannot write there, so these tests
cannot pass on a store that is writable after all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsarchive.store import ImportOptions, Store, import_paths
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534


def _as_nobody() -> None:  # pragma: no cover - runs in the child, before exec
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


Reader = Callable[..., subprocess.CompletedProcess[str]]


def _snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` with its bytes' SHA-256 (directories: "dir")."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        found[name] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def readonly_store(request: pytest.FixtureRequest) -> Iterator[tuple[Path, Reader]]:
    """A store with one imported record, and a way to run `newsarchive` without write access.

    Parametrized indirectly, the parameter is a change made to the store first.
    """
    base = Path(tempfile.mkdtemp(prefix="newsarchive-ro-"))
    base.chmod(0o755)  # the unprivileged child must reach the store
    store = base / "store"
    try:
        with Store.init(store) as opened:
            import_paths(opened, [str(DATA / "import" / "ferry.txt")], ImportOptions())
        getattr(request, "param", lambda _: None)(store)
        root = os.geteuid() == 0
        if not root:
            for path in [store, *store.rglob("*")]:
                mode = stat.S_IMODE(path.stat().st_mode)
                path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        # The source and the installed dependencies, for an interpreter of the same
        # version that uid 65534 can run where it cannot reach ours (a home of root's).
        paths = [str(ROOT / "src"), *(p for p in sys.path if p.endswith("-packages"))]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        env.pop("NEWSARCHIVE_STORE", None)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        python = sys.executable

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [python, *args],
                capture_output=True,
                text=True,
                check=False,
                cwd=base,
                env=env,
                preexec_fn=_as_nobody if root else None,
            )

        probe_code = "import os, sys, newsarchive.store; sys.exit(os.access('store', os.W_OK))"
        system = shutil.which(version, path=os.defpath)  # not a shim of a home directory
        for candidate in filter(None, [sys.executable, system]):
            python = candidate
            try:
                probe = run("-c", probe_code)
            except PermissionError:
                continue
            if probe.returncode in (0, 1):
                break
        else:
            pytest.skip(f"no {version} that uid {NOBODY} can run with newsarchive here")
        assert probe.returncode == 0, "the child can write to the store: the test proves nothing"
        yield store, lambda *args: run("-m", "newsarchive", *args)
    finally:
        for path in [base, *base.rglob("*")]:
            if not path.is_symlink():
                path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IWUSR)
        shutil.rmtree(base)


def test_reading_needs_no_write_access(readonly_store: tuple[Path, Reader]) -> None:
    store, run = readonly_store
    before = _snapshot(store)
    found = run("find", "--store", "store")
    assert found.returncode == 0, found.stderr
    ((record_id, *_),) = [line.split() for line in found.stdout.splitlines()]
    shown = run("show", "--store", "store", record_id[:12])
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == record_id
    content = run("cat", "--store", "store", record_id)
    assert content.returncode == 0, content.stderr
    assert "ferry" in content.stdout.lower()
    stats = run("store", "stats", "--store", "store")
    assert stats.returncode == 0, stats.stderr
    assert _snapshot(store) == before  # nothing created, nothing changed


def test_an_audit_needs_no_write_access_and_records_no_event(
    readonly_store: tuple[Path, Reader],
) -> None:
    store, run = readonly_store
    before = _snapshot(store)
    audit = run("store", "verify", "--store", "store", "--json")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert report["ok"]
    assert report["records"] == 1
    # Notes: the full-text index was never built (it cannot be, here), and no event is written.
    found = [(f["severity"], f["code"], f["where"]) for f in report["findings"]]
    assert found == [
        ("note", "derived-unchecked", "text"),
        ("note", "event-not-recorded", "store"),
    ]
    assert _snapshot(store) == before
    (store / "segments" / "00000001.jsonl").chmod(0o644)  # made writable for the damage only
    data = bytearray((store / "segments" / "00000001.jsonl").read_bytes())
    data[40] ^= 1
    (store / "segments" / "00000001.jsonl").write_bytes(bytes(data))
    damaged = run("store", "verify", "--store", "store", "--json")
    assert damaged.returncode == 1, damaged.stdout + damaged.stderr
    assert "damaged" in [f["code"] for f in json.loads(damaged.stdout)["findings"]]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("find", "--store", "store", "--text", "ferry"), "derived index 'text'"),
        (("annotate", "--store", "store", "ID", "--type", "note", "--detail", "x"), "written"),
        (("store", "reindex", "--store", "store"), "written"),
    ],
)
def test_what_needs_write_access_is_refused_in_one_line(
    readonly_store: tuple[Path, Reader], args: tuple[str, ...], words: str
) -> None:
    store, run = readonly_store
    before = _snapshot(store)
    record_id = run("find", "--store", "store").stdout.split()[0]
    done = run(*(record_id if arg == "ID" else arg for arg in args))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("newsarchive: error: ")
    assert "read-only here (no write access)" in lines[0]
    assert words in lines[0]
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    "readonly_store",
    [
        lambda store: (store / "index.sqlite").unlink(),
        lambda store: (store / "index.sqlite").write_bytes(b"not a database"),
    ],
    indirect=True,
)
def test_an_index_that_would_be_rebuilt_is_refused_in_one_line(
    readonly_store: tuple[Path, Reader],
) -> None:
    store, run = readonly_store
    before = _snapshot(store)
    done = run("find", "--store", "store")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "nor rebuilt without write access" in lines[0]
    assert _snapshot(store) == before
