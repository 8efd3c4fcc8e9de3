"""`similar`, `clusters`, `copynet`: copies across outlets, from the store's near-duplicate index.

The work is `Store.similar` / `Store.clusters` and `newsarchive.similarity`;
this module reads the words, prints and writes. numpy and the index load only
when a command runs.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any, Final

from newsarchive.cli._common import (
    Context,
    Handler,
    UsageError,
    add_store_option,
    dump,
    open_store,
    progress,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator
    from datetime import datetime

    from newsarchive.similarity import Cluster, SimilarArticle, SimilarResult

__all__ = ["add_commands"]

#: The default --threshold, as `newsarchive.similarity.DEFAULT_THRESHOLD` (docs/similarity.md).
_DEFAULT_THRESHOLD: Final = 0.2
_THRESHOLD_HELP: Final = (
    "the least estimated Jaccard similarity of word 3-gram sets, > 0 and <= 1 (default: "
    f"{_DEFAULT_THRESHOLD}: a copy keeping half of the text or more is found)"
)
_TIMES: Final = (
    "Times are RFC 3339 instants or bare dates (UTC; --until includes the whole day); an "
    "article's time is its stated publication time, else its capture time."
)


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add `similar`, `clusters` and `copynet`; return their handlers."""
    similar: argparse.ArgumentParser = sub.add_parser(
        "similar",
        help="find near-duplicates of a stored article or of a text",
        description="List the stored articles whose text is a near-duplicate of a record's "
        "(ID: its id or its first 8+ hex digits) or of a file's (FILE: a record as JSON, an "
        "article-text file, or UTF-8 text; '-' reads standard input; an argument naming an "
        "existing file is a file), best first: other captures of the same canonical URL "
        "apart from copies at other URLs, each with its estimated Jaccard similarity and, "
        "for the first ten of each, the exact Jaccard of the word 3-gram sets.",
    )
    add_store_option(similar)
    similar.add_argument("query", metavar="ID|FILE", help="a record id (or prefix), or a file")
    similar.add_argument("--threshold", type=float, metavar="J", help=_THRESHOLD_HELP)
    similar.add_argument("--limit", type=int, metavar="N", help="list at most N matches")
    similar.add_argument("--json", action="store_true", help="print one JSON object")

    clusters: argparse.ArgumentParser = sub.add_parser(
        "clusters",
        help="group near-duplicate articles across outlets, the likely origin first",
        description="Group the stored articles that are near-duplicates of each other "
        "(connected through pairs at the threshold), each group in time order: the earliest "
        f"is the likely origin, and each article shows the time that placed it. {_TIMES}",
    )
    _add_cluster_options(clusters)
    clusters.add_argument("--json", action="store_true", help="print one JSON object")

    copynet: argparse.ArgumentParser = sub.add_parser(
        "copynet",
        help="the domain graph of who republishes whom (JSON, CSV, GraphML)",
        description="Build the copy network from the clusters: nodes are domains (the host "
        "of the canonical URL); an edge runs from the domain of each cluster's origin to "
        "every later domain in it, weighted by the number of such clusters, with the median "
        f"delay in seconds. For Gephi (--csv) or networkx (--graphml). {_TIMES}",
    )
    _add_cluster_options(copynet)
    out = copynet.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the graph as one JSON object")
    out.add_argument("--csv", metavar="FILE", help="write the edge table as CSV ('-': stdout)")
    out.add_argument("--graphml", metavar="FILE", help="write GraphML ('-': stdout)")
    return {"similar": _cmd_similar, "clusters": _cmd_clusters, "copynet": _cmd_copynet}


def _add_cluster_options(p: argparse.ArgumentParser) -> None:
    add_store_option(p)
    p.add_argument("--since", metavar="TIME", help="articles at or after this time")
    p.add_argument("--until", metavar="TIME", help="articles before this time")
    p.add_argument(
        "--min-size", type=int, default=2, metavar="N", help="groups of N articles or more"
    )
    p.add_argument("--threshold", type=float, metavar="J", help=_THRESHOLD_HELP)


