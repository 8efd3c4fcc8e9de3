"""`key generate`, `key public` and `verify-proof` through `newsarchive.cli.run`."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from newsarchive import ArchivedArticle
from newsarchive._json import canonical_dumps
from newsarchive.cli import run
from newsarchive.proofs import (
    Checkpoint,
    MemoryTree,
    entry_leaf_hash,
    load_signer_key,
    make_bundle,
    timestamp_request,
)
from tests.tsa_server import OPENSSL, TestTsa


def cli_run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.BytesIO(), io.StringIO()
    code = run(list(args), stdin=io.BytesIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue().decode(), err.getvalue()


def one_line_error(code: int, err: str, words: str) -> None:
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("newsarchive")
    assert words in err
    assert "Traceback" not in err


@pytest.fixture
def key(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "log.key"
    code, out, err = cli_run("key", "generate", "news.example/archive", "-o", str(path))
    assert code == 0, err
    return path, out.strip()


def test_key_generate_and_public(key: tuple[Path, str]) -> None:
    path, vkey = key
    assert vkey.startswith("news.example/archive+")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text().strip().split("+", 4)[4]
    assert secret not in vkey
    assert cli_run("key", "public", str(path)) == (0, vkey + "\n", "")


def test_key_errors_are_one_line(key: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = key
    before = path.read_bytes()
    code, _, err = cli_run("key", "generate", "other", "-o", str(path))
    one_line_error(code, err, "never overwritten")
    assert path.read_bytes() == before
    code, _, err = cli_run("key", "generate", "bad name", "-o", str(tmp_path / "k"))
    one_line_error(code, err, "key name")
    bad = tmp_path / "bad.key"
    bad.write_text("PRIVATE+KEY+x+00000000+AAAA\n")
    bad.chmod(0o600)
    code, _, err = cli_run("key", "public", str(bad))
    one_line_error(code, err, "signer key")
    assert "AAAA" not in err
    code, _, err = cli_run("key")
    one_line_error(code, err, "an action is required")


def _bundle(key_path: Path, token_for: TestTsa | None = None) -> dict[str, Any]:
    record = ArchivedArticle.create(
        url="https://news.example/a", content="Text.\n", retrieved_at="2024-01-01T00:00:00Z"
    )
    entries = [{"event": {"record_id": None, "type": "init"}}, {"record": record.to_dict()}]
    tree = MemoryTree(entry_leaf_hash(e) for e in entries)
    signer = load_signer_key(key_path)
    note = Checkpoint("news.example/archive", 2, tree.root()).sign([signer])
    token = token_for.sign(timestamp_request(note)[0]) if token_for else None
    return make_bundle(entries[1], "Text.\n", 1, tree.inclusion_proof(1), note, token)


def test_verify_proof(key: tuple[Path, str], tmp_path: Path) -> None:
    path, vkey = key
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(canonical_dumps(_bundle(path)))
    code, out, err = cli_run("verify-proof", str(bundle), "--key", vkey)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("ok        content: ")
    assert lines[4].startswith("absent    timestamp: ")
    assert lines[5].startswith("VERIFIED: record ")
    code, out, _ = cli_run("verify-proof", "-", "--key", vkey, "--json", stdin=bundle.read_bytes())
    assert code == 0
    assert json.loads(out)["ok"] is True
    (tmp_path / "log.pub").write_text(vkey + "\n")
    assert cli_run("verify-proof", str(bundle), "--key", str(tmp_path / "log.pub"))[0] == 0
    assert path.read_text().strip().split("+", 4)[4] not in out


def test_verify_proof_failures(key: tuple[Path, str], tmp_path: Path) -> None:
    path, vkey = key
    data = _bundle(path)
    data["content"] = "Texts\n"
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(canonical_dumps(data))
    code, out, err = cli_run("verify-proof", str(bundle), "--key", vkey)
    assert (code, err) == (1, "")
    assert out.splitlines()[0].startswith("failed    content: ")
    assert out.splitlines()[-1] == "NOT VERIFIED: content did not hold"
    other = tmp_path / "other.key"
    _, other_vkey, _ = cli_run("key", "generate", "news.example/archive", "-o", str(other))
    code, out, _ = cli_run("verify-proof", str(bundle), "--key", other_vkey.strip())
    assert code == 1
    assert "checkpoint did not hold" in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"[]", "no 'format' member"), (b"{", "not a bundle"), (b"\xff", "not a bundle")],
)
def test_verify_proof_of_a_non_bundle(
    key: tuple[Path, str], tmp_path: Path, content: bytes, words: str
) -> None:
    bundle = tmp_path / "x.json"
    bundle.write_bytes(content)
    code, _, err = cli_run("verify-proof", str(bundle), "--key", key[1])
    one_line_error(code, err, words)
    assert str(bundle) in err


def test_verify_proof_with_a_malformed_key_or_missing_file(tmp_path: Path) -> None:
    code, _, err = cli_run("verify-proof", str(tmp_path / "b.json"), "--key", "x+y+z")
    one_line_error(code, err, "malformed verifier key")
    code, _, err = cli_run(
        "verify-proof",
        str(tmp_path / "b.json"),
        "--key",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    )
    one_line_error(code, err, "b.json")
    code, _, err = cli_run("verify-proof", str(tmp_path / "b.json"))
    one_line_error(code, err, "--key")
    # Neither a key string nor a file: says so in words, not as an errno dump.
    code, _, err = cli_run("verify-proof", str(tmp_path / "b.json"), "--key", "x")
    one_line_error(code, err, "'x' is neither a verifier key (NAME+KEYID+BASE64) nor a file")
    assert "Errno" not in err


@pytest.mark.skipif(OPENSSL is None, reason="the test TSA signs with openssl ts")
def test_verify_proof_with_a_time_stamp(key: tuple[Path, str], tmp_path: Path) -> None:
    path, vkey = key
    tsa = TestTsa(tmp_path / "tsa")
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(canonical_dumps(_bundle(path, token_for=tsa)))
    (tmp_path / "tsa.pem").write_bytes(tsa.chain_pem)
    code, out, _ = cli_run(
        "verify-proof", str(bundle), "--key", vkey, "--tsa-cert", str(tmp_path / "tsa.pem")
    )
    assert code == 0
    assert out.splitlines()[4].startswith("ok        timestamp: stamped at ")
    code, out, _ = cli_run("verify-proof", str(bundle), "--key", vkey)
    assert code == 1
    assert out.splitlines()[4].startswith("unchecked timestamp: ")
    (tmp_path / "bad.pem").write_text("nonsense")
    code, _, err = cli_run(
        "verify-proof", str(bundle), "--key", vkey, "--tsa-cert", str(tmp_path / "bad.pem")
    )
    one_line_error(code, err, "certificate")
