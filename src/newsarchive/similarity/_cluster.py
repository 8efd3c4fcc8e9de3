"""Clusters of near-duplicate articles, each in time order with its likely origin.

The rule: two articles are linked when their estimated Jaccard similarity is
at least the threshold (the pairs come from `SimilarityIndex.similar_pairs`
or any other source); a cluster is a connected component of those links
(single linkage, computed with union-find). Single linkage can chain: A~B and
B~C put A and C together even when A and C share little, which is what a
chain of republications looks like (each copy copies the one before).

Within a cluster, articles are ordered by their time: the stated publication
time where the article has one, else its capture time, then by key; the
earliest is the likely origin. Each member says which time was used, so a
reader sees what makes the origin the origin (and `origin_tied` says when the
next member has the very same time, so the order between them is only the
keys').
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

__all__ = ["Article", "Cluster", "Member", "clusters", "domain_of"]

TimeBasis = Literal["published", "retrieved"]


def domain_of(url: str) -> str:
    """The host of a (canonical) URL, lowercased, without a trailing dot."""
    return (urlsplit(url).hostname or "").rstrip(".")


@attrs.frozen
class Article:
    """What clustering needs of an archived article: plain data, no store."""

    key: str
    canonical_url: str
    retrieved_at: datetime
    published_at: datetime | None = None

    @property
    def time(self) -> datetime:
        return self.published_at or self.retrieved_at

    @property
    def basis(self) -> TimeBasis:
        return "retrieved" if self.published_at is None else "published"


@attrs.frozen
class Member:
    """One article of a cluster, with the time that placed it and its delay after the origin."""

    key: str
    canonical_url: str
    domain: str
    time: datetime
    basis: TimeBasis
    delay_seconds: float


@attrs.frozen
class Cluster:
    """Near-duplicate articles in time order; `members[0]` is the likely origin."""

    members: tuple[Member, ...]
    origin_tied: bool

    @property
    def origin(self) -> Member:
        return self.members[0]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.members)

    @property
    def domains(self) -> tuple[str, ...]:
        """Distinct domains in order of first appearance (the origin's first)."""
        return tuple(dict.fromkeys(m.domain for m in self.members))


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while (up := self.parent.get(root, root)) != root:
            root = up
        while x != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        self.parent.setdefault(a, a)
        self.parent.setdefault(b, b)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def clusters(
    articles: Iterable[Article],
    pairs: Iterable[tuple[str, str, float]],
    *,
    threshold: float = 0.0,
    min_size: int = 2,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Cluster]:
    """Group `articles` linked by `pairs` (key, key, estimate) with estimate >= threshold.

    Only articles whose time (published, else retrieved) is in [since, until)
    take part; pairs naming other keys are ignored. Clusters with fewer than
    `min_size` members are left out. The list is ordered by origin time, then
    origin key.
    """
    chosen = {
        a.key: a
        for a in articles
        if (since is None or a.time >= since) and (until is None or a.time < until)
    }
    uf = _UnionFind()
    for a, b, estimate in pairs:
        if estimate >= threshold and a in chosen and b in chosen:
            uf.union(a, b)
    groups: dict[str, list[Article]] = {}
    for key in list(uf.parent):
        groups.setdefault(uf.find(key), []).append(chosen[key])
    found = [_cluster(group) for group in groups.values() if len(group) >= max(min_size, 2)]
    found.sort(key=lambda c: (c.origin.time, c.origin.key))
    return found


def _cluster(group: list[Article]) -> Cluster:
    group.sort(key=lambda a: (a.time, a.key))
    start = group[0].time
    members = tuple(
        Member(
            key=a.key,
            canonical_url=a.canonical_url,
            domain=domain_of(a.canonical_url),
            time=a.time,
            basis=a.basis,
            delay_seconds=(a.time - start).total_seconds(),
        )
        for a in group
    )
    return Cluster(members=members, origin_tied=members[1].time == start)