@contextlib.contextmanager
def _indexing(ctx: Context) -> Iterator[None]:
    """A bar on a terminal while the index catches up (records taken in), e.g. on first use."""
    from newsarchive.similarity._storeindex import reporting  # noqa: PLC0415

    bar = progress(ctx, "record")
    update: Callable[[int], object] | None = None if bar is None else bar.update
    try:
        with reporting(update):
            yield
    finally:
        if bar is not None:
            bar.close()


def _threshold(args: argparse.Namespace) -> float:
    value = _DEFAULT_THRESHOLD if args.threshold is None else float(args.threshold)
    if not 0.0 < value <= 1.0:
        raise UsageError(f"{args.command}: --threshold: must be > 0 and <= 1 (not {value})")
    return value


# -- similar ---------------------------------------------------------------------------------


def _query(args: argparse.Namespace, ctx: Context) -> tuple[str, str | None, bool]:
    """(an id as typed, None, True), or (a file's text, its URL if it names one, False)."""
    from newsarchive.similarity._storequery import looks_like_id  # noqa: PLC0415

    arg = str(args.query)
    if arg != "-" and not os.path.exists(arg):  # noqa: PTH110
        if looks_like_id(arg):
            return arg, None, True
        raise UsageError(
            f"similar: {arg!r} is neither a record id (8 or more hex digits) nor a file"
        )
    data = ctx.read(arg)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"similar: {arg}: not UTF-8 text") from None
    return (*_record_text(text), False)


def _record_text(text: str) -> tuple[str, str | None]:
    """A record's content and canonical URL when `text` is a record as JSON; else an article
    text's body and `LINK:` (a text without that trailer is all body)."""
    if not text.lstrip().startswith("{"):
        return _article_text(text)
    import orjson  # noqa: PLC0415

    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _article_text(text)
    if not (isinstance(value, dict) and isinstance(value.get("content"), str)):
        return _article_text(text)
    url = value.get("canonical_url") or value.get("url")
    return value["content"], url if isinstance(url, str) else None


def _article_text(text: str) -> tuple[str, str | None]:
    from newsarchive._articletext import parse_article_text  # noqa: PLC0415
    from newsarchive.errors import ArticleTextError  # noqa: PLC0415

    try:
        parsed = parse_article_text(text.encode("utf-8"))
    except ArticleTextError:  # not article text (NUL bytes, ...): the text as it is
        return text, None
    return parsed.body, parsed.link


def _cmd_similar(args: argparse.Namespace, ctx: Context) -> int:
    threshold = _threshold(args)
    if args.limit is not None and args.limit < 1:
        raise UsageError("similar: --limit: must be at least 1")
    query, url, is_id = _query(args, ctx)
    with open_store(args) as store:
        if is_id:
            from newsarchive.store._ids import resolve_id  # noqa: PLC0415

            query = resolve_id(store, query)
        with _indexing(ctx):
            result = store.similar(query, url=url, threshold=threshold, limit=args.limit)
    shown = query if is_id else None
    if args.json:
        ctx.out(dump(_similar_json(shown, threshold, result)))
    else:
        _print_similar(ctx, result)
    if not (result.same_url or result.copies):
        ctx.err(f"newsarchive similar: nothing similar at threshold {threshold}")
    return 0


def _article_json(a: SimilarArticle) -> dict[str, Any]:
    return {"id": a.key, "canonical_url": a.canonical_url, "estimate": a.estimate, "exact": a.exact}


def _similar_json(record_id: str | None, threshold: float, result: SimilarResult) -> Any:
    return {
        "query": record_id,
        "threshold": threshold,
        "same_url": [_article_json(a) for a in result.same_url],
        "copies": [_article_json(a) for a in result.copies],
    }


