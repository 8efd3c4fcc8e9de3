"""`annotate`: append a correction, a note, ... about a stored record, as an event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.test_cli import assert_one_line_error, cli


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = str(tmp_path / "st")
    code, _, err = cli("import", "--store", path, str(DATA / "import" / "records.jsonl"))
    assert code == 0, err
    return path


def _first_id(store: str) -> str:
    return cli("find", "--store", store, "--limit", "1")[1].decode().split()[0]


def test_a_correction_and_a_note_are_appended_as_events(store: str) -> None:
    record_id = _first_id(store)
    before = cli("show", "--store", store, record_id)[1]
    code, out, err = cli(
        "annotate", "--store", store, record_id[:8], "--type", "correction", "--detail", "Lifted."
    )
    assert (code, out) == (0, b"")
    assert err == f"newsarchive annotate: correction event appended to record {record_id}\n"
    code, _, err = cli(
        "annotate",
        "--store",
        store,
        record_id,
        "--type",
        "note",
        "--detail",
        "Print edition.",
        "--outcome",
        "warning",
        "--agent",
        "editor@example.org",
    )
    assert code == 0, err
    events = json.loads(cli("show", "--store", store, "--events", record_id)[1])
    assert [(e["type"], e["detail"], e["outcome"], e["record_id"]) for e in events] == [
        ("correction", "Lifted.", "success", record_id),
        ("x-note", "Print edition.", "warning", record_id),  # note is stored as x-note
    ]
    assert events[1]["agent"] == "editor@example.org"
    # The record itself never changes; the store still checks out with its events.
    assert cli("show", "--store", store, record_id)[1] == before
    assert cli("store", "verify", "--store", store, "--jobs", "1")[0] == 0


@pytest.mark.parametrize(
    ("args", "words", "expected"),
    [
        (
            ["--type", "bogus", "--detail", "x"],
            "--type: 'bogus' is not an event type (use one of:",
            2,
        ),
        (["--type", "X-Bad", "--detail", "x"], "--type: 'X-Bad' is not an event type", 2),
        (["--type", "note"], "the following arguments are required: --detail", 2),
        (
            ["--type", "note", "--detail", "a\x00"],
            "--detail: 'a\\x00' contains a control character",
            2,
        ),
        (["--type", "note", "--detail", "x", "--agent", ""], "--agent: '' should be non-empty", 2),
        (["--type", "note", "--detail", "x", "--outcome", "meh"], "invalid choice: 'meh'", 2),
    ],
)
def test_bad_options_are_usage_errors(
    store: str, args: list[str], words: str, expected: int
) -> None:
    code, out, err = cli("annotate", "--store", store, _first_id(store), *args)
    assert out == b""
    assert_one_line_error(code, err, words, expected)


@pytest.mark.parametrize(
    ("record_id", "words", "expected"),
    [
        ("1f5a", "'1f5a' is not a record id", 2),
        ("00000000", "no record id starts with '00000000'", 1),
    ],
)
def test_bad_and_unknown_ids(store: str, record_id: str, words: str, expected: int) -> None:
    code, _, err = cli("annotate", "--store", store, record_id, "--type", "note", "--detail", "x")
    assert_one_line_error(code, err, words, expected)
    assert json.loads(cli("show", "--store", store, "--events", _first_id(store))[1]) == []


def test_a_missing_store_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none"
    code, _, err = cli(
        "annotate", "--store", str(missing), "00000000", "--type", "note", "--detail", "x"
    )
    assert_one_line_error(code, err, f"{missing}: does not exist")
    assert not missing.exists()
    # The options are checked first: a bad type is a usage error even without a store.
    code, _, err = cli(
        "annotate", "--store", str(missing), "00000000", "--type", "?", "--detail", "x"
    )
    assert_one_line_error(code, err, "--type: '?' is not an event type")


@pytest.mark.parametrize("version", [1, 2])
def test_the_event_types_named_in_help_are_the_schemas(version: int) -> None:
    from newsarchive._schemawords import allowed_words
    from newsarchive.cli._annotate import EVENT_TYPES
    from newsarchive.validation import load_schema

    item = load_schema(version=version)["properties"]["provenance"]["items"]["properties"]["type"]
    assert allowed_words(item["pattern"]) == EVENT_TYPES
