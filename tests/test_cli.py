from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive import __version__
from newsarchive._json import loads
from newsarchive.cli import run
from tests.conftest import DATA

LIGHTHOUSE = DATA / "cli" / "lighthouse.txt"
PERSIAN = DATA / "cli" / "library-fa.txt"


def cli(*args: str, stdin: bytes = b"") -> tuple[int, bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    code = run(list(args), stdin=io.BytesIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, err: str, words: str, expected: int = 2) -> None:
    assert code == expected
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert words in lines[0]
    assert "Traceback" not in err


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    code, out, err = cli(
        "record",
        str(LIGHTHOUSE),
        "--retrieved-at",
        "2024-05-01T10:00:00Z",
        "--title",
        "Lighthouse reopens",
        "-o",
        str(tmp_path / "r.json"),
    )
    assert (code, out, err) == (0, b"", "")
    return tmp_path / "r.json"


def test_version_and_help() -> None:
    code, out, _ = cli("--version")
    assert (code, out) == (0, f"newsarchive {__version__}\n".encode())
    code, out, _ = cli("--help")
    assert code == 0
    assert b"Exit codes" in out
    code, out, _ = cli("record", "--help")
    assert code == 0
    assert b"--retrieved-at" in out


@pytest.mark.parametrize("columns", ["40", "80", "200"])
def test_the_top_level_help_is_the_full_parsers_help(
    monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    # `--help` alone is printed from cli/_listing.py without the command groups;
    # `--store DIR --help` goes through the parser of every command. Same bytes,
    # at every width argparse wraps to (a command missing from the listing, or
    # its help changed in one place only, fails here).
    monkeypatch.setenv("COLUMNS", columns)
    full = cli("--store", "somewhere", "--help")
    assert full[0] == 0
    assert b"    record " in full[1]
    assert cli("--help") == full, "cli/_listing.py differs from the groups' add_parser help"
    assert cli("-h") == full


def test_help_and_version_do_not_load_the_command_groups() -> None:
    # What keeps start-up near `import argparse` (issue 11): the groups are
    # compiled only when a command runs.
    code = (
        "import io, sys\n"
        "from newsarchive.cli import run\n"
        "def groups(): return sorted(m for m in sys.modules if m.startswith('newsarchive.cli._'))\n"
        "run(['--version'], stdout=io.BytesIO())\n"
        "run(['--help'], stdout=io.BytesIO())\n"
        "print(' '.join(groups()))\n"
        "run(['record', '--help'], stdout=io.BytesIO())\n"
        "print(' '.join(groups()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    light, full = (line.split() for line in done.stdout.splitlines())
    assert light == ["newsarchive.cli._common", "newsarchive.cli._listing"]
    assert {"newsarchive.cli._records", "newsarchive.cli._store"} <= set(full)


@pytest.mark.parametrize("fixture", [LIGHTHOUSE, PERSIAN])
def test_record_then_text_reproduces_the_file(tmp_path: Path, fixture: Path) -> None:
    code, out, _ = cli("record", str(fixture), "--retrieved-at", "2024-05-01T10:00:00Z")
    assert code == 0
    record = json.loads(out)
    assert record["schema_version"] == 2  # `record` makes format v2
    assert record["retrieval"]["method"] == "file-import"
    assert record["provenance"][0]["source_digest"] == (
        "sha256:" + hashlib.sha256(fixture.read_bytes()).hexdigest()
    )
    path = tmp_path / "r.json"
    path.write_bytes(out)
    code, text, _ = cli("text", str(path))
    assert (code, text) == (0, fixture.read_bytes())


def test_validate_and_verify_pass_on_a_fresh_record(record_file: Path) -> None:
    code, out, err = cli("validate", str(record_file))
    assert (code, out) == (0, b"")
    assert "1 record checked, 0 problems" in err
    code, out, _ = cli("verify", str(record_file), str(LIGHTHOUSE))
    assert code == 0
    assert b"OK: exact match" in out


def test_canonical_output_is_rfc8785(record_file: Path) -> None:
    import rfc8785

    code, out, _ = cli(
        "record", str(LIGHTHOUSE), "--retrieved-at", "2024-05-01T10:00:00Z", "--canonical"
    )
    assert code == 0
    assert out == rfc8785.dumps(json.loads(out))


def _leaf_pointers(value: Any, pointer: str = "") -> list[str]:
    if isinstance(value, dict):
        return [q for k, v in value.items() for q in _leaf_pointers(v, f"{pointer}/{k}")]
    if isinstance(value, list):
        return [q for i, v in enumerate(value) for q in _leaf_pointers(v, f"{pointer}/{i}")]
    return [pointer]


def test_changing_any_metadata_field_fails_and_names_it(record_file: Path, tmp_path: Path) -> None:
    original = json.loads(record_file.read_bytes())
    for pointer in _leaf_pointers(original):
        changed = json.loads(record_file.read_bytes())
        parts = pointer.strip("/").split("/")
        parent: Any = changed
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        key: Any = int(parts[-1]) if isinstance(parent, list) else parts[-1]
        value = parent[key]
        parent[key] = (
            value + 1 if isinstance(value, int) else ("x" if value is None else value + "x")
        )
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(changed))
        code, out, _ = cli("validate", str(bad))
        assert code == 1, pointer
        named = {line.split()[1] for line in out.decode().splitlines()}
        field = "/" + parts[0]
        assert any(
            n.startswith(field) or n in {"/record_digest", "/content_digest"} for n in named
        ), (pointer, out)
        code, _, _ = cli("verify", str(bad), str(LIGHTHOUSE))
        assert code == 1, pointer


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_byte_changed_in_the_record_file_is_caught(
    record_file: Path, data: st.DataObject
) -> None:
    raw = record_file.read_bytes()
    pos = data.draw(st.integers(0, len(raw) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[pos]))
    changed = raw[:pos] + bytes([new]) + raw[pos + 1 :]
    code, _, err = cli("validate", "-", stdin=changed)
    assert "Traceback" not in err
    try:
        same = loads(changed) == loads(raw)
    except ValueError:
        same = False
    # A change of insignificant whitespace leaves the same record; anything else fails.
    assert code == 0 if same else code in {1, 2}


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_byte_changed_in_the_copy_is_caught(
    record_file: Path, tmp_path_factory: Any, data: st.DataObject
) -> None:
    raw = LIGHTHOUSE.read_bytes()
    pos = data.draw(st.integers(0, len(raw) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[pos]))
    copy = tmp_path_factory.mktemp("copy") / "copy.txt"
    copy.write_bytes(raw[:pos] + bytes([new]) + raw[pos + 1 :])
    code, out, _ = cli("verify", str(record_file), str(copy))
    if (raw[pos : pos + 1] == b" " and new in b" \t") or raw[:pos].endswith(b"TAGS:"):
        return  # whitespace inside the trailer, or after an empty TAGS:, is tolerated
    assert code == 1, (pos, new, out)


def test_verify_reports_a_normalized_copy(record_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "crlf.txt"
    copy.write_bytes(LIGHTHOUSE.read_bytes().replace(b"\n", b"\r\n"))
    code, out, _ = cli("verify", str(record_file), str(copy))
    assert code == 1
    assert b"NORMALIZED" in out
    assert b"line-endings" in out
    code, out, _ = cli("verify", "--json", str(record_file), str(copy))
    assert code == 1
    report = json.loads(out)
    assert report["copy"]["status"] == "normalized"
    assert report["copy"]["normalizations"] == ["line-endings"]


def test_verify_mismatch_shows_first_difference(record_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "edited.txt"
    copy.write_bytes(LIGHTHOUSE.read_bytes().replace(b"2.4 million", b"3 million"))
    code, out, _ = cli("verify", str(record_file), str(copy))
    assert code == 1
    assert b"MISMATCH" in out
    assert (
        "line 4, column 18: expected 'The project cost 2.4 million euros, m'…, "
        "got 'The project cost 3 million euros, mos'…" in out.decode()
    )


def test_verify_shows_an_invisible_difference(record_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "crlf.txt"
    copy.write_bytes(LIGHTHOUSE.read_bytes().replace(b"\n", b"\r\n"))
    code, out, _ = cli("verify", str(record_file), str(copy))
    assert code == 1
    # Both sides end where they differ, and the CR is spelled out.
    assert (
        "column 162: expected …'ee-year restoration.', got …'ee-year restoration.\\r'"
        in out.decode()
    )


def test_validate_formats(record_file: Path, tmp_path: Path) -> None:
    record = json.loads(record_file.read_bytes())
    broken = {**record, "url": "javascript:x"}
    array = tmp_path / "array.json"
    array.write_text(json.dumps([record, broken]))
    code, out, _ = cli("validate", str(array))
    assert code == 1
    assert f"{array} /1/url bad-url " in out.decode()
    assert f"{array} /0/" not in out.decode()
    lines = tmp_path / "records.jsonl"
    lines.write_text(json.dumps(record) + "\n" + json.dumps(broken) + "\n")
    code, out, _ = cli("validate", str(lines))
    assert code == 1
    assert f"{lines}:2 /url bad-url " in out.decode()
    assert f"{lines}:1 " not in out.decode()
    code, out, _ = cli("validate", "--json", "-", stdin=lines.read_bytes())
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert report["records"] == 2
    assert report["files"][0]["problems"][0]["line"] == 2


def test_validate_malformed_json_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "dup.json"
    bad.write_bytes(b'{"a": 1, "a": 2}')
    code, out, err = cli("validate", str(bad))
    assert (code, out) == (2, b"")  # malformed input is an error on stderr, with its place
    assert err.startswith(f"newsarchive: error: {bad}: duplicate key")
    assert "duplicate" in err
    code, out, err = cli("validate", str(tmp_path / "missing.json"))
    assert (code, out) == (2, b"")
    assert "No such file or directory" in err
    code, out, _ = cli("validate", "--json", str(bad))
    assert code == 2
    assert json.loads(out)["files"][0]["problems"][0]["code"] == "duplicate-key"


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["record", "-"], b"no trailer at all", "LINK"),
        (["record", "-"], b"x\nLINK: javascript:alert(1)\nTAGS:", "http"),
        (
            ["record", "-", "--retrieved-at", "yesterday"],
            b"x\nLINK: https://e.com/\nTAGS:",
            "yesterday",
        ),
        (
            ["record", "-", "--retrieved-at", "2020-01-01 10:00"],
            b"x\nLINK: https://e.com/\nTAGS:",
            "time zone",
        ),
        (["record", "-", "--algorithm", "md5"], b"x\nLINK: https://e.com/\nTAGS:", "collision"),
        (["record", "-", "--algorithm", "crc32"], b"x\nLINK: https://e.com/\nTAGS:", "unknown"),
        (["record", "-", "--method", "telepathy"], b"x\nLINK: https://e.com/\nTAGS:", "method"),
        (
            ["record", "-", "--timezone", "Mars/Olympus"],
            b"x\nLINK: https://e.com/\nTAGS:",
            "time zone",
        ),
        (["record", "/nonexistent/file.txt"], b"", "No such file"),
        (["record", "/"], b"", "directory"),
        (["text", "-"], b"[" * 100000, "deep"),
        (["text", "-"], b'{"a": NaN}', "NaN"),
        (["text", "-"], b"[]", "JSON record object"),
        (["verify", "-"], b'{"x": 1, "x": 1}', "duplicate"),
        (["hash", "-", "--algorithm", "sha1"], b"", "collision"),
        (["frobnicate"], b"", "invalid choice"),
        (["record"], b"", "required"),
        ([], b"", "command is required"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], stdin: bytes, words: str) -> None:
    code, out, err = cli(*args, stdin=stdin)
    if args == []:
        assert code == 2
        assert words in err
        return
    assert_one_line_error(code, err, words)
    assert out == b""


def test_text_refuses_an_invalid_record(record_file: Path) -> None:
    record = json.loads(record_file.read_bytes())
    record["content"] = "tampered"
    code, _, err = cli("text", "-", stdin=json.dumps(record).encode())
    # An invalid but well-formed record is a failed check (exit 1), as in `validate`.
    assert_one_line_error(code, err, "content_digest", expected=1)


def test_output_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"previous")
    code, _, _ = cli("record", "-", "-o", str(target), stdin=b"no link here")
    assert code == 2
    assert target.read_bytes() == b"previous"
    code, _, _ = cli(
        "record",
        "-",
        "-o",
        str(target),
        "--retrieved-at",
        "2020-01-01T00:00:00Z",
        stdin=b"x\nLINK: https://e.com/\nTAGS:",
    )
    assert code == 0
    assert json.loads(target.read_bytes())["url"] == "https://e.com/"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_hash(tmp_path: Path) -> None:
    a = tmp_path / "a.bin"
    a.write_bytes(b"hello" * 1000)
    code, out, err = cli("hash", str(a), str(tmp_path / "missing"), "-", stdin=b"hello")
    assert code == 2
    assert out.decode().splitlines() == [
        f"sha256:{hashlib.sha256(b'hello' * 1000).hexdigest()}  {a}",
        f"sha256:{hashlib.sha256(b'hello').hexdigest()}  -",
    ]
    assert "missing" in err
    code, out, _ = cli("hash", "-a", "sha3-256", "-", stdin=b"")
    assert out.decode() == f"sha3-256:{hashlib.sha3_256(b'').hexdigest()}  -\n"


def test_record_options(tmp_path: Path) -> None:
    code, out, _ = cli(
        "record",
        "-",
        "--url",
        "https://web.example/x",
        "--tag",
        "b",
        "--tag",
        " A ",
        "--note",
        "seen in a newsletter",
        "--method",
        "browser",
        "--agent",
        "alice",
        "--retrieved-at",
        "2020-01-08 07:30",
        "--timezone",
        "Europe/Berlin",
        "--published-at",
        "2020-01-07T00:00:00Z",
        "--algorithm",
        "sha512",
        stdin=b"Body\nTAGS: a",
    )
    assert code == 0
    r = json.loads(out)
    assert r["url"] == "https://web.example/x"
    assert r["tags"] == ["a", "b"]
    assert r["retrieved_at"] == "2020-01-08T06:30:00Z"
    assert r["retrieval"] == {
        "method": "browser",
        "agent": "alice",
        "notes": ["seen in a newsletter"],
    }
    assert r["content_digest"].startswith("sha512:")


def test_python_dash_m_and_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "newsarchive", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, f"newsarchive {__version__}\n")
    done = subprocess.run(
        [sys.executable, "-m", "newsarchive", "validate", "/nonexistent"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_a_bug_of_ours_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found in review: an exception outside NewsArchiveError (issue 10 item 18 lists
    # some) reached the user as a traceback; `run` still lets it through for tests.
    import newsarchive.cli

    def broken(_argv: list[str]) -> int:
        raise ArithmeticError("[<class 'decimal.DivisionImpossible'>]")

    monkeypatch.setattr(newsarchive.cli, "run", broken)
    monkeypatch.setattr(sys, "argv", ["newsarchive", "record", "x"])
    monkeypatch.delenv("NEWSARCHIVE_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        newsarchive.cli.main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("newsarchive: error: internal error (ArithmeticError: [<class")
    monkeypatch.setenv("NEWSARCHIVE_DEBUG", "1")
    with pytest.raises(ArithmeticError):
        newsarchive.cli.main()


def test_the_public_api_is_complete_and_lazy() -> None:
    import newsarchive

    for name in newsarchive.__all__:
        assert getattr(newsarchive, name) is not None
    assert callable(newsarchive.validate)  # the function, not a module of that name
    heavy = "('attrs', 'jsonschema', 'dateutil', 'orjson')"
    code = f"import sys, newsarchive.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_bad_utf8_shows_a_caret_under_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"x" * 100 + b"\t\xffy\nLINK: https://e.example/\n")
    code, out, err = cli("record", str(path))
    assert (code, out) == (2, b"")
    first, source, caret = err.splitlines()
    assert first == f"newsarchive: error: {path}:1:102: invalid UTF-8 at byte 101"
    # The line is clipped around the place, the tab spelled out, the caret under the byte.
    assert source == "    …" + "x" * 39 + "\\t\ufffdy"
    assert caret.index("^") == source.index("\ufffd")
    code, _, err = cli("record", "-", stdin=b"a\\b\x00\nLINK: https://e.example/\n")
    assert code == 2
    assert err.splitlines()[1:] == ["    a\\b\\0", "       ^"]


def test_record_warns_when_published_after_retrieved() -> None:
    code, out, err = cli(
        "record",
        str(LIGHTHOUSE),
        "--retrieved-at",
        "2024-01-01T00:00:00Z",
        "--published-at",
        "2025-01-01T00:00:00Z",
    )
    assert code == 0
    assert json.loads(out)["published_at"] == "2025-01-01T00:00:00Z"
    assert err == (
        "newsarchive: warning: /published_at published-after-retrieved: published_at "
        "2025-01-01T00:00:00Z is after retrieved_at 2024-01-01T00:00:00Z\n"
    )


@pytest.mark.parametrize("empty", [b"[]", b"[]\n", b" [ ] "])
def test_validate_says_when_there_are_no_records(empty: bytes) -> None:
    code, out, err = cli("validate", "-", stdin=empty)
    assert code == 1  # nothing was checked: not a pass
    assert out == b"- / no-records no records found\n"
    assert err == "newsarchive validate: 0 records checked, 1 problem\n"
    code, out, _ = cli("validate", "--json", "-", stdin=empty)
    report = json.loads(out)
    assert (code, report["valid"], report["files"][0]["problems"][0]["code"]) == (
        1,
        False,
        "no-records",
    )
