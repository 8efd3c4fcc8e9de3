"""`similar`, `clusters`, `copynet` on a store holding a small copy network."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from newsarchive.cli import _similar, run
from newsarchive.store import Store
from tests.similar_corpus import START, network, record
from tests.test_cli import assert_one_line_error, cli

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, set[str]], list[str]]:
    records, truth = network(4)
    root = tmp_path_factory.mktemp("cli-similar") / "s"
    with Store.init(root) as store:
        store.add([(r, False) for r in records])
    originals = [r["content"] for r in records if r["id"] in truth]
    return str(root), truth, originals


def test_similar_by_id_prefix_lists_the_copies(
    net: tuple[str, dict[str, set[str]], list[str]],
) -> None:
    store, truth, _ = net
    origin = min(truth)
    code, out, err = cli("similar", origin[:10], "--store", store)
    assert code == 0, err
    lines = out.decode().splitlines()
    assert lines[0] == "copies at other URLs: 5"
    assert {line.split()[3] for line in lines[1:]} == truth[origin]
    assert all(line.split()[1] == "exact" for line in lines[1:])
    code, out, _ = cli("similar", origin, "--json", "--limit", "2", "--store", store)
    assert code == 0
    found = json.loads(out)
    assert found["query"] == origin
    assert found["threshold"] == 0.2
    assert found["same_url"] == []
    assert [c["id"] in truth[origin] for c in found["copies"]] == [True, True]
    assert set(found["copies"][0]) == {"id", "canonical_url", "estimate", "exact"}


def test_similar_by_file_text_record_and_stdin(
    tmp_path: Path, net: tuple[str, dict[str, set[str]], list[str]]
) -> None:
    store, truth, texts = net
    text_file = tmp_path / "article.txt"
    text_file.write_text(texts[0], encoding="utf-8")
    code, out, err = cli("similar", str(text_file), "--json", "--store", store)
    assert code == 0, err
    found = json.loads(out)
    assert found["query"] is None
    assert len(found["copies"]) == 6  # the original itself and its five copies
    record_file = tmp_path / "record.json"
    record_file.write_text(
        json.dumps({"content": texts[0], "url": "https://state.example/news/0"}),
        encoding="utf-8",
    )
    code, out, _ = cli("similar", str(record_file), "--json", "--store", store)
    found = json.loads(out)
    assert [a["canonical_url"] for a in found["same_url"]] == ["https://state.example/news/0"]
    assert len(found["copies"]) == 5
    code, out, _ = cli("similar", "-", "--json", "--store", store, stdin=texts[1].encode())
    assert code == 0
    assert len(json.loads(out)["copies"]) == 6
    assert len(truth) == 4


def test_similar_says_when_nothing_is_similar(
    net: tuple[str, dict[str, set[str]], list[str]],
) -> None:
    store, _, _ = net
    code, out, err = cli("similar", "-", "--store", store, stdin=b"nothing like any of them")
    assert (code, out) == (0, b"")
    assert "nothing similar at threshold 0.2" in err


@pytest.mark.parametrize(
    ("args", "words", "expected"),
    [
        (["similar", "not-an-id"], "neither a record id", 2),
        (["similar", "0123abcd", "--threshold", "0"], "--threshold: must be > 0", 2),
        (["similar", "0123abcd", "--limit", "0"], "--limit: must be at least 1", 2),
        (["similar", "0123abcdef"], "no record id starts with", 1),
        (["clusters", "--min-size", "1"], "--min-size: must be at least 2", 2),
        (["clusters", "--since", "2025-13-01"], "--since: '2025-13-01' is not a real date", 2),
        (["copynet", "--threshold", "1.5"], "--threshold: must be > 0 and <= 1", 2),
        (["copynet", "--json", "--csv", "-"], "not allowed with argument", 2),
    ],
)
def test_bad_words_are_one_line_errors(
    net: tuple[str, dict[str, set[str]], list[str]], args: list[str], words: str, expected: int
) -> None:
    store, _, _ = net
    code, _, err = cli(*args, "--store", store)
    assert_one_line_error(code, err, words, expected)


def test_a_file_that_is_not_utf8(
    tmp_path: Path, net: tuple[str, dict[str, set[str]], list[str]]
) -> None:
    store, _, _ = net
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa")
    code, _, err = cli("similar", str(bad), "--store", store)
    assert_one_line_error(code, err, "not UTF-8 text")


def test_clusters_in_time_order_with_their_times(
    net: tuple[str, dict[str, set[str]], list[str]],
) -> None:
    store, truth, _ = net
    code, out, err = cli("clusters", "--store", store)
    assert code == 0, err
    text = out.decode()
    assert text.count("cluster ") == 4
    assert "likely origin state.example (published 2025-01-06T09:00:00Z)" in text
    code, out, _ = cli("clusters", "--json", "--store", store)
    found = json.loads(out)["clusters"]
    assert [c["members"][0]["id"] in truth for c in found] == [True] * 4
    first = found[0]["members"]
    assert [m["delay_seconds"] for m in first] == [0.0, 420.0, 840.0, 1260.0, 1680.0, 2100.0]
    assert [m["basis"] for m in first[:3]] == ["published", "retrieved", "published"]
    code, out, _ = cli(
        "clusters", "--json", "--since", "2025-01-06T10:00:00Z", "--until", "2025-01-06T11:00:00Z",
        "--store", store,
    )  # fmt: skip
    (only,) = json.loads(out)["clusters"]
    assert only["members"][0]["time"] == "2025-01-06T10:00:00Z"
    code, out, _ = cli("clusters", "--json", "--until", "2025-01-06", "--store", store)
    assert len(json.loads(out)["clusters"]) == 4  # a bare date: the whole day
    code, out, err = cli("clusters", "--min-size", "7", "--store", store)
    assert (code, out) == (0, b"")
    assert "no group of 7 or more" in err


def test_copynet_as_text_json_csv_and_graphml(
    tmp_path: Path, net: tuple[str, dict[str, set[str]], list[str]]
) -> None:
    store, _, _ = net
    code, out, err = cli("copynet", "--store", store)
    assert code == 0, err
    assert out.decode().splitlines()[0] == (
        "state.example -> mirror-0.example  weight 4  median delay 420s"
    )
    code, out, _ = cli("copynet", "--json", "--store", store)
    graph = json.loads(out)
    assert len(graph["edges"]) == 5
    assert {"domain": "state.example", "origins": 4, "copies": 0} in graph["nodes"]
    code, out, _ = cli("copynet", "--csv", "-", "--store", store)
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    assert rows[0] == {
        "source": "state.example",
        "target": "mirror-0.example",
        "weight": "4",
        "median_delay_seconds": "420",
    }
    target = tmp_path / "net.graphml"
    code, out, _ = cli("copynet", "--graphml", str(target), "--store", store)
    assert (code, out) == (0, b"")
    g = nx.read_graphml(target)
    assert g.is_directed()
    assert g.edges["state.example", "mirror-4.example"]["median_delay_seconds"] == 2100.0
    code, _, err = cli("copynet", "--until", "2025-01-01", "--store", store)
    assert code == 0
    assert "no article was republished" in err


class _Bar:
    def __init__(self) -> None:
        self.counts: list[int] = []
        self.closed = False

    def update(self, n: int) -> None:
        self.counts.append(n)

    def close(self) -> None:
        self.closed = True


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_the_index_catch_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, truth = network(2)
    root = tmp_path / "s"
    with Store.init(root) as store:
        store.add([(r, False) for r in records[:5]])
        store.add([(r, False) for r in records[5:]])
    for path in root.glob("similar.sqlite*"):
        path.unlink()  # lost: the next query rebuilds it from the segments
    args = ["similar", min(truth), "--store", str(root)]
    terminal = _Terminal()
    assert run(args, stdout=io.BytesIO(), stderr=terminal) == 0
    assert "record" in terminal.getvalue()  # the real bar (tqdm) on a terminal
    bars: list[_Bar] = []

    def bar(*_: object) -> _Bar:
        bars.append(_Bar())
        return bars[-1]

    monkeypatch.setattr(_similar, "progress", bar)
    for path in root.glob("similar.sqlite*"):
        path.unlink()
    assert run(args, stdout=io.BytesIO(), stderr=io.StringIO()) == 0
    assert [(b.counts, b.closed) for b in bars] == [([5, len(records) - 5], True)]
    quiet = io.StringIO()
    monkeypatch.undo()
    assert run(args, stdout=io.BytesIO(), stderr=quiet) == 0
    assert quiet.getvalue() == ""


def test_a_file_is_a_record_only_when_it_is_a_json_object_with_content() -> None:
    assert _similar._record_text('{"content": "text", "canonical_url": "https://a.example/"}') == (
        "text",
        "https://a.example/",
    )
    assert _similar._record_text('{"content": "text", "url": 5}') == ("text", None)
    for other in ('{"title": "no content"}', "{not json", "[1, 2]", "plain text", "a\x00b"):
        assert _similar._record_text(other) == (other, None)
    article = "The body.\nSecond line.\nLINK: https://a.example/x?utm_source=rss\nTAGS: a, b\n"
    assert _similar._record_text(article) == (
        "The body.\nSecond line.",
        "https://a.example/x?utm_source=rss",
    )


def test_an_article_text_file_is_its_body_and_its_link(
    tmp_path: Path, net: tuple[str, dict[str, set[str]], list[str]]
) -> None:
    store, _, texts = net
    article = tmp_path / "article.txt"
    article.write_text(texts[0] + "\nLINK: https://state.example/news/0?utm_source=x\n")
    code, out, err = cli("similar", str(article), "--json", "--store", store)
    assert code == 0, err
    found = json.loads(out)
    assert [a["canonical_url"] for a in found["same_url"]] == ["https://state.example/news/0"]
    assert found["same_url"][0]["exact"] == 1.0  # the body alone, without the trailer
    assert len(found["copies"]) == 5


def test_a_cluster_of_recaptures_has_one_domain(tmp_path: Path) -> None:
    # Found when writing the README example: it said "1 domains".
    records, _ = network(1)
    origin = records[0]
    again = record(origin["url"], origin["content"] + "\n\nUpdated.", START + timedelta(days=1))
    root = tmp_path / "s"
    with Store.init(root) as store:
        store.add([(origin, False), (again, False)])
    code, out, _ = cli("clusters", "--store", str(root))
    assert code == 0
    assert out.decode().startswith("cluster 1: 2 articles, 1 domain; likely origin state.example")
