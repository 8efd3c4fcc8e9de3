"""The store commands, run in-process: output, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from newsarchive.cli import run
from newsarchive.store import Store
from tests.conftest import DATA
from tests.test_cli import assert_one_line_error, cli

IMPORT = DATA / "import"
LIGHTHOUSE_BYTES = (DATA / "cli" / "lighthouse.txt").read_bytes()


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = str(tmp_path / "st")
    assert cli("init", "--store", path)[0] == 0
    code, _, err = cli(
        "import", "--store", path, str(IMPORT / "ferry.txt"), str(IMPORT / "records.jsonl")
    )
    assert code == 0, err
    assert "3 imported, 0 duplicates, 0 rejected" in err
    return path


def _ids(store: str, *query: str) -> list[str]:
    code, out, _ = cli("find", "--store", store, *query)
    assert code == 0
    return [line.split()[0] for line in out.decode().splitlines()]


def test_init_twice_is_fine(store: str) -> None:
    assert cli("init", "--store", store)[0] == 0


def test_init_names_the_log_origin_and_stats_show_it(tmp_path: Path) -> None:
    path = str(tmp_path / "named")
    code, _, err = cli("init", "--store", path, "--origin", "example.org/newsroom")
    assert code == 0
    assert err == (f"newsarchive init: store ready at {path} (log origin example.org/newsroom)\n")
    code, out, _ = cli("store", "stats", "--store", path)
    assert code == 0
    assert "layout: 2\norigin: example.org/newsroom\n" in out.decode()
    assert json.loads(cli("store", "stats", "--store", path, "--json")[1])["layout"] == 2
    code, _, err = cli("init", "--store", path, "--origin", "example.org/other")
    assert_one_line_error(code, err, "origin never changes")


@pytest.mark.parametrize("origin", ["", "has space", "a+b", "caf\u00e9"])
def test_init_refuses_a_bad_origin_and_creates_nothing(tmp_path: Path, origin: str) -> None:
    code, _, err = cli("init", "--store", str(tmp_path / "s"), "--origin", origin)
    assert_one_line_error(code, err, "a log origin is 1 to 256 printable ASCII")
    assert not (tmp_path / "s").exists()


def test_store_from_the_environment(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_STORE", store)
    assert len(_ids(store)) == 3
    code, out, _ = cli("store", "stats")
    assert code == 0
    assert b"records: 3" in out


def test_import_reports_rejects_and_exits_1(store: str) -> None:
    code, out, err = cli("import", "--store", store, str(IMPORT), "--json")
    assert code == 1
    summary = json.loads(out)
    assert (summary["imported"], summary["duplicates"], summary["rejected"]) == (1, 3, 2)
    assert err == ""


def test_show_cat_find(store: str) -> None:
    (weather,) = _ids(store, "--tag", "WEATHER")
    _, out, _ = cli("show", "--store", store, weather)
    record = json.loads(out)
    assert record["url"] == "https://weather.example/storm-warning"
    code, out, _ = cli("cat", "--store", store, weather)
    assert code == 0
    assert out == record["content"].encode()
    assert _ids(store, "--url", "https://WEATHER.example/storm-warning#x") == [weather]
    assert _ids(store, "--since", "2024-11-02", "--until", "2024-11-02") == [weather]
    assert _ids(store, "--published-since", "2024-12-18T00:00:00+01:00") != []
    _code, out, _ = cli("find", "--store", store, "--json", "--tag", "weather")
    assert json.loads(out) == record


def test_unknown_id_is_exit_1(store: str) -> None:
    code, _, err = cli("show", "--store", store, "deadbeef")
    assert_one_line_error(code, err, "no record id starts with 'deadbeef'", expected=1)
    code, _, err = cli("cat", "--store", store, "deadbeef")
    assert_one_line_error(code, err, "no record", expected=1)


def test_not_a_store_is_exit_2(tmp_path: Path) -> None:
    code, _, err = cli("find", "--store", str(tmp_path))
    assert_one_line_error(code, err, "not a newsarchive store")


def test_export_jsonl_and_text(store: str, tmp_path: Path) -> None:
    code, out, _ = cli("export", "--store", store)
    assert code == 0
    assert len(out.splitlines()) == 3
    target = tmp_path / "all.jsonl"
    assert cli("export", "--store", store, "-o", str(target))[0] == 0
    assert target.read_bytes() == out
    assert cli("export", "--store", store, "--format", "text", "-o", str(tmp_path / "t"))[0] == 0
    ferry = [p for p in (tmp_path / "t").iterdir() if b"Skarholm" in p.read_bytes()]
    assert ferry[0].read_bytes() == (IMPORT / "ferry.txt").read_bytes()
    code, _, err = cli("export", "--store", store, "--format", "text")
    assert_one_line_error(code, err, "needs -o")


def test_verify_ok_then_failure_then_repair(store: str, tmp_path: Path) -> None:
    import shutil

    replica = str(tmp_path / "replica")
    shutil.copytree(store, replica)
    code, out, _ = cli("store", "verify", "--store", store)
    assert code == 0
    assert out.decode().splitlines()[-1].startswith("OK: 3 records")
    segment = Path(store) / "segments" / "00000001.jsonl"
    data = bytearray(segment.read_bytes())
    data[40] ^= 1
    segment.write_bytes(bytes(data))
    code, out, _ = cli("store", "verify", "--store", store, "--json", "--jobs", "2")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert any(f["code"] == "damaged" for f in report["findings"])
    expected = bytearray(segment.read_bytes())  # now with the audit events appended
    expected[40] ^= 1
    code, out, _ = cli("store", "repair", "--store", store, "--from", replica)
    assert code == 0, out
    assert segment.read_bytes() == expected
    assert cli("store", "verify", "--store", store)[0] == 0
    code, out, _ = cli("store", "stats", "--store", store, "--json")
    assert json.loads(out)["last_full_check"]["outcome"] == "success"


def test_verify_options_are_checked(store: str) -> None:
    code, _, err = cli("store", "verify", "--store", store, "--sample", "0")
    assert_one_line_error(code, err, "--sample")
    code, out, _ = cli("store", "verify", "--store", store, "--sample", "0.5", "--jobs", "1")
    assert code == 0
    assert b"sample 0.5" in out or b"full audit" in out


def test_reindex(store: str) -> None:
    (Path(store) / "index.sqlite").unlink()
    code, _, err = cli("store", "reindex", "--store", store)
    assert code == 0
    assert "3 records indexed" in err
    with Store(store) as s:
        assert len(s) == 3


def test_reindex_refuses_to_forget_a_lost_segment(store: str) -> None:
    # Found in review: after a segment was lost, `store reindex` said "0 records
    # indexed" (exit 0), `store verify` then passed and `store repair` had nothing
    # left to restore from.
    (segment,) = (Path(store) / "segments").glob("*.jsonl")
    segment.unlink()
    code, _, err = cli("store", "reindex", "--store", store)
    assert_one_line_error(code, err, "the index is kept", expected=1)
    assert "store repair --from" in err
    code, out, _ = cli("store", "verify", "--store", store)
    assert code == 1
    assert b"missing-segment" in out


def test_store_needs_an_action(store: str) -> None:
    code, _, err = cli("store")
    assert_one_line_error(code, err, "an action is required")


def test_errors_name_what_the_user_gave(store: str, tmp_path: Path) -> None:
    target = str(tmp_path / "missing-dir" / "all.jsonl")
    code, _, err = cli("export", "--store", store, "-o", target)
    assert_one_line_error(code, err, target)
    assert ".newsarchive-tmp" not in err
    code, _, err = cli("find", "--store", str(tmp_path / "nope"))
    assert_one_line_error(code, err, "nope: does not exist")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only(tmp_path: Path) -> None:
    store = str(tmp_path / "st")
    quiet = io.StringIO()
    assert run(["import", "--store", store, str(IMPORT / "ferry.txt")], stderr=quiet) == 0
    assert "file/s" not in quiet.getvalue()
    terminal = _Terminal()
    args = ["import", "--store", store, "-", "--jobs", "1"]
    stdin = io.BytesIO((IMPORT / "records.jsonl").read_bytes())
    assert run(args, stdin=stdin, stdout=io.BytesIO(), stderr=terminal) == 0
    # Standard input's size is not known: the bar counts files ("1file [00:00, ...file/s]").
    assert "file/s]" in terminal.getvalue()
    code = run(["store", "verify", "--store", store], stdout=io.BytesIO(), stderr=terminal)
    assert code == 0
    assert "B/s]" in terminal.getvalue()  # bytes audited
    args = ["export", "--store", store, "-o", str(tmp_path / "out.jsonl")]
    assert run(args, stdout=io.BytesIO(), stderr=terminal) == 0
    assert "record/s]" in terminal.getvalue()


def test_import_one_archive_today_copy_with_its_original_url(tmp_path: Path) -> None:
    article = tmp_path / "snapshot.txt"
    article.write_bytes(
        b"The ferry timetable changes in spring.\n\nLINK: https://archive.ph/AbCd1\n"
    )
    store = str(tmp_path / "st")
    code, _, err = cli("import", "--store", store, str(article))
    assert code == 1
    assert "--original-url" in err
    code, _, err = cli(
        "import",
        "--store",
        store,
        str(article),
        "--original-url",
        "https://news.example.org/ferry",
    )
    assert code == 0, err
    (record_id,) = _ids(store)
    _, out, _ = cli("show", "--store", store, record_id)
    record = json.loads(out)
    assert record["url"] == "https://news.example.org/ferry"
    assert record["retrieval"]["via"] == "https://archive.ph/AbCd1"
    assert record["retrieval"]["method"] == "archive-today"


def test_original_url_is_for_one_file(tmp_path: Path) -> None:
    store = str(tmp_path / "st")
    for paths in (
        [str(IMPORT)],
        [str(IMPORT / "ferry.txt"), str(IMPORT / "nolink.txt")],
        [str(IMPORT / "records.jsonl")],
    ):
        code, _, err = cli(
            "import", "--store", store, *paths, "--original-url", "https://example.org/a"
        )
        assert_one_line_error(code, err, "single article-text file")


def test_verify_fixity_only(store: str) -> None:
    code, out, _ = cli("store", "verify", "--store", store, "--fixity-only")
    assert code == 0
    assert "3 entries" in out.decode()
    assert "(fixity only)" in out.decode()
    code, out, _ = cli("store", "verify", "--store", store, "--fixity-only", "--json")
    report = json.loads(out)
    assert (report["ok"], report["full"], report["fixity_only"]) == (True, False, True)


@pytest.mark.parametrize("fmt", ["jsonl", "jsonld", "warc"])
def test_export_to_a_directory_names_it(store: str, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "out"
    target.mkdir()
    code, _, err = cli("export", "--store", store, "--format", fmt, "-o", str(target))
    assert_one_line_error(code, err, f"{target}: Is a directory")
    assert list(target.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".newsarchive-tmp")] == []


def test_export_never_renames_over_a_special_file(store: str, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = cli("export", "--store", store, "-o", str(fifo))
    assert_one_line_error(code, err, "not a regular file")
    assert fifo.is_fifo()


def test_store_before_the_command(store: str, tmp_path: Path) -> None:
    code, out, _ = cli("--store", store, "find")
    assert (code, len(out.splitlines())) == (0, 3)
    code, out, _ = cli("--store", store, "store", "stats")
    assert code == 0
    assert b"records: 3" in out
    # After the command wins over before it.
    code, out, _ = cli("--store", str(tmp_path / "elsewhere"), "find", "--store", store)
    assert (code, len(out.splitlines())) == (0, 3)
    new = str(tmp_path / "new")
    assert cli("--store", new, "import", str(IMPORT / "ferry.txt"))[0] == 0
    assert (Path(new) / "segments").is_dir()


def test_store_before_a_command_without_a_store_is_refused(store: str) -> None:
    code, _, err = cli("--store", store, "validate", "x.json")
    assert_one_line_error(code, err, "validate: --store applies only to commands that use a store")


def test_show_and_cat_take_short_ids_and_several(store: str) -> None:
    ids = _ids(store)
    code, out, _ = cli("show", "--store", store, ids[0][:8])
    assert (code, json.loads(out)["id"]) == (0, ids[0])
    code, out, _ = cli("show", "--store", store, ids[1][:12].upper(), ids[0])
    assert code == 0
    first, second = out.decode().split("\n}\n", 1)  # one JSON document each, in order
    assert [json.loads(first + "}")["id"], json.loads(second)["id"]] == [ids[1], ids[0]]
    contents = [cli("cat", "--store", store, record_id)[1] for record_id in ids[:2]]
    code, out, _ = cli("cat", "--store", store, ids[0][:8], ids[1][:8])
    assert (code, out) == (0, b"".join(contents))
    code, out, _ = cli("show", "--store", store, "--events", ids[0][:8])
    assert (code, json.loads(out)) == (0, [])


@pytest.mark.parametrize("command", ["show", "cat"])
def test_bad_and_unknown_ids(store: str, command: str) -> None:
    good = _ids(store)[0]
    code, out, err = cli(command, "--store", store, good, "1f5a")
    assert out == b""  # every id is checked before anything is printed
    assert_one_line_error(code, err, "'1f5a' is not a record id: give the id or at least its")
    code, out, err = cli(command, "--store", store, "00000000")
    assert out == b""
    assert_one_line_error(code, err, "no record id starts with '00000000'", expected=1)
    # Among several, one that matches nothing is left out with a warning (exit 1).
    code, out, err = cli(command, "--store", store, "00000000", good[:8])
    assert code == 1
    assert out == cli(command, "--store", store, good)[1]
    assert "warning: record 00000000: no record with id '00000000'" in err
    assert err.splitlines()[-1] == f"newsarchive {command}: 1 record left out (see above)"


def test_an_ambiguous_prefix_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from newsarchive.store import _ids as id_lookup

    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(17):  # 17 ids over 16 first digits: two share one
        (folder / f"{n}.txt").write_bytes(f"Story {n}.\nLINK: https://e.example/{n}\n".encode())
    store = str(tmp_path / "st")
    assert cli("import", "--store", store, str(folder))[0] == 0
    ids = _ids(store)
    shared = next(d for d in "0123456789abcdef" if sum(i[0] == d for i in ids) > 1)
    # Records cannot share 8 digits by chance in a test: allow 1-digit prefixes here.
    monkeypatch.setattr(id_lookup, "_PREFIX", re.compile(r"[0-9a-f]{1,64}"))
    code, out, err = cli("show", "--store", store, shared)
    assert out == b""
    assert_one_line_error(code, err, f"id prefix '{shared}' is ambiguous: it starts several")


def test_import_title_for_one_article_text_file(tmp_path: Path) -> None:
    store = str(tmp_path / "st")
    code, _, err = cli("import", "--store", store, str(IMPORT / "ferry.txt"), "--title", "Ferries")
    assert (code, err) == (0, "newsarchive import: 1 imported, 0 duplicates, 0 rejected\n")
    (record_id,) = _ids(store)
    assert json.loads(cli("show", "--store", store, record_id)[1])["title"] == "Ferries"
    code, _, err = cli(
        "import", "--store", store, "-", "--title", "From stdin", stdin=LIGHTHOUSE_BYTES
    )
    assert code == 0, err
    titles = {json.loads(cli("show", "--store", store, i)[1])["title"] for i in _ids(store)}
    assert titles == {"Ferries", "From stdin"}


@pytest.mark.parametrize(
    "paths",
    [
        [str(IMPORT)],
        [str(IMPORT / "ferry.txt"), str(IMPORT / "nolink.txt")],
        [str(IMPORT / "records.jsonl")],
    ],
)
def test_import_title_is_for_one_article_text_file(tmp_path: Path, paths: list[str]) -> None:
    store = tmp_path / "st"
    code, _, err = cli("import", "--store", str(store), *paths, "--title", "T")
    assert_one_line_error(code, err, "import: --title applies to a single article-text file")
    assert not store.exists()


def test_import_title_is_checked_as_a_title(tmp_path: Path) -> None:
    code, _, err = cli(
        "import", "--store", str(tmp_path / "st"), str(IMPORT / "ferry.txt"), "--title", "a\x00"
    )
    assert_one_line_error(code, err, "import: --title: 'a\\x00' contains a control character (NUL")


def test_import_progress_has_a_total_when_the_input_size_is_known(tmp_path: Path) -> None:
    terminal = _Terminal()
    size = (IMPORT / "ferry.txt").stat().st_size + (IMPORT / "records.jsonl").stat().st_size
    args = ["import", "--store", str(tmp_path / "st"), str(IMPORT / "ferry.txt")]
    args += [str(IMPORT / "records.jsonl"), "--jobs", "1"]
    assert run(args, stdout=io.BytesIO(), stderr=terminal) == 0
    shown = terminal.getvalue()
    # tqdm with a total: a percentage, done/total in bytes, and elapsed<left (the estimate).
    assert "%|" in shown
    assert f"/{size / 1000:.2f}k [00:00<" in shown


def test_input_size(tmp_path: Path) -> None:
    from newsarchive.cli._progress import input_size

    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_bytes(b"12345")
    (tmp_path / "d" / "e" / "b.json").write_bytes(b"123")
    (tmp_path / "c.txt").write_bytes(b"1")
    assert input_size([str(tmp_path / "d"), str(tmp_path / "c.txt")]) == 9
    assert input_size([str(tmp_path / "c.txt"), "-"]) is None
    (tmp_path / "d" / "e" / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\n")
    assert input_size([str(tmp_path / "d")]) is None


@pytest.mark.parametrize("flag", ["--quiet", "-q"])
def test_quiet_long_commands(tmp_path: Path, flag: str) -> None:
    store = str(tmp_path / "st")
    terminal = _Terminal()
    args = ["import", "--store", store, str(IMPORT / "ferry.txt"), str(IMPORT / "records.jsonl")]
    assert run([*args, flag], stdout=io.BytesIO(), stderr=terminal) == 0
    assert terminal.getvalue() == ""  # no bar, no summary
    out = io.BytesIO()
    assert run(["store", "verify", "--store", store, flag], stdout=out, stderr=terminal) == 0
    assert (out.getvalue(), terminal.getvalue()) == (b"", "")
    target = str(tmp_path / "out.jsonl")
    assert run(["export", "--store", store, "-o", target, flag], stderr=terminal) == 0
    assert terminal.getvalue() == ""
    assert Path(target).read_bytes().count(b"\n") == 3


@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_import_of_an_empty_directory_says_nothing_was_found(
    tmp_path: Path, quiet: list[str]
) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = cli("import", "--store", str(tmp_path / "st"), str(tmp_path / "empty"), *quiet)
    assert code == 0
    assert "newsarchive import: no input files found (nothing to import)" in err.splitlines()
    code, _, err = cli("import", "--store", str(tmp_path / "st"), str(IMPORT / "ferry.txt"))
    assert code == 0
    assert "no input files found" not in err


def test_quiet_still_reports_failures(tmp_path: Path) -> None:
    store = str(tmp_path / "st")
    code, _, err = cli("import", "--store", store, str(IMPORT), "--quiet")
    assert code == 1
    assert "nolink.txt: rejected: " in err
    assert err.splitlines()[-1].startswith("newsarchive import: ")  # the summary, when failing
    (segment,) = (Path(store) / "segments").glob("*.jsonl")
    segment.write_bytes(segment.read_bytes().replace(b"ferry", b"ferrY", 1))
    code, out, _ = cli("store", "verify", "--store", store, "--quiet", "--jobs", "1")
    assert code == 1
    assert out.decode().splitlines()[-1].startswith("FAILED: ")
