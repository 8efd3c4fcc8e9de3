"""`diff A B`: two captures compared, from files (records or article text) or store ids."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newsarchive.history import apply_changes, load_diff_schema
from tests.conftest import DATA
from tests.test_cli import assert_one_line_error, cli

DIFF = DATA / "cli" / "diff"
OLD = str(DIFF / "storm-1.txt")
NEW = str(DIFF / "storm-2.txt")  # 7 -> 12, curly quotes, a sentence added, 5 -> 9 minutes
COSMETIC = str(DIFF / "storm-cosmetic.txt")  # a double space and curly quotes only
RULES = str(DIFF / "ignore.txt")  # ^Updated \d+ minutes? ago$


def _json(*args: str) -> dict[str, Any]:
    code, out, err = cli("diff", *args, "--json")
    assert (code, err) == (0, ""), err
    data: dict[str, Any] = json.loads(out)
    jsonschema.Draft202012Validator(load_diff_schema()).validate(data)
    return data


def _record(tmp_path: Path, text: str, name: str, *options: str) -> str:
    out = str(tmp_path / name)
    code, _, err = cli(
        "record", text, "--retrieved-at", "2026-12-01T10:00:00Z", *options, "-o", out
    )
    assert code == 0, err
    return out


def _body(path: str) -> str:
    return Path(path).read_text("utf-8").split("\nLINK:")[0]


# -- files ------------------------------------------------------------------------------


def test_two_article_text_files() -> None:
    code, out, err = cli("diff", OLD, NEW)
    assert (code, err) == (0, "")
    lines = out.decode().splitlines()
    assert lines[0].startswith(f"A: {OLD}: article text, sha256:")
    assert lines[1].startswith(f"B: {NEW}: article text, sha256:")
    assert lines[2:] == [
        "verdict: changed, 9 words added, 2 removed",
        "headline changed: no; byline changed: no; stealth edit: yes",
        "changes: 3 substantive, 2 cosmetic, 0 ignored; labels: number, sentence-added",
        "change 1: replace A[29:30] -> B[29:31], substantive: number",
        "  - '7'",
        "  + '12'",
        "change 2: replace A[66:67] -> B[67:68], cosmetic: quote-style",
        "  - '\"'",
        "  + '\u201c'",
        "change 3: replace A[103:104] -> B[104:105], cosmetic: quote-style",
        "  - '\"'",
        "  + '\u201d'",
        "change 4: insert A[121:121] -> B[122:161], substantive: sentence-added",
        "  + 'Roads stay closed <b>until Friday</b>.\\n'",  # the line break shown escaped
        "change 5: replace A[129:130] -> B[169:170], substantive: number",
        "  - '5'",
        "  + '9'",
    ]


def test_offsets_are_those_of_the_article_bodies() -> None:
    data = _json(OLD, NEW)
    a, b = _body(OLD), _body(NEW)
    assert data["a"]["content_length"] == len(a)  # the LINK: and TAGS: lines are not content
    for c in data["changes"]:
        assert a[c["a_start"] : c["a_end"]] == c["a_text"]
        assert b[c["b_start"] : c["b_end"]] == c["b_text"]
    assert (data["a"]["label"], data["b"]["label"]) == (OLD, NEW)
    assert data["a"]["url"] == "https://news.example/storm"  # from the LINK: line
    assert data["metadata"] == []


def test_ignore_rules_mark_noise_and_it_stays_listed() -> None:
    code, out, _ = cli("diff", OLD, NEW, "--ignore-rules", RULES)
    assert code == 0
    text = out.decode()
    assert "changes: 2 substantive, 2 cosmetic, 1 ignored" in text
    assert r"change 5: replace A[129:130] -> B[169:170], ignored: ignore-rule:^Updated \d" in text
    data = _json(OLD, NEW, "--ignore-rules", RULES)
    assert [c["kind"] for c in data["changes"]][-1] == "ignored"


def test_identical_and_cosmetic_only() -> None:
    code, out, _ = cli("diff", OLD, OLD)
    assert code == 0
    assert out.decode().splitlines()[2:] == [
        "verdict: unchanged, 0 words added, 0 removed",
        "headline changed: no; byline changed: no; stealth edit: no",
        "changes: 0 substantive, 0 cosmetic, 0 ignored",
    ]
    code, out, _ = cli("diff", OLD, COSMETIC)
    text = out.decode()
    assert "verdict: cosmetic-only" in text
    assert "change 1: replace A[49:50] -> B[49:51], cosmetic: whitespace" in text


def test_standard_input_is_one_side() -> None:
    code, out, err = cli("diff", OLD, "-", stdin=Path(NEW).read_bytes())
    assert (code, err) == (0, "")
    assert out.replace(b"B: -:", b"B: " + NEW.encode() + b":") == cli("diff", OLD, NEW)[1]


# -- records ----------------------------------------------------------------------------


def test_a_record_against_article_text(tmp_path: Path) -> None:
    rec = _record(tmp_path, OLD, "old.json", "--title", "Storm hits the coast")
    record = json.loads(Path(rec).read_text("utf-8"))
    # The record of a file against the file: the same content; the title is not compared
    # (article text carries none).
    data = _json(rec, OLD)
    assert data["summary"]["verdict"] == "unchanged"
    assert data["a"]["id"] == record["id"]
    assert data["a"]["record_digest"] == record["record_digest"]
    assert data["a"]["retrieved_at"] == "2026-12-01T10:00:00Z"
    assert data["b"]["id"] is None
    # Against the later text: the changes of the two texts.
    assert _json(rec, NEW)["changes"] == _json(OLD, NEW)["changes"]
    code, out, _ = cli("diff", rec, NEW)
    assert code == 0
    assert out.decode().splitlines()[0] == (
        f"A: {rec}: record {record['id']}, retrieved 2026-12-01T10:00:00Z, "
        f"{record['content_digest']}"
    )


def test_two_records_compare_their_metadata(tmp_path: Path) -> None:
    a = _record(tmp_path, OLD, "a.json", "--title", "Storm hits the coast")
    b = _record(tmp_path, NEW, "b.json", "--title", "Storm kills 12 on the coast")
    code, out, _ = cli("diff", a, b, "--exit-code")
    assert code == 1
    text = out.decode()
    assert "headline changed: yes; byline changed: no; stealth edit: yes" in text
    assert (
        "title (substantive: headline): 'Storm hits the coast' -> 'Storm kills 12 on the coast'"
    ) in text
    data = _json(a, b)
    assert data["metadata"] == [
        {
            "field": "title",
            "a": "Storm hits the coast",
            "b": "Storm kills 12 on the coast",
            "cosmetic": False,
            "labels": ["headline"],
        }
    ]
    assert apply_changes(_body(OLD), _changes(data)) == _body(NEW)


def _changes(data: dict[str, Any]) -> list[Any]:
    from newsarchive.history import Change

    return [
        Change(**{k: v for k, v in c.items() if k not in {"reasons", "labels"}})
        for c in data["changes"]
    ]


# -- ids in a store ---------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, str, str]:
    """A store holding two captures of the article: (store, old id, new id)."""
    path = str(tmp_path / "st")
    for text, when in ((OLD, "2026-12-01T10:00:00Z"), (NEW, "2026-12-02T10:00:00Z")):
        code, _, err = cli("import", "--store", path, text, "--retrieved-at", when, "-q")
        assert code == 0, err
    found = cli("find", "--store", path, "--format", "jsonl")[1].splitlines()
    records = [json.loads(line) for line in found]
    old, new = (r["id"] for r in sorted(records, key=lambda r: r["retrieved_at"]))
    return path, old, new


def test_ids_and_prefixes(store: tuple[str, str, str]) -> None:
    path, old, new = store
    data = _json("--store", path, old[:8], new)
    assert (data["a"]["id"], data["b"]["id"]) == (old, new)
    assert (data["a"]["label"], data["b"]["label"]) == (None, None)
    assert data["changes"] == _json(OLD, NEW)["changes"]
    # An id against a file; --store before the command works as for other store commands.
    code, out, err = cli("--store", path, "diff", old[:12].upper(), NEW)
    assert (code, err) == (0, ""), err
    assert out.decode().splitlines()[0] == (
        f"A: record {old}, retrieved 2026-12-01T10:00:00Z, {data['a']['content_digest']}"
    )


def test_a_file_wins_over_an_id(
    store: tuple[str, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, old, new = store
    monkeypatch.chdir(tmp_path)
    assert _json("--store", path, old[:8], new)["a"]["id"] == old
    shutil.copy(NEW, old[:8])  # a file with that name: it is read, not the stored record
    data = _json("--store", path, old[:8], new)
    assert (data["a"]["id"], data["a"]["label"], data["identical"]) == (None, old[:8], True)


def test_no_store_is_needed_for_files(tmp_path: Path) -> None:
    assert cli("diff", "--store", str(tmp_path / "none"), OLD, NEW)[0] == 0


# -- output options ---------------------------------------------------------------------


def test_html_page_is_written_with_the_changes_escaped(tmp_path: Path) -> None:
    page = tmp_path / "out" / "diff.html"
    page.parent.mkdir()
    code, out, err = cli("diff", OLD, NEW, "--html", str(page))
    assert (code, err) == (0, "")
    assert out == cli("diff", OLD, NEW)[1]  # the summary is printed as well
    html = page.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Roads stay closed &lt;b&gt;until Friday&lt;/b&gt;." in html
    assert "<b>" not in html
    assert "<del>7</del>" in html
    assert "<ins>12</ins>" in html
    assert html.count('<div class="change ') == 5
    assert [p.name for p in page.parent.iterdir()] == ["diff.html"]  # no temporary left


def test_json_and_html_together(tmp_path: Path) -> None:
    page = tmp_path / "d.html"
    data = _json(OLD, NEW, "--html", str(page))
    assert data["summary"]["verdict"] == "changed"
    assert page.is_file()


@pytest.mark.parametrize(
    ("args", "plain", "with_flag"),
    [
        ([OLD, NEW], 0, 1),
        ([OLD, OLD], 0, 0),
        ([OLD, COSMETIC], 0, 0),
        ([COSMETIC, OLD, "--ignore-rules", RULES], 0, 0),
    ],
)
def test_exit_code(args: list[str], plain: int, with_flag: int) -> None:
    assert cli("diff", *args)[0] == plain
    assert cli("diff", *args, "--exit-code")[0] == with_flag
    assert cli("diff", *args, "--exit-code", "--json")[0] == with_flag


def test_only_ignored_changes_do_not_count(tmp_path: Path) -> None:
    later = tmp_path / "later.txt"
    later.write_bytes(Path(OLD).read_bytes().replace(b"5 minutes", b"50 minutes"))
    assert cli("diff", OLD, str(later), "--exit-code")[0] == 1
    assert cli("diff", OLD, str(later), "--exit-code", "--ignore-rules", RULES)[0] == 0


# -- errors -----------------------------------------------------------------------------


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (arguments, words of the one error line)."""
    (tmp / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp / "latin1.txt").write_bytes(b"caf\xe9\n")
    (tmp / "broken.json").write_bytes(b'{"id": ')
    good = json.loads(Path(_record(tmp, OLD, "good.json")).read_text("utf-8"))
    (tmp / "invalid.json").write_text(json.dumps({**good, "content": "other"}), "utf-8")
    (tmp / "nocontent.json").write_text(
        json.dumps({k: v for k, v in good.items() if k != "content"}), "utf-8"
    )
    return {
        "missing file": ([str(tmp / "nope.txt"), NEW], "nope.txt: No such file or directory"),
        "binary file": ([str(tmp / "image.png"), NEW], "image.png:3:1: not article text: NUL"),
        "not UTF-8": ([OLD, str(tmp / "latin1.txt")], "latin1.txt:1:4: not article text: invalid"),
        "broken JSON": ([str(tmp / "broken.json"), NEW], "broken.json:1:8: Expecting value"),
        "invalid record": (
            [str(tmp / "invalid.json"), NEW],
            "invalid.json: invalid record: /content_digest",
        ),
        "no content": (
            [str(tmp / "nocontent.json"), NEW],
            "nocontent.json: the record has no content to compare",
        ),
        "bad rule": (
            [OLD, NEW, "--ignore-rules", str(DIFF / "bad-ignore.txt")],
            "ignore rule 2 is not a valid regular expression (missing ), unterminated subpattern)",
        ),
        "missing rules": (
            [OLD, NEW, "--ignore-rules", str(tmp / "rules.txt")],
            "rules.txt: No such file or directory",
        ),
        "directory": ([OLD, str(tmp)], f"{tmp}: Is a directory"),
        "both stdin": (["-", "-"], "A and B cannot both be - (standard input)"),
        "no store": (
            ["--store", str(tmp / "none"), "deadbeef", NEW],
            f"deadbeef: no such file, and no store to look the id up in: {tmp / 'none'}: does not",
        ),
        "html to a missing directory": (
            [OLD, NEW, "--html", str(tmp / "no" / "d.html")],
            "d.html: No such file or directory",
        ),
        "missing argument": ([OLD], "diff: the following arguments are required: B"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing file",
        "binary file",
        "not UTF-8",
        "broken JSON",
        "invalid record",
        "no content",
        "bad rule",
        "missing rules",
        "directory",
        "both stdin",
        "no store",
        "html to a missing directory",
        "missing argument",
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(tmp_path: Path, case: str) -> None:
    args, words = _bad_inputs(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    if "--html" not in args:
        args = [*args, "--html", str(tmp_path / "page.html")]
    code, out, err = cli("diff", *args)
    assert out == b""
    assert_one_line_error(code, err, words)
    assert err.startswith("newsarchive: error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no page, no temporary


def test_unknown_and_malformed_ids(store: tuple[str, str, str]) -> None:
    path, old, _ = store
    code, out, err = cli("diff", "--store", path, "00000000", old)
    assert out == b""
    assert_one_line_error(code, err, "00000000: no such file, and no record id starts with")
    code, _, err = cli("diff", "--store", path, old, "0" * 64, "--exit-code")
    assert_one_line_error(code, err, "no record with id '0000")
    code, _, err = cli("diff", "--store", path, old, "1234567")  # too short: a missing file
    assert_one_line_error(code, err, "1234567: No such file or directory")


def test_an_ambiguous_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsarchive.cli import _diff
    from newsarchive.store import _ids

    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(17):  # 17 ids over 16 first digits: two share one
        (folder / f"{n}.txt").write_bytes(f"Story {n}.\nLINK: https://e.example/{n}\n".encode())
    store = str(tmp_path / "st")
    assert cli("import", "--store", store, str(folder), "-q")[0] == 0
    ids = [line.split()[0] for line in cli("find", "--store", store)[1].decode().splitlines()]
    shared = next(d for d in "0123456789abcdef" if sum(i[0] == d for i in ids) > 1)
    # Records cannot share 8 digits by chance in a test: allow 1-digit prefixes here.
    monkeypatch.setattr(_ids, "_PREFIX", re.compile(r"[0-9a-f]{1,64}"))
    monkeypatch.setattr(_diff, "_ID", re.compile(r"[0-9a-f]{1,64}"))
    code, out, err = cli("diff", "--store", store, shared, ids[0], "--exit-code")
    assert out == b""
    assert_one_line_error(code, err, f"id prefix '{shared}' is ambiguous: it starts several")


def test_a_damaged_stored_record_is_an_input_error(store: tuple[str, str, str]) -> None:
    path, old, new = store
    (segment,) = (Path(path) / "segments").iterdir()
    data = segment.read_bytes()
    segment.write_bytes(data.replace(b"killed 7 people", b"killed 8 people"))
    code, out, err = cli("diff", "--store", path, old, new, "--exit-code")
    assert out == b""
    assert_one_line_error(code, err, "does not match its digest; run `newsarchive store verify`")
