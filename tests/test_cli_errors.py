"""One rule for each kind of input, across every command (the README's exit-code table).

kind of input                              exit  stderr
missing or unreadable file, store or dir   2     newsarchive: error: PATH: <reason>
malformed input (not JSON, not UTF-8, ...)  2     newsarchive: error: PATH:LINE:COLUMN: <reason>
well-formed record that breaks a rule      1     the problem, with its code
usage error (unknown option, bad value)    2     newsarchive: error: ... (see --help)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.test_cli import assert_one_line_error, cli

LIGHTHOUSE = DATA / "cli" / "lighthouse.txt"
PREFIX = "newsarchive: error: "


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    good = tmp_path / "good.json"
    code, _, err = cli(
        "record", str(LIGHTHOUSE), "--retrieved-at", "2024-05-01T10:00:00Z", "-o", str(good)
    )
    assert code == 0, err
    record = json.loads(good.read_bytes())
    record["content"] = record["content"].replace("2.4", "2.5")
    (tmp_path / "tampered.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "bad.json").write_bytes(b'{"a":\n  }\n')
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9\nLINK: https://e.example/\n")
    store = tmp_path / "st"
    assert cli("import", "--store", str(store), str(good))[0] == 0
    names = ("good", "tampered", "bad", "store")
    paths = {name: str(tmp_path / f"{name}.json") for name in names}
    paths.update(bad_text=str(tmp_path / "bad.txt"), store=str(store))
    paths.update(missing=str(tmp_path / "nosuch"), id=record["id"])
    return paths


#: Every command, with {name} standing for a file of the fixture above.
MISSING_INPUT = [
    ["record", "{missing}"],
    ["validate", "{missing}"],
    ["verify", "{missing}"],
    ["verify", "{good}", "{missing}"],
    ["hash", "{missing}"],
    ["text", "{missing}"],
    ["import", "--store", "{store}", "{missing}"],
    ["bag", "validate", "{missing}"],
    ["show", "--store", "{missing}", "{id}"],
    ["cat", "--store", "{missing}", "{id}"],
    ["find", "--store", "{missing}"],
    ["annotate", "--store", "{missing}", "{id}", "--type", "note", "--detail", "x"],
    ["export", "--store", "{missing}"],
    ["store", "verify", "--store", "{missing}"],
    ["store", "stats", "--store", "{missing}"],
    ["store", "reindex", "--store", "{missing}"],
    ["store", "repair", "--store", "{store}", "--from", "{missing}"],
]
MALFORMED_INPUT = [
    (["validate", "{bad}"], "{bad}:2:3: "),
    (["verify", "{bad}"], "{bad}:2:3: "),
    (["text", "{bad}"], "{bad}:2:3: "),
    (["record", "{bad_text}"], "{bad_text}:1:4: invalid UTF-8"),
]
INVALID_RECORD = [
    ["validate", "{tampered}"],
    ["verify", "{tampered}"],
    ["text", "{tampered}"],
    ["import", "--store", "{store}", "{tampered}"],
]
EVERY_COMMAND = [
    ["record", "{good}"],
    ["validate", "{good}"],
    ["verify", "{good}"],
    ["hash", "{good}"],
    ["text", "{good}"],
    ["init", "--store", "{store}"],
    ["import", "--store", "{store}", "{good}"],
    ["show", "--store", "{store}", "{id}"],
    ["cat", "--store", "{store}", "{id}"],
    ["find", "--store", "{store}"],
    ["annotate", "--store", "{store}", "{id}", "--type", "note", "--detail", "x"],
    ["export", "--store", "{store}"],
    ["store", "verify", "--store", "{store}"],
    ["store", "stats", "--store", "{store}"],
    ["bag", "validate", "{store}"],
]


def _args(args: list[str], files: dict[str, str]) -> list[str]:
    return [a.format(**files) for a in args]


@pytest.mark.parametrize("args", MISSING_INPUT, ids=lambda a: " ".join(a[:2]))
def test_a_missing_input_is_exit_2_naming_it(files: dict[str, str], args: list[str]) -> None:
    code, out, err = cli(*_args(args, files))
    assert out == b""
    if args[0] == "validate":  # a report over many files ends with its summary line
        summary = err.splitlines().pop()
        assert summary == "newsarchive validate: 0 records checked, 1 problem"
        err = err.removesuffix(summary + "\n")
    assert_one_line_error(code, err, f"{PREFIX}{files['missing']}: ")
    assert err.startswith(PREFIX)


#: Every command that reads a file named on the command line, given a directory.
DIRECTORY_INPUT = [
    ["record", "{dir}"],
    ["validate", "{dir}"],
    ["verify", "{dir}"],
    ["verify", "{good}", "{dir}"],
    ["hash", "{dir}"],
    ["text", "{dir}"],
    ["record", str(LIGHTHOUSE), "-o", "{dir}"],
]


@pytest.mark.parametrize("args", DIRECTORY_INPUT, ids=" ".join)
def test_a_directory_for_a_file_is_exit_2_naming_it(
    files: dict[str, str], args: list[str], tmp_path: Path
) -> None:
    # Found in review: some commands said `DIR is a directory`, others `DIR: Is a
    # directory`; one rule, as for a missing file: `PATH: reason`.
    (tmp_path / "adir").mkdir()
    code, out, err = cli(*_args(args, {**files, "dir": str(tmp_path / "adir")}))
    assert out == b""
    if args[0] == "validate":  # a report over many files ends with its summary line
        err = err.removesuffix(err.splitlines().pop() + "\n")
    assert_one_line_error(code, err, f"{PREFIX}{tmp_path / 'adir'}: Is a directory")


@pytest.mark.parametrize(("args", "where"), MALFORMED_INPUT, ids=lambda a: str(a[0]))
def test_malformed_input_is_exit_2_with_line_and_column(
    files: dict[str, str], args: list[str], where: str
) -> None:
    code, out, err = cli(*_args(args, files))
    assert code == 2
    assert out == b""
    assert err.startswith(PREFIX + where.format(**files)), err
    assert "Traceback" not in err


def test_import_reports_malformed_files_and_goes_on(files: dict[str, str]) -> None:
    # The one batch command: what it reads and cannot use is a `rejected` line,
    # the rest is imported, and the exit code is 1 (see the README's table).
    code, _, err = cli("import", "--store", files["store"], files["bad"], files["good"])
    assert code == 1
    # Where, as `validate` says it (found in review: import gave no line or column).
    assert f"{files['bad']}:2:3: rejected: " in err


@pytest.mark.parametrize("args", INVALID_RECORD, ids=lambda a: a[0])
def test_an_invalid_record_is_exit_1_everywhere(files: dict[str, str], args: list[str]) -> None:
    code, out, err = cli(*_args(args, files))
    assert code == 1
    assert "content-digest-mismatch" in out.decode() + err
    assert "Traceback" not in err


@pytest.mark.parametrize("args", EVERY_COMMAND, ids=lambda a: " ".join(a[:2]))
def test_a_usage_error_is_exit_2_and_one_line(files: dict[str, str], args: list[str]) -> None:
    code, out, err = cli(*_args(args, files), "--no-such-option")
    assert out == b""
    assert_one_line_error(code, err, "unrecognized arguments: --no-such-option (see --help)")
    assert err.startswith(PREFIX)


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["record", "{good}", "--timezone", "Mars/Olympus"], "record: --timezone: unknown"),
        (["import", "--store", "{store}", "--timezone", "Mars/Olympus", "{good}"], "import: "),
        (["import", "--store", "{store}", "--jobs", "0", "{good}"], "import: --jobs: "),
        (["store", "verify", "--store", "{store}", "--jobs", "0"], "store verify: --jobs: "),
        (["find", "--store", "{store}", "--limit", "0"], "find: --limit: "),
        (["store", "verify", "--store", "{store}", "--sample", "2"], "store verify: --sample: "),
    ],
    ids=lambda a: str(a[0]) if isinstance(a, list) else "",
)
def test_a_bad_option_value_has_the_prefix_too(
    files: dict[str, str], args: list[str], start: str
) -> None:
    # One shape for every bad option value: `newsarchive: error: COMMAND: --OPTION: ...`
    # (found in review: --timezone named no command; --jobs and --limit had no colon).
    code, _, err = cli(*_args(args, files))
    assert_one_line_error(code, err, PREFIX + start)
    assert err.startswith(PREFIX + start)


def test_validate_reports_unreadable_input_on_stderr(files: dict[str, str]) -> None:
    code, out, err = cli("validate", files["missing"], files["good"])
    assert code == 2
    assert out == b""
    assert err.splitlines()[0] == f"{PREFIX}{files['missing']}: No such file or directory"
