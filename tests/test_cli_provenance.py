"""`record` and `import` check their provenance options once, by name, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.test_cli import assert_one_line_error, cli

LIGHTHOUSE = DATA / "cli" / "lighthouse.txt"

BAD_OPTIONS = [
    (["--retrieved-at", "yesterday"], "--retrieved-at: 'yesterday' is not a date and time"),
    (["--retrieved-at", "2999-01-01T00:00:00Z"], "--retrieved-at: retrieved_at 2999-01-01"),
    (
        ["--retrieved-at", "2024-05-01T10:00"],
        (
            "--retrieved-at: '2024-05-01T10:00' has no time zone; add one (e.g. 'Z') or name a "
            "default zone with --timezone ZONE"
        ),
    ),
    (["--method", "bogus"], "--method: 'bogus' is not a retrieval method (use one of: http,"),
    (["--agent", "a\tb"], "--agent: 'a\\tb' contains a control character (U+0009 at position 2)"),
    (["--agent", ""], "--agent: '' should be non-empty"),
    (["--tag", "a\x1bb"], "--tag: 'a\\x1bb' contains a control character"),
]


@pytest.fixture
def many_files(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(20):
        (folder / f"{n}.txt").write_bytes(f"Article {n}.\nLINK: https://e.example/{n}\n".encode())
    return folder


@pytest.mark.parametrize(("options", "words"), BAD_OPTIONS)
def test_import_checks_options_once_and_creates_nothing(
    tmp_path: Path, many_files: Path, options: list[str], words: str
) -> None:
    store = tmp_path / "st"
    code, out, err = cli("import", "--store", str(store), str(many_files), *options)
    assert out == b""
    assert_one_line_error(code, err, f"import: {words}")
    assert not store.exists()


@pytest.mark.parametrize(("options", "words"), BAD_OPTIONS)
def test_record_names_the_bad_option(options: list[str], words: str) -> None:
    code, out, err = cli("record", str(LIGHTHOUSE), *options)
    assert out == b""
    assert_one_line_error(code, err, f"record: {words}")


def test_record_options_come_before_the_file() -> None:
    # A bad option is reported even when the file is missing: nothing was read.
    code, _, err = cli("record", "nosuch.txt", "--method", "scraping")
    assert_one_line_error(code, err, "--method: 'scraping' is not a retrieval method")


@pytest.mark.parametrize(
    "options",
    [["--method", "scraping"], ["--agent", "a\tb"], ["--note", "a\x00b"], ["--title", "a\x00"]],
)
def test_no_message_shows_a_regex_or_schema(options: list[str]) -> None:
    code, _, err = cli("record", str(LIGHTHOUSE), *options)
    assert code == 2
    for schema_text in ("^(", "{'", "pattern", "should not be valid", "\\u0000"):
        assert schema_text not in err


def test_good_options_still_import(tmp_path: Path, many_files: Path) -> None:
    code, _, err = cli(
        "import",
        "--store",
        str(tmp_path / "st"),
        str(many_files),
        "--retrieved-at",
        "2024-05-01 10:00",
        "--timezone",
        "Europe/Berlin",
        "--method",
        "x-crawler",
    )
    assert code == 0, err
    assert "20 imported" in err
