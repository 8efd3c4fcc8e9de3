"""The copy network: which domains republish which, from clusters of near-duplicates.

Nodes are domains (the host of each article's canonical URL). In each cluster,
an edge runs from the origin's domain to every other domain in the cluster;
its delay is the time from the origin to that domain's earliest member. Over
all clusters, an edge's weight is the number of clusters that have it and its
delay is the median of those delays, in seconds. Later members on the
origin's own domain (re-captures, updates) make no edge.

Writers return text or bytes, so the caller decides how to write the file
(atomically, for the CLI): JSON-ready dicts, CSV (`source,target,weight,
median_delay_seconds`, as Gephi's edge-table import reads it) and GraphML
(directed; `weight` and `median_delay_seconds` on edges, `origins` and
`copies` on nodes), which networkx's `read_graphml` and Gephi open.
"""

from __future__ import annotations

import csv
import io
import statistics
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable

    from newsarchive.similarity._cluster import Cluster

__all__ = ["CopyEdge", "CopyNetwork", "DomainNode", "copy_network"]

_GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"


@attrs.frozen
class CopyEdge:
    source: str
    target: str
    weight: int
    median_delay_seconds: float


@attrs.frozen
class DomainNode:
    domain: str
    origins: int  # clusters this domain originated
    copies: int  # clusters in which this domain republished another's article


@attrs.frozen
class CopyNetwork:
    nodes: tuple[DomainNode, ...]
    edges: tuple[CopyEdge, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [attrs.asdict(n) for n in self.nodes],
            "edges": [attrs.asdict(e) for e in self.edges],
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["source", "target", "weight", "median_delay_seconds"])
        for e in self.edges:
            writer.writerow([e.source, e.target, e.weight, _number(e.median_delay_seconds)])
        return out.getvalue()

    def to_graphml(self) -> bytes:
        ET.register_namespace("", _GRAPHML_NS)
        root = ET.Element(f"{{{_GRAPHML_NS}}}graphml")
        keys = [
            ("origins", "node", "int"),
            ("copies", "node", "int"),
            ("weight", "edge", "int"),
            ("median_delay_seconds", "edge", "double"),
        ]
        for name, domain, kind in keys:
            ET.SubElement(
                root,
                f"{{{_GRAPHML_NS}}}key",
                {"id": name, "for": domain, "attr.name": name, "attr.type": kind},
            )
        graph = ET.SubElement(root, f"{{{_GRAPHML_NS}}}graph", {"edgedefault": "directed"})
        for n in self.nodes:
            node = ET.SubElement(graph, f"{{{_GRAPHML_NS}}}node", {"id": n.domain})
            _data(node, "origins", str(n.origins))
            _data(node, "copies", str(n.copies))
        for e in self.edges:
            edge = ET.SubElement(
                graph, f"{{{_GRAPHML_NS}}}edge", {"source": e.source, "target": e.target}
            )
            _data(edge, "weight", str(e.weight))
            _data(edge, "median_delay_seconds", _number(e.median_delay_seconds))
        ET.indent(root)
        text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return text + b"\n"


def _data(parent: ET.Element, key: str, value: str) -> None:
    ET.SubElement(parent, f"{{{_GRAPHML_NS}}}data", {"key": key}).text = value


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def copy_network(clusters: Iterable[Cluster]) -> CopyNetwork:
    """The domain-level graph of who republishes whom, from clusters in time order."""
    delays: dict[tuple[str, str], list[float]] = {}
    origins: dict[str, int] = {}
    copies: dict[str, int] = {}
    for cluster in clusters:
        source = cluster.origin.domain
        origins[source] = origins.get(source, 0) + 1
        first: dict[str, float] = {}
        for member in cluster.members[1:]:
            if member.domain != source:
                first.setdefault(member.domain, member.delay_seconds)
        for target, delay in first.items():
            delays.setdefault((source, target), []).append(delay)
            copies[target] = copies.get(target, 0) + 1
    edges = tuple(
        CopyEdge(source, target, len(ds), float(statistics.median(ds)))
        for (source, target), ds in sorted(delays.items())
    )
    domains = sorted({d for e in edges for d in (e.source, e.target)})
    nodes = tuple(DomainNode(d, origins.get(d, 0), copies.get(d, 0)) for d in domains)
    return CopyNetwork(nodes=nodes, edges=edges)
