"""The record query of `find` and `export`: time bounds are checked and quoted as typed."""

from __future__ import annotations

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


@pytest.mark.parametrize("command", ["find", "export"])
@pytest.mark.parametrize(
    ("option", "typed"),
    [
        ("--since", "2024-13-01"),
        ("--since", "2024-02-31"),
        ("--since", "2999-99-99"),
        ("--until", "2024-13-45"),
        ("--published-since", "2023-02-29"),
        ("--published-until", "2024-00-10"),
    ],
)
def test_a_bare_date_must_be_a_real_day(store: str, command: str, option: str, typed: str) -> None:
    code, out, err = cli(command, "--store", store, option, typed)
    assert out == b""
    assert_one_line_error(code, err, f"{option}: {typed!r} is not a real date")
    assert "T00:00" not in err
    assert "T23:59" not in err


@pytest.mark.parametrize("typed", ["yesterday", "2024-01-01T10:00", "2024-05-01 25:00Z"])
def test_an_instant_error_quotes_what_was_typed(store: str, typed: str) -> None:
    code, _, err = cli("find", "--store", store, "--until", typed)
    assert_one_line_error(code, err, f"--until: {typed!r}")


def test_bad_times_are_refused_before_the_store_is_opened(tmp_path: Path) -> None:
    # A usage error, not "the store does not exist": the options come first.
    code, _, err = cli("find", "--store", str(tmp_path / "none"), "--since", "2024-13-01")
    assert_one_line_error(code, err, "'2024-13-01' is not a real date")


def test_a_leap_day_and_whole_day_bounds(store: str) -> None:
    code, out, _ = cli("find", "--store", store, "--since", "2024-02-29", "--until", "2024-12-19")
    assert code == 0
    # Retrieved 2024-11-02T18:00Z and 2024-12-19T09:30Z: --until includes the whole day.
    assert len(out.splitlines()) == 2


def test_a_bare_date_may_have_spaces_around_it_as_an_instant_may(store: str) -> None:
    # Found in review: ' 2024-02-29' was "incomplete: a timestamp needs a full date
    # and a time of day" (quoting it without its space), though '2024-02-29' is fine.
    code, out, _ = cli("find", "--store", store, "--since", " 2024-02-29", "--until", "2024-12-19 ")
    assert (code, len(out.splitlines())) == (0, 2)
    code, _, err = cli("find", "--store", store, "--since", " 2024-02-30")
    assert_one_line_error(code, err, "--since: ' 2024-02-30' is not a real date")


@pytest.mark.parametrize(
    ("args", "notice"),
    [
        (["find", "--tag", "nothing-has-this"], "newsarchive find: no records match\n"),
        (["find", "--json", "--until", "2000-01-01"], "newsarchive find: no records match\n"),
        (
            ["export", "--tag", "nothing-has-this"],
            "newsarchive export: no records match (the output holds none)\n",
        ),
    ],
)
def test_a_query_that_matches_nothing_says_so(store: str, args: list[str], notice: str) -> None:
    code, out, err = cli(*args, "--store", store)
    assert (code, out, err) == (0, b"", notice)


def test_a_query_that_matches_says_nothing_on_stderr(store: str) -> None:
    code, out, err = cli("find", "--store", store, "--tag", "weather")
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == 1
