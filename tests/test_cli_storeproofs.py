"""`store checkpoint`, `store verify` of checkpoints, `prove`, `store consistency`, end to end.

The time-stamps come from a TSA of the test's own on 127.0.0.1 (tests/tsa_server.py).
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsarchive.proofs import (
    TileLog,
    load_tsa_trust,
    parse_checkpoint,
    parse_note,
    root_of,
    verify_consistency,
    verify_timestamp,
)
from newsarchive.store import Store
from tests.store_driver import make_record
from tests.test_cli_proofs import cli_run
from tests.test_proofs_storelog import segment_leaves
from tests.tsa_server import OPENSSL, TestTsa, serve

ORIGIN = "news.example/archive"
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the test TSA signs with openssl ts")


def one_line(code: int, err: str, words: str, expected: int) -> None:
    assert code == expected, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("newsarchive: error: ")
    assert words in lines[0]
    assert "Traceback" not in err


def add(root: Path, start: int, count: int) -> None:
    with Store.init(root, origin=ORIGIN) as store:
        store.add([(make_record(i, size=200), False) for i in range(start, start + count)])


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    add(root, 0, 10)
    return root


@pytest.fixture
def key(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "keys" / "log.key"
    path.parent.mkdir()
    code, out, err = cli_run("key", "generate", ORIGIN, "-o", str(path))
    assert code == 0, err
    return path, out.strip()


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> TestTsa:
    if OPENSSL is None:
        pytest.skip("the test TSA signs with openssl ts")
    return TestTsa(tmp_path_factory.mktemp("tsa"))


@pytest.fixture(scope="module")
def tsa_url(tsa: TestTsa) -> Iterator[str]:
    yield from serve(tsa)


def checkpoint(store: Path, key: Path, *more: str) -> str:
    code, out, err = cli_run("store", "checkpoint", "--store", str(store), "--key", str(key), *more)
    assert code == 0, err
    return out


def verify_codes(store: Path) -> tuple[int, list[str]]:
    code, out, err = cli_run("store", "verify", "--store", str(store), "--json", "--jobs", "1")
    assert code in (0, 1), err
    return code, [f["code"] for f in json.loads(out)["findings"]]


# -- store checkpoint -------------------------------------------------------------------


def test_checkpoint_signs_the_log_and_keeps_it(store: Path, key: tuple[Path, str]) -> None:
    path, _ = key
    out = checkpoint(store, path)
    note = (store / "checkpoints" / "00000001.note").read_bytes()
    assert out.encode() == note
    body = parse_checkpoint(parse_note(note).text)
    leaves = segment_leaves(store)
    assert (body.origin, body.size, body.root) == (ORIGIN, len(leaves), root_of(leaves))
    assert not (store / "checkpoints" / "00000001.tsr").exists()
    add(store, 10, 3)
    checkpoint(store, path)
    second = parse_checkpoint(parse_note((store / "checkpoints/00000002.note").read_bytes()).text)
    assert second.size == len(segment_leaves(store)) > body.size
    secret = path.read_text().strip().split("+", 4)[4].encode()  # the base64 may hold "+"
    for file in store.rglob("*"):
        assert not file.is_file() or secret not in file.read_bytes()
    assert verify_codes(store) == (0, [])


@needs_openssl
def test_checkpoint_with_a_time_stamp(
    store: Path, key: tuple[Path, str], tsa: TestTsa, tsa_url: str
) -> None:
    out = checkpoint(store, key[0], "--tsa", tsa_url)
    token = (store / "checkpoints" / "00000001.tsr").read_bytes()
    verdict = verify_timestamp(token, out.encode(), load_tsa_trust(tsa.chain_pem))
    assert verdict.ok, verdict.reason


def test_checkpoint_refuses_bad_input(store: Path, key: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = key
    base = ("store", "checkpoint", "--store", str(store))
    code, _, err = cli_run(*base, "--key", str(tmp_path / "missing.key"))
    one_line(code, err, "missing.key", 2)
    code, _, err = cli_run(*base)
    one_line(code, err, "--key", 2)
    inside = store / "log.key"
    shutil.copy(path, inside)
    code, _, err = cli_run(*base, "--key", str(inside))
    one_line(code, err, "inside the store", 2)
    inside.unlink()
    path.chmod(0o644)
    code, _, err = cli_run(*base, "--key", str(path))
    one_line(code, err, "", 2)
    path.chmod(0o600)
    code, _, err = cli_run(*base, "--key", str(path), "--tsa", "ftp://tsa.example/")
    one_line(code, err, "http", 2)
    code, _, err = cli_run(*base, "--key", str(path), "--tsa", "http://127.0.0.1:9/")
    one_line(code, err, "did not answer", 2)
    assert not (store / "checkpoints").exists() or not list((store / "checkpoints").iterdir())
    code, _, err = cli_run(*base[:2], "--store", str(tmp_path / "nostore"), "--key", str(path))
    one_line(code, err, "", 2)


# -- store verify of the checkpoints --------------------------------------------------------


def _copy_checkpoints(source: Path, target: Path) -> None:
    shutil.copytree(source / "checkpoints", target / "checkpoints", dirs_exist_ok=True)


def test_a_rolled_back_store_fails_verify(
    store: Path, key: tuple[Path, str], tmp_path: Path
) -> None:
    checkpoint(store, key[0])
    older = tmp_path / "older"
    add(older, 0, 6)  # the same log, as it was before the last records
    _copy_checkpoints(store, older)
    assert verify_codes(older) == (1, ["checkpoint-ahead"])


def test_a_rewritten_store_fails_verify(store: Path, key: tuple[Path, str], tmp_path: Path) -> None:
    checkpoint(store, key[0])
    other = tmp_path / "other"
    add(other, 0, 5)
    add(other, 100, 5)  # as many entries, some of them others
    _copy_checkpoints(store, other)
    assert verify_codes(other) == (1, ["checkpoint-mismatch"])


def test_a_truncated_store_fails_verify(store: Path, key: tuple[Path, str]) -> None:
    add(store, 10, 2)
    checkpoint(store, key[0])
    (segment,) = (store / "segments").glob("*.jsonl")
    data = segment.read_bytes()
    segment.write_bytes(data[: data.index(b"\n", data.index(b'{"commit"')) + 1])  # batch 1 only
    # The index still lists the lost batch (index-ahead), so writing is refused:
    # the audit's event is not recorded.
    code, codes = verify_codes(store)
    assert (code, sorted(codes)) == (1, ["checkpoint-ahead", "event-not-recorded", "index-ahead"])
    for index in store.glob("index.sqlite*"):
        index.unlink()  # forgotten, as if the store had never held the lost batch
    with Store(store) as opened:
        assert len(opened) == 10  # the index is rebuilt from what is left
    code, codes = verify_codes(store)
    # The log still holds the lost batch's leaves.
    assert (code, sorted(codes)) == (1, ["checkpoint-ahead", "log-mismatch"])


def test_the_checkpoint_history_is_append_only(store: Path, key: tuple[Path, str]) -> None:
    checkpoint(store, key[0])
    checkpoint(store, key[0])
    (store / "checkpoints" / "00000001.note").unlink()
    assert verify_codes(store) == (1, ["checkpoint-missing"])
    (store / "checkpoints" / "00000001.note").write_text("not a note\n")
    assert verify_codes(store) == (1, ["checkpoint-malformed"])
    shutil.copy(store / "checkpoints" / "00000002.note", store / "checkpoints" / "00000001.note")
    (store / "checkpoints" / "00000003.tsr").write_bytes(b"token")
    assert verify_codes(store) == (0, ["checkpoint-orphan-token"])


def test_a_checkpoint_of_another_log_fails(
    store: Path, key: tuple[Path, str], tmp_path: Path
) -> None:
    other = tmp_path / "other"
    with Store.init(other, origin="elsewhere.example/log") as made:
        made.add([(make_record(1), False)])
    checkpoint(other, key[0])
    _copy_checkpoints(other, store)
    assert verify_codes(store) == (1, ["checkpoint-origin"])


# -- prove ----------------------------------------------------------------------------------


def _an_id(store: Path, number: int = 3) -> str:
    return str(make_record(number, size=200)["id"])


@needs_openssl
def test_prove_then_verify_offline(
    store: Path, key: tuple[Path, str], tsa: TestTsa, tsa_url: str, tmp_path: Path
) -> None:
    path, vkey = key
    record_id = _an_id(store)
    bundle = tmp_path / "bundle.json"
    code, _, err = cli_run("prove", record_id, "-o", str(bundle), "--store", str(store))
    one_line(code, err, "store checkpoint", 1)
    assert not bundle.exists()
    checkpoint(store, path, "--tsa", tsa_url)
    code, _, err = cli_run("prove", record_id[:10], "-o", str(bundle), "--store", str(store))
    assert code == 0, err
    data = json.loads(bundle.read_bytes())
    assert data["entry"]["record"]["id"] == record_id
    assert data["content"] == make_record(3, size=200)["content"]
    assert data["checkpoint"] == (store / "checkpoints" / "00000001.note").read_text()
    (tmp_path / "chain.pem").write_bytes(tsa.chain_pem)
    verify = ("verify-proof", str(bundle), "--key", vkey, "--tsa-cert", str(tmp_path / "chain.pem"))
    code, out, err = cli_run(*verify)
    assert code == 0, out + err
    assert "VERIFIED" in out
    # No other record travels with it.
    other = _an_id(store, 4)
    assert other not in bundle.read_text()
    # Changed in any rung, it fails.
    data["entry"]["record"]["title"] = "Another title"
    bundle.write_text(json.dumps(data))
    assert cli_run(*verify)[0] == 1


def test_prove_without_content_and_to_stdout(store: Path, key: tuple[Path, str]) -> None:
    path, _ = key
    checkpoint(store, path)
    record_id = _an_id(store)
    code, out, err = cli_run("prove", record_id, "-o", "-", "--no-content", "--store", str(store))
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    assert "content" not in data
    assert "content" not in data["entry"]["record"]
    log = TileLog(store / "log")
    assert data["inclusion_proof"] == [
        base64.b64encode(h).decode() for h in log.inclusion_proof(data["leaf_index"])
    ]


def test_prove_refuses(store: Path, key: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = key
    checkpoint(store, path)
    add(store, 50, 1)  # after the checkpoint: not covered yet
    out = str(tmp_path / "b.json")
    code, _, err = cli_run("prove", _an_id(store, 50), "-o", out, "--store", str(store))
    one_line(code, err, "no checkpoint covers", 1)
    code, _, err = cli_run("prove", "0" * 64, "-o", out, "--store", str(store))
    one_line(code, err, "no record", 1)
    code, _, err = cli_run("prove", _an_id(store), "--store", str(store))
    one_line(code, err, "-o", 2)
    code, _, err = cli_run("prove", _an_id(store), "-o", str(tmp_path), "--store", str(store))
    one_line(code, err, "", 2)
    assert not Path(out).exists()


# -- store consistency ------------------------------------------------------------------------


def test_consistency_from_a_kept_checkpoint(
    store: Path, key: tuple[Path, str], tmp_path: Path
) -> None:
    path, _ = key
    kept = tmp_path / "kept.note"
    kept.write_text(checkpoint(store, path))
    add(store, 10, 7)
    latest = checkpoint(store, path)
    code, out, err = cli_run("store", "consistency", str(kept), "--store", str(store))
    assert code == 0, err
    assert out.splitlines()[-1].startswith("CONSISTENT: ")
    code, out, _ = cli_run("store", "consistency", str(kept), "--store", str(store), "--json")
    found = json.loads(out)
    old = parse_checkpoint(parse_note(kept.read_bytes()).text)
    new = parse_checkpoint(parse_note(latest.encode()).text)
    proof = [base64.b64decode(p) for p in found["proof"]]
    assert found["consistent"] is True
    assert verify_consistency(old.size, new.size, old.root, new.root, proof)


def test_consistency_fails_for_a_rolled_back_or_rewritten_log(
    store: Path, key: tuple[Path, str], tmp_path: Path
) -> None:
    path, _ = key
    kept = tmp_path / "kept.note"
    kept.write_text(checkpoint(store, path))
    older = tmp_path / "older"
    add(older, 0, 6)
    checkpoint(older, path)
    code, out, _ = cli_run("store", "consistency", str(kept), "--store", str(older))
    assert code == 1
    assert "rolled back" in out.splitlines()[-1]
    other = tmp_path / "other"
    add(other, 0, 5)
    add(other, 100, 8)
    checkpoint(other, path)
    code, out, _ = cli_run("store", "consistency", str(kept), "--store", str(other))
    assert code == 1
    assert "rewritten" in out.splitlines()[-1]


def test_consistency_refuses_bad_input(store: Path, key: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = key
    kept = tmp_path / "kept.note"
    kept.write_text(checkpoint(store, path))
    fresh = tmp_path / "fresh"
    add(fresh, 0, 1)
    code, _, err = cli_run("store", "consistency", str(kept), "--store", str(fresh))
    one_line(code, err, "no checkpoint yet", 1)
    code, _, err = cli_run("store", "consistency", str(tmp_path / "none"), "--store", str(store))
    one_line(code, err, "none", 2)
    (tmp_path / "bad.note").write_text("origin\n1\nAAAA\n")
    code, _, err = cli_run(
        "store", "consistency", str(tmp_path / "bad.note"), "--store", str(store)
    )
    one_line(code, err, "malformed", 2)
    code, _, err = cli_run("store", "consistency", "--store", str(store))
    one_line(code, err, "FILE", 2)


def test_verify_with_the_key_checks_every_signature(
    store: Path, key: tuple[Path, str], tmp_path: Path
) -> None:
    path, vkey = key
    checkpoint(store, path)
    base = ("store", "verify", "--store", str(store), "--jobs", "1", "--json")
    code, out, err = cli_run(*base, "--key", vkey)
    assert (code, json.loads(out)["findings"]) == (0, []), err
    other = tmp_path / "other.key"
    code, other_vkey, _ = cli_run("key", "generate", ORIGIN, "-o", str(other))
    checkpoint(store, other)  # a second checkpoint, signed by another key
    code, out, _ = cli_run(*base, "--key", vkey)
    found = json.loads(out)["findings"]
    assert code == 1
    assert [(f["code"], f["where"]) for f in found] == [
        ("checkpoint-signature", "checkpoints/00000002.note")
    ]
    assert cli_run(*base, "--key", vkey, "--key", other_vkey.strip())[0] == 0
    code, _, err = cli_run(*base, "--key", "not+a+key")
    one_line(code, err, "", 2)


def test_prove_a_record_whose_content_is_a_blob(store: Path, key: tuple[Path, str]) -> None:
    path, vkey = key
    with Store(store) as opened:
        opened.add([(make_record(43), False)])  # every 40th record's content is a large blob
    checkpoint(store, path)
    record_id = str(make_record(43)["id"])
    code, out, err = cli_run("prove", record_id, "-o", "-", "--store", str(store))
    assert code == 0, err
    data = json.loads(out)
    assert set(data["entry"]) == {"content_blob", "record"}
    assert data["content"] == make_record(43)["content"]
    bundle = store.parent / "blob.json"
    bundle.write_text(out)
    code, out, err = cli_run("verify-proof", str(bundle), "--key", vkey)
    assert code == 0, out + err
