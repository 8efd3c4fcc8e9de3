"""Article extraction measured on WCXB's 711 article pages: ours beside trafilatura's defaults.

    python -m bench.extraction [--data DIR] [--limit N] [--show N]

The data is WCXB v1.0, development split, type "article" (Murrough Foley, 2026;
CC-BY-4.0; see ../shared/extraction/README.md), read at run time, never copied. In the
same run, on every page, it runs `newsarchive.capture.extract` and trafilatura 2.x with
its defaults (`bare_extraction(..., with_metadata=True, include_comments=False)`) and
prints, for each:

- body text: the benchmark's metric, per page then averaged (macro): lower-cased `\\w+`
  tokens as a bag of words, precision, recall and F1 against `main_content`;
- title exact (after white space is collapsed), author set exact (names split on `,`,
  `;`, ` and `, `&`, compared lower-case; no author = the empty set), publication day
  exact (the first ten characters of the date), and how often a date is output for a
  page whose ground truth has none;
- seconds per page (CPU time of the process), ours against trafilatura alone.

Ground truth was drafted by a language model and reviewed by people: fit for comparing
extractors in one run, not an absolute truth. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from newsarchive.capture import extract
from newsarchive.capture._extract import trafilatura_document

ROOT = Path(__file__).resolve().parent.parent
_CANDIDATES = (
    ROOT.parent / "shared" / "extraction" / "wcxb-dev-articles",
    ROOT.parent.parent / "shared" / "extraction" / "wcxb-dev-articles",
)
_WORD = re.compile(r"\w+")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def prf(found: str, truth: str) -> tuple[float, float, float]:
    got, want = words(found), words(truth)
    common = sum((got & want).values())
    p = common / sum(got.values()) if got else 0.0
    r = common / sum(want.values()) if want else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def author_set(value: Any) -> frozenset[str]:
    if not value:
        return frozenset()
    items = value if isinstance(value, list | tuple) else [value]
    names: set[str] = set()
    for item in items:
        names |= {n.strip().lower() for n in _AUTHOR_SPLIT.split(str(item)) if n.strip()}
    return frozenset(names)


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


class Tally:
    def __init__(self) -> None:
        self.p: list[float] = []
        self.r: list[float] = []
        self.f: list[float] = []
        self.title = self.author = self.day = 0
        self.dated = self.undated = self.date_on_undated = 0
        self.seconds = 0.0

    def add(self, page: dict[str, Any], truth: dict[str, Any]) -> None:
        p, r, f = prf(page["text"], truth.get("main_content") or "")
        self.p.append(p)
        self.r.append(r)
        self.f.append(f)
        self.title += norm(page["title"]) == norm(truth.get("title"))
        self.author += author_set(page["authors"]) == author_set(truth.get("author"))
        if truth.get("publish_date"):
            self.dated += 1
            self.day += (page["date"] or "")[:10] == truth["publish_date"]
        else:
            self.undated += 1
            self.date_on_undated += bool(page["date"])

    def row(self, name: str) -> str:
        n = len(self.f)

        def avg(v: list[float]) -> float:
            return sum(v) / n if n else 0.0

        return (
            f"{name:<14} P {avg(self.p):.3f}  R {avg(self.r):.3f}  F1 {avg(self.f):.3f} | "
            f"title {self.title / n:.3f}  authors {self.author / n:.3f}  "
            f"day {self.day / max(self.dated, 1):.3f}  "
            f"date-on-undated {self.date_on_undated / max(self.undated, 1):.3f} | "
            f"{1000 * self.seconds / n:.1f} ms/page"
        )


def ours(html: str, url: str) -> dict[str, Any]:
    result = extract(html, url)
    if result is None:
        return {"text": "", "title": None, "authors": (), "date": None}
    return {
        "text": result.text,
        "title": result.title,
        "authors": result.authors,
        "date": result.published,
    }


def theirs(html: str, url: str) -> dict[str, Any]:
    doc = trafilatura_document(html, url)
    if doc is None:
        return {"text": "", "title": None, "authors": (), "date": None}
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    return {"text": doc.text or "", "title": doc.title, "authors": authors, "date": doc.date}


def _want(field: str, truth: dict[str, Any]) -> Any:
    return {
        "title": truth.get("title"),
        "date": truth.get("publish_date"),
        "authors": truth.get("author"),
    }[field]


def _differs(field: str, ours: dict[str, Any], truth: dict[str, Any]) -> bool:
    if field == "title":
        return norm(ours["title"]) != norm(truth.get("title"))
    if field == "authors":
        return author_set(ours["authors"]) != author_set(truth.get("author"))
    return (ours["date"] or "")[:10] != (truth.get("publish_date") or "")[:10]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--skip", type=int, default=0, help="start after N pages")
    parser.add_argument("--show", type=int, default=0, help="print N pages where we differ")
    parser.add_argument(
        "--field", default="title", choices=["title", "date", "authors"], help="for --show"
    )
    args = parser.parse_args(argv)
    data = args.data or next((c for c in _CANDIDATES if c.is_dir()), None)
    if data is None:
        parser.error("WCXB data not found; give --data DIR (../shared/extraction/...)")
    files = sorted((data / "ground-truth").glob("*.json"))[args.skip :]
    if args.limit:
        files = files[: args.limit]
    ours_tally, theirs_tally = Tally(), Tally()
    shown = 0
    for path in files:
        record = json.loads(path.read_text("utf-8"))
        truth, url = record["ground_truth"], record["url"]
        html = gzip.decompress((data / "html" / f"{path.stem}.html.gz").read_bytes()).decode(
            "utf-8", "replace"
        )
        start = time.process_time()
        theirs_page = theirs(html, url)
        theirs_tally.seconds += time.process_time() - start
        start = time.process_time()
        ours_page = ours(html, url)
        ours_tally.seconds += time.process_time() - start
        theirs_tally.add(theirs_page, truth)
        ours_tally.add(ours_page, truth)
        if shown < args.show and _differs(args.field, ours_page, truth):
            shown += 1
            print(f"{path.stem}: {args.field} ours {ours_page[args.field]!r} ", end="")
            print(f"trafilatura {theirs_page[args.field]!r} want {_want(args.field, truth)!r}")
    print(f"{len(files)} WCXB article pages ({data})")
    print(theirs_tally.row("trafilatura"))
    print(ours_tally.row("newsarchive"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
