"""Clusters of near-duplicates in time order, and the copy network with its writers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import networkx as nx

from newsarchive.similarity import (
    Article,
    CopyEdge,
    CopyNetwork,
    DomainNode,
    clusters,
    copy_network,
    domain_of,
)

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _art(key: str, url: str, minutes: int, published: int | None = None) -> Article:
    return Article(
        key=key,
        canonical_url=url,
        retrieved_at=T0 + timedelta(minutes=minutes),
        published_at=None if published is None else T0 + timedelta(minutes=published),
    )


ARTICLES = [
    # Captured first, but published after "b": the stated publication time decides.
    _art("a", "https://state.example/news/1", 0, published=30),
    _art("b", "https://mirror-one.example/x", 40, published=10),
    _art("c", "https://mirror-two.example/y", 20),  # no publication time: capture time
    _art("d", "https://state.example/news/1", 90),  # a re-capture of the origin's URL
    _art("e", "https://alone.example/z", 5),
    _art("f", "https://state.example/news/2", 100),
    _art("g", "https://Mirror-One.example./q", 160),
]
PAIRS = [("a", "b", 0.9), ("b", "c", 0.6), ("a", "d", 1.0), ("f", "g", 0.7), ("e", "f", 0.2)]


def test_clusters_are_components_in_time_order_with_the_times_that_decide() -> None:
    found = clusters(ARTICLES, PAIRS, threshold=0.5)
    assert [c.keys for c in found] == [("b", "c", "a", "d"), ("f", "g")]
    first = found[0]
    assert first.origin.key == "b"
    assert [(m.basis, m.delay_seconds) for m in first.members] == [
        ("published", 0.0),
        ("retrieved", 600.0),
        ("published", 1200.0),
        ("retrieved", 4800.0),
    ]
    assert first.domains == ("mirror-one.example", "mirror-two.example", "state.example")
    assert not first.origin_tied


def test_threshold_min_size_and_time_window() -> None:
    # At 0.1 the weak e~f link joins e to f's cluster (single linkage).
    assert clusters(ARTICLES, PAIRS, threshold=0.1)[0].keys == ("e", "f", "g")
    assert [c.keys for c in clusters(ARTICLES, PAIRS, threshold=0.5, min_size=3)] == [
        ("b", "c", "a", "d")
    ]
    window = clusters(ARTICLES, PAIRS, threshold=0.5, since=T0 + timedelta(minutes=15))
    # b (published at +10 min) is outside, and with it the only link of c.
    assert [c.keys for c in window] == [("a", "d"), ("f", "g")]
    assert clusters(ARTICLES, PAIRS, until=T0 + timedelta(minutes=15)) == []
    # Pairs naming unknown keys are ignored.
    assert clusters(ARTICLES, [("a", "zz", 1.0)]) == []


def test_ties_are_flagged_and_broken_by_key() -> None:
    same = [_art("y", "https://one.example/", 0), _art("x", "https://two.example/", 0)]
    (cluster,) = clusters(same, [("x", "y", 1.0)])
    assert cluster.keys == ("x", "y")
    assert cluster.origin_tied


def test_domain_of() -> None:
    assert domain_of("https://News.Example.:8443/a?b") == "news.example"
    assert domain_of("not a url") == ""


def _network() -> CopyNetwork:
    found = clusters(ARTICLES, PAIRS, threshold=0.5)
    extra = clusters(
        [
            _art("p", "https://mirror-one.example/p", 0, published=0),
            _art("q", "https://mirror-two.example/q", 30),
            _art("r", "https://state.example/r", 60),
        ],
        [("p", "q", 0.8), ("q", "r", 0.8)],
    )
    return copy_network([*found, *extra])


def test_copy_network_edges_weights_and_median_delays() -> None:
    net = _network()
    assert net.edges == (
        CopyEdge("mirror-one.example", "mirror-two.example", 2, (600 + 1800) / 2),
        CopyEdge("mirror-one.example", "state.example", 2, (1200 + 3600) / 2),
        CopyEdge("state.example", "mirror-one.example", 1, 3600.0),
    )
    assert net.nodes == (
        DomainNode("mirror-one.example", origins=2, copies=1),
        DomainNode("mirror-two.example", origins=0, copies=2),
        DomainNode("state.example", origins=1, copies=2),
    )


def test_csv_json_and_graphml_writers() -> None:
    net = _network()
    rows = list(csv.DictReader(io.StringIO(net.to_csv())))
    assert rows[0] == {
        "source": "mirror-one.example",
        "target": "mirror-two.example",
        "weight": "2",
        "median_delay_seconds": "1200",
    }
    assert net.to_dict()["edges"][2]["source"] == "state.example"
    data = net.to_graphml()
    ET.fromstring(data)
    graph = nx.read_graphml(io.BytesIO(data))
    assert graph.is_directed()
    assert sorted(graph.edges(data=True)) == [
        ("mirror-one.example", "mirror-two.example", {"weight": 2, "median_delay_seconds": 1200.0}),
        ("mirror-one.example", "state.example", {"weight": 2, "median_delay_seconds": 2400.0}),
        ("state.example", "mirror-one.example", {"weight": 1, "median_delay_seconds": 3600.0}),
    ]
    assert graph.nodes["state.example"] == {"origins": 1, "copies": 2}


def test_graphml_escapes_domains() -> None:
    net = copy_network(
        clusters(
            [_art("a", "https://a.example/", 0), _art("b", "https://xn--bcher-kva.example/", 1)],
            [("a", "b", 1.0)],
        )
    )
    graph = nx.read_graphml(io.BytesIO(net.to_graphml()))
    assert list(graph.edges) == [("a.example", "xn--bcher-kva.example")]