def _print_similar(ctx: Context, result: SimilarResult) -> None:
    from newsarchive.errors import printable  # noqa: PLC0415

    for title, group in (
        (f"same URL: {len(result.same_url)}", result.same_url),
        (f"copies at other URLs: {len(result.copies)}", result.copies),
    ):
        if not group:
            continue
        ctx.out(f"{title}\n")
        for a in group:
            exact = "  -  " if a.exact is None else f"{a.exact:.3f}"
            line = f"  {a.estimate:.3f}  exact {exact}  {a.key}  {a.canonical_url}"
            ctx.out(printable(line) + "\n")


# -- clusters and copynet --------------------------------------------------------------------


def time_bounds(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    from newsarchive.cli._query import time_bound  # noqa: PLC0415
    from newsarchive.similarity._storequery import time_of_key  # noqa: PLC0415
    from newsarchive.store._keys import time_key  # noqa: PLC0415

    found: list[datetime | None] = []
    for name, end in (("since", False), ("until", True)):
        text = getattr(args, name)
        if text is None:
            found.append(None)
            continue
        instant = time_bound(args.command, f"--{name}", text, end=end)
        found.append(time_of_key(time_key(instant)))
    since, until = found
    if until is not None and args.until is not None and len(args.until.strip()) == 10:
        from datetime import timedelta  # noqa: PLC0415

        until += timedelta(microseconds=1)  # a bare date: its whole last microsecond too
    return since, until


def _clusters(args: argparse.Namespace, ctx: Context) -> tuple[float, list[Cluster]]:
    threshold = _threshold(args)
    if args.min_size < 2:
        raise UsageError(f"{args.command}: --min-size: must be at least 2")
    since, until = time_bounds(args)
    with open_store(args) as store, _indexing(ctx):
        found = store.clusters(
            threshold=threshold, since=since, until=until, min_size=args.min_size
        )
    return threshold, found


def _count(items: tuple[str, ...], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _cluster_json(cluster: Cluster) -> dict[str, Any]:
    return {
        "size": len(cluster.members),
        "origin_tied": cluster.origin_tied,
        "domains": list(cluster.domains),
        "members": [
            {
                "id": m.key,
                "canonical_url": m.canonical_url,
                "domain": m.domain,
                "time": _time(m.time),
                "basis": m.basis,
                "delay_seconds": m.delay_seconds,
            }
            for m in cluster.members
        ],
    }


def _cmd_clusters(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.errors import printable  # noqa: PLC0415

    threshold, found = _clusters(args, ctx)
    if args.json:
        ctx.out(dump({"threshold": threshold, "clusters": [_cluster_json(c) for c in found]}))
    for number, cluster in enumerate(found if not args.json else [], 1):
        origin = cluster.origin
        tied = "; tied with the next, ordered by id" if cluster.origin_tied else ""
        ctx.out(
            f"cluster {number}: {len(cluster.members)} articles, "
            f"{_count(cluster.domains, 'domain')}; likely origin {printable(origin.domain)} "
            f"({origin.basis} {_time(origin.time)}{tied})\n"
        )
        for m in cluster.members:
            line = (
                f"  {_time(m.time)}  {m.basis:<9}  +{m.delay_seconds:g}s  {m.key}  "
                f"{m.canonical_url}"
            )
            ctx.out(printable(line) + "\n")
    if not found:
        ctx.err(f"newsarchive clusters: no group of {args.min_size} or more at {threshold}")
    return 0


def _cmd_copynet(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.errors import printable  # noqa: PLC0415
    from newsarchive.similarity import copy_network  # noqa: PLC0415

    _, found = _clusters(args, ctx)
    net = copy_network(found)
    if args.csv is not None:
        ctx.emit(net.to_csv().encode("utf-8"), None if args.csv == "-" else args.csv)
    elif args.graphml is not None:
        ctx.emit(net.to_graphml(), None if args.graphml == "-" else args.graphml)
    elif args.json:
        ctx.out(dump(net.to_dict()))
    else:
        for e in net.edges:
            line = (
                f"{e.source} -> {e.target}  weight {e.weight}  "
                f"median delay {e.median_delay_seconds:g}s"
            )
            ctx.out(printable(line) + "\n")
    if not net.edges:
        ctx.err("newsarchive copynet: no article was republished at another domain")
    return 0
