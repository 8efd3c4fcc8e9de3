"""`history URL` and `changes` over a store, and `Store.history` / `Store.recaptured_urls`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newsarchive import ArchivedArticle, Retrieval
from newsarchive.history import load_history_schema
from newsarchive.store import Store
from tests.test_cli import assert_one_line_error, cli

URL = "https://news.example.org/budget"
FIRST = "The council approved the new budget on Monday.\nIt funds three new schools.\n"
SECOND = FIRST.replace("three new schools", "two new schools")


def _capture(url: str, content: str, when: str, method: str = "manual") -> dict[str, Any]:
    return ArchivedArticle.create(
        url=url, content=content, retrieved_at=when, title="Budget", retrieval=Retrieval(method)
    ).to_dict()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.init(tmp_path / "s") as store:
        store.add(
            (r, False)
            for r in [
                _capture(URL, FIRST, "2024-05-01T10:00:00Z"),
                _capture(URL + "?utm_source=rss", SECOND, "2024-05-02T10:00:00Z"),
                _capture(URL, SECOND, "2024-05-03T10:00:00Z"),
                _capture("https://other.example.net/a", "Only once.", "2024-05-02T11:00:00Z"),
            ]
        )
    return Store(tmp_path / "s")


def _ids(store: Store) -> list[str]:
    return store.captures(URL)


def test_captures_group_by_canonical_url_and_wayback_original(store: Store) -> None:
    ids = _ids(store)
    assert len(ids) == 3
    assert [store.get(i)["retrieved_at"][:10] for i in ids] == [
        "2024-05-01",
        "2024-05-02",
        "2024-05-03",
    ]
    wayback = f"https://web.archive.org/web/20240501000000/{URL}"
    assert store.captures(wayback) == ids
    assert store.captures("https://news.example.org/nothing") == []


def test_store_history_says_what_changed(store: Store) -> None:
    h = store.history(URL, text="three new")
    assert [e.kind for e in h.entries] == ["capture", "capture", "capture"]
    assert [e.change.verdict for e in h.captures[1:] if e.change] == ["changed", "unchanged"]
    assert [span.appeared_id for span in h.phrase_spans] == [_ids(store)[0]]


def test_recaptured_urls_select_by_a_capture_in_the_window(store: Store) -> None:
    assert store.recaptured_urls() == [URL]
    assert store.recaptured_urls(since="2024-05-03T00:00:00Z") == [URL]
    assert store.recaptured_urls(since="2024-05-04T00:00:00Z") == []
    assert store.recaptured_urls(until="2024-04-30T00:00:00Z") == []


def test_history_lines_json_and_html(store: Store, tmp_path: Path) -> None:
    root = str(store.root)
    code, out, err = cli("history", "--store", root, URL)
    assert (code, err) == (0, "")
    lines = out.decode().splitlines()
    assert lines[0] == f"{URL}: 3 captures"
    assert "first capture" in lines[1]
    assert "changed: +1/-1 words" in lines[2]
    assert "unchanged" in lines[3]
    code, out, _ = cli("history", "--store", root, URL, "--json", "--html", str(tmp_path / "h"))
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, load_history_schema())
    assert len([e for e in document["entries"] if e["kind"] == "capture"]) == 3
    page = (tmp_path / "h").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "three" in page


def test_history_shows_a_vanished_article_and_its_return(store: Store) -> None:
    last = _ids(store)[-1]
    with Store(store.root) as s:
        s.append_event(
            {
                "type": "capture",
                "at": "2024-05-04T10:00:00Z",
                "agent": "newsarchive/test",
                "outcome": "failure",
                "detail": "HTTP 404 Not Found",
                "record_id": last,
            }
        )
        s.add([(_capture(URL, SECOND, "2024-05-05T10:00:00Z", "http"), False)])
    code, out, _ = cli("history", "--store", str(store.root), URL)
    assert code == 0
    text = out.decode()
    assert "vanished" in text
    assert "back" in text


def test_history_without_captures_or_with_bad_input(store: Store, tmp_path: Path) -> None:
    root = str(store.root)
    code, _, err = cli("history", "--store", root, "https://news.example.org/none")
    assert_one_line_error(code, err, "no capture of https://news.example.org/none", 1)
    code, _, err = cli("history", "--store", root, "not a url")
    assert_one_line_error(code, err, "absolute http(s) URL")
    code, _, err = cli("history", "--store", root, URL, "--text", "  ")
    assert_one_line_error(code, err, "the phrase is empty")
    code, _, err = cli("history", "--store", root, URL, "--ignore-rules", str(tmp_path / "no"))
    assert code == 2
    assert "Traceback" not in err


def test_history_leaves_out_a_damaged_capture_with_a_warning(store: Store) -> None:
    damaged = _ids(store)[1]
    segment = store.root / "segments" / "00000001.jsonl"
    data = segment.read_bytes()
    at = data.index(damaged.encode()) + 70
    segment.write_bytes(data[:at] + (b"X" if data[at : at + 1] != b"X" else b"Y") + data[at + 1 :])
    code, out, err = cli("history", "--store", str(store.root), URL)
    assert code == 1
    assert f"record {damaged}" in err
    assert out.decode().splitlines()[0] == f"{URL}: 2 captures"


def test_changes_lists_the_edit_with_filters(store: Store) -> None:
    root = str(store.root)
    code, out, err = cli("changes", "--store", root)
    assert (code, err) == (0, "")
    (line,) = out.decode().splitlines()
    assert line.startswith(f"2024-05-02T10:00:00Z  {URL}  changed: +1/-1 words")
    code, out, _ = cli("changes", "--store", root, "--json")
    (obj,) = [json.loads(x) for x in out.decode().splitlines()]
    assert obj["key"] == URL
    assert obj["b"]["retrieved_at"] == "2024-05-02T10:00:00Z"
    assert cli("changes", "--store", root, "--since", "2024-05-03")[1] == b""
    assert cli("changes", "--store", root, "--until", "2024-05-02")[1] != b""
    code, out, err = cli("changes", "--store", root, "--until", "2024-05-01")
    assert (code, out) == (0, b"")
    assert "no changes found" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--since", "yesterday-ish"], "--since"),
        (["--until", "2024-02-31"], "not a real date"),
        (["--limit", "0"], "--limit"),
    ],
)
def test_changes_refuses_bad_options(store: Store, args: list[str], words: str) -> None:
    code, _, err = cli("changes", "--store", str(store.root), *args)
    assert_one_line_error(code, err, words)
