"""`find`: titles beside id, time and url; --limit, --count; --format tsv and jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.test_cli import assert_one_line_error, cli

TITLE = "Lighthouse\treopens\nafter 3 years \\ at last"


@pytest.fixture
def store(tmp_path: Path) -> str:
    record = tmp_path / "titled.json"
    code, _, err = cli(
        "record",
        str(DATA / "cli" / "lighthouse.txt"),
        "--retrieved-at",
        "2025-01-01T00:00:00Z",
        "--title",
        TITLE,
        "--tag",
        "coast",
        "--tag",
        "heritage",
        "-o",
        str(record),
    )
    assert code == 0, err
    path = str(tmp_path / "st")
    code, _, err = cli("import", "--store", path, str(DATA / "import" / "records.jsonl"))
    assert code == 0, err
    assert cli("import", "--store", path, str(record))[0] == 0
    return path


def test_text_lines_show_the_title_escaped(store: str) -> None:
    code, out, _ = cli("find", "--store", store)
    assert code == 0
    lines = out.decode().splitlines()
    assert len(lines) == 3  # the title's line break did not make a fourth line
    assert lines[0].endswith("  2024-11-02T18:00:00Z  https://weather.example/storm-warning")
    assert lines[2].endswith(
        "  2025-01-01T00:00:00Z  https://news.example.org/coast/vellmar-lighthouse-reopens"
        "?utm_source=rss  Lighthouse\\x09reopens\\x0aafter 3 years \\ at last"
    )


def test_tsv_has_a_header_and_one_row_per_record(store: str) -> None:
    code, out, _ = cli("find", "--store", store, "--format", "tsv")
    assert code == 0
    rows = [line.split("\t") for line in out.decode().split("\n")[:-1]]
    assert rows[0] == ["id", "retrieved_at", "published_at", "url", "title", "tags"]
    assert all(len(row) == 6 for row in rows)
    assert len(rows) == 4
    assert rows[2][2] == "2024-12-18T16:00:00Z"
    assert rows[3][4] == "Lighthouse\\treopens\\nafter 3 years \\\\ at last"
    assert rows[3][5] == "coast,heritage"


def test_tsv_of_nothing_is_the_header(store: str) -> None:
    code, out, err = cli("find", "--store", store, "--format", "tsv", "--tag", "none")
    assert (code, err) == (0, "newsarchive find: no records match\n")
    assert out == b"id\tretrieved_at\tpublished_at\turl\ttitle\ttags\n"


def test_limit_and_count(store: str) -> None:
    code, out, _ = cli("find", "--store", store, "--limit", "2")
    assert (code, len(out.splitlines())) == (0, 2)
    assert cli("find", "--store", store, "--count") == (0, b"3\n", "")
    assert cli("find", "--store", store, "--count", "--limit", "2") == (0, b"2\n", "")
    assert cli("find", "--store", store, "--count", "--tag", "coast") == (0, b"1\n", "")
    assert cli("find", "--store", store, "--count", "--tag", "none") == (0, b"0\n", "")


@pytest.mark.parametrize("fmt", [["--json"], ["--format", "jsonl"]])
def test_jsonl_is_the_full_records(store: str, fmt: list[str]) -> None:
    code, out, _ = cli("find", "--store", store, "--limit", "1", *fmt)
    assert code == 0
    assert json.loads(out)["url"] == "https://weather.example/storm-warning"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--limit", "0"], "find: --limit: must be at least 1"),
        (["--limit", "x"], "argument --limit: invalid int value: 'x'"),
        (["--json", "--format", "tsv"], "--json and --format tsv disagree"),
        (["--count", "--json"], "--count prints a number"),
        (["--format", "csv"], "invalid choice: 'csv'"),
    ],
)
def test_bad_find_options(store: str, args: list[str], words: str) -> None:
    code, out, err = cli("find", "--store", store, *args)
    assert out == b""
    assert_one_line_error(code, err, words)
