"""Diff correctness and speed, measured against ground truth and two references in one run.

    python -m bench.history [--articles 40] [--perf-pairs 300] [--seed 1]

A seeded generator writes real-looking articles in ten languages (English,
German, Spanish, French with accents; Arabic, Persian with ZWNJ, Hebrew written
right to left; Chinese, Japanese and Thai written without spaces between words),
then derives pairs with one injected change of known kind and place: substantive
ones (one word, a number, a removed ZWNJ, a sentence added or removed, a quote
changed, the byline, a correction notice, the headline) and noise only
(whitespace, line wrapping, NFD, quote style, dash style, an "Updated N minutes
ago" line covered by an ignore rule, a cosmetic headline change). The corpus is
written to bench/_work/history-corpus.jsonl for inspection.

Compared, on the same pairs: `newsarchive.diff`; a plain difflib word diff
(`SequenceMatcher` over `str.split()`); and a diffengine-style fingerprint
comparison (lower case, punctuation and whitespace removed; "changed" when the
fingerprints differ). Speed: pairs per second in one process for 1,000-word
articles with 20 one-word edits, ours against difflib in the same run; and
`build_history` of one article captured 1,000 times (10 edits, the rest unchanged
recaptures).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import random
import re
import time
from pathlib import Path
from typing import Any, Final

import attrs

from bench.history_corpus import LANGS, Pair, article, corpus, substantive
from newsarchive.history import IgnoreRules, build_history, diff, is_stealth_edit

WORK: Final = Path(__file__).resolve().parent / "_work"
RULES: Final = IgnoreRules.from_patterns(
    [r"^(Updated|Aktualisiert|Actualizado|Mis à jour) \d+ \w+"]
)

# -- the three comparers ----------------------------------------------------------------


def _fingerprint(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _word_ranges(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\S+", text)]


def difflib_words(a: str, b: str) -> list[tuple[int, int]]:
    """Character ranges in `a` of the words a plain difflib word diff marks as changed."""
    ra = _word_ranges(a)
    wa, wb = [a[s:e] for s, e in ra], b.split()
    out = []
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, wa, wb).get_opcodes():
        if tag != "equal":
            lo = ra[i1][0] if i1 < len(ra) else len(a)
            hi = ra[i2 - 1][1] if i2 > i1 else lo
            out.append((lo, hi))
    return out


def _overlaps(ranges: list[tuple[int, int]], edit: tuple[int, int]) -> bool:
    s, e = edit
    return any(lo <= e and s <= hi for lo, hi in ranges)


@attrs.define
class Tally:
    hits: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.hits += ok

    def pct(self) -> str:
        return (
            f"{100 * self.hits / self.total:.2f}% ({self.hits}/{self.total})" if self.total else "-"
        )


def evaluate(pairs: list[Pair]) -> dict[str, Any]:
    names = ("ours", "difflib", "fingerprint")
    found = {n: Tally() for n in names}
    noisy = {n: Tally() for n in names}
    noise_by_kind: dict[str, Tally] = {}
    head = {n: [0, 0, 0] for n in names}  # tp, fp, fn
    label_hits: dict[str, Tally] = {}
    stealth = Tally()
    expect_label = {
        "number": "number", "sentence-added": "sentence-added",
        "sentence-removed": "sentence-removed", "quote": "quotation", "byline": "byline",
        "notice": "correction-notice",
    }  # fmt: skip
    for p in pairs:
        d = diff(p.a, p.b, rules=RULES)
        ca, cb, ta, tb = p.a["content"], p.b["content"], p.a["title"], p.b["title"]
        dl = difflib_words(ca, cb)
        verdicts = {
            "ours": d.substantive,
            "difflib": bool(dl) or ta.split() != tb.split(),
            "fingerprint": _fingerprint(ca) != _fingerprint(cb)
            or _fingerprint(ta) != _fingerprint(tb),
        }
        heads = {
            "ours": d.headline_changed,
            "difflib": ta.split() != tb.split(),
            "fingerprint": _fingerprint(ta) != _fingerprint(tb),
        }
        truth_head = p.kind == "headline"
        for n in names:
            tp, fp, fn = head[n]
            head[n] = [tp + (heads[n] and truth_head), fp + (heads[n] and not truth_head),
                       fn + (truth_head and not heads[n])]  # fmt: skip
        if p.noise:
            for n in names:
                noisy[n].add(verdicts[n])
            noise_by_kind.setdefault(p.kind, Tally()).add(d.substantive)
            continue
        stealth.add(is_stealth_edit(d) == (p.kind != "notice"))
        if p.edit is not None:
            ours_ranges = [(c.a_start, c.a_end) for c in d.substantive_changes]
            found["ours"].add(_overlaps(ours_ranges, p.edit))
            found["difflib"].add(_overlaps(dl, p.edit))
            found["fingerprint"].add(verdicts["fingerprint"])
        if p.kind in expect_label:
            want = expect_label[p.kind]
            label_hits.setdefault(p.kind, Tally()).add(any(want in c.labels for c in d.changes))

    def pr(tp: int, fp: int, fn: int) -> str:
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        return f"precision {prec:.3f}, recall {rec:.3f}"

    return {
        "one_word_edits_found": {n: found[n].pct() for n in names},
        "noise_pairs_called_changed": {n: noisy[n].pct() for n in names},
        "noise_called_changed_by_kind_ours": {k: t.pct() for k, t in noise_by_kind.items()},
        "headline_change": {n: pr(*head[n]) for n in names},
        "label_recall_ours": {k: t.pct() for k, t in label_hits.items()},
        "stealth_edit_verdict_correct_ours": stealth.pct(),
    }


def _edited_pairs(n_pairs: int, edits: int, rng: random.Random) -> list[tuple[str, str]]:
    pairs = []
    for i in range(n_pairs):
        lang = "en" if i % 2 == 0 else rng.choice(list(LANGS))
        a = article(lang, rng, 1000)
        b = a
        for _ in range(edits):
            p = substantive("word", lang, b, rng)
            assert p is not None
            b = p.b
        pairs.append((a["content"], b["content"]))
    return pairs


def perf(n_pairs: int, seed: int) -> dict[str, str]:
    """Pairs per second of CPU time in this process: 1,000-word articles (half English,
    half the other languages) with 20 one-word edits, against difflib; then with 2 edits
    and unchanged, as consecutive captures mostly are."""
    rng = random.Random(seed)
    pairs = _edited_pairs(n_pairs, 20, rng)
    words = sum(len(a.split()) for a, _ in pairs) / len(pairs)
    out = {"pairs": str(len(pairs)), "mean whitespace-separated words": f"{words:.0f}"}

    def plain(a: str, b: str, *, junk: bool) -> object:
        return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=junk).get_opcodes()

    def rate(fn: Any, pairs: list[tuple[str, str]]) -> str:
        start = time.process_time()
        for a, b in pairs:
            fn(a, b)
        return f"{len(pairs) / (time.process_time() - start):,.0f} pairs/s per core (CPU time)"

    out["newsarchive.diff, 20 edits"] = rate(diff, pairs)
    out["difflib word diff (autojunk), 20 edits"] = rate(lambda a, b: plain(a, b, junk=True), pairs)
    out["difflib word diff (no autojunk), 20 edits"] = rate(
        lambda a, b: plain(a, b, junk=False), pairs
    )
    few = _edited_pairs(n_pairs, 2, rng)
    out["newsarchive.diff, 2 edits"] = rate(diff, few)
    out["difflib word diff (autojunk), 2 edits"] = rate(lambda a, b: plain(a, b, junk=True), few)
    out["newsarchive.diff, unchanged"] = rate(diff, [(a, a) for a, _ in few])
    return out


def history_speed(seed: int, captures: int = 1000, edits: int = 10) -> dict[str, str]:
    """CPU time of `build_history` for one article captured `captures` times (1,000
    words, English), `edits` of them with a one-word edit and the rest unchanged
    recaptures, as a store would hand them over (with content digests)."""
    rng = random.Random(seed)
    current = article("en", rng, 1000)
    records = []
    for n in range(captures):
        if n % (captures // edits) == captures // edits - 1:
            p = substantive("word", "en", current, rng)
            assert p is not None
            current = p.b
        content = (current["content"] + ".")[:-1]  # its own string, as read from a store
        digest = "sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()
        day, half_hour = divmod(n, 48)
        date = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}"
        at = f"{date}T{half_hour // 2:02d}:{30 * (half_hour % 2):02d}:00Z"
        records.append(
            {**current, "content": content, "id": f"{n:064x}", "content_digest": digest,
             "retrieved_at": at}
        )  # fmt: skip
    rng.shuffle(records)
    out = {}
    for phrase in (None, "the council said"):
        best = float("inf")
        for _ in range(5):
            start = time.process_time()
            h = build_history(records, text=phrase)
            best = min(best, time.process_time() - start)
        changed = sum(1 for e in h.captures if e.change and e.change.verdict == "changed")
        what = f"build_history, {captures:,} captures ({changed} changed)"
        if phrase:
            what += f", text={phrase!r}"
        out[f"{what}, best of 5"] = f"{1000 * best:.1f} ms CPU"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.history")
    ap.add_argument("--articles", type=int, default=40, help="articles per language (10 languages)")
    ap.add_argument("--perf-pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    pairs = corpus(args.articles, args.seed)
    WORK.mkdir(exist_ok=True)
    with (WORK / "history-corpus.jsonl").open("w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(attrs.asdict(p), ensure_ascii=False) + "\n")
    speed = {**perf(args.perf_pairs, args.seed), **history_speed(args.seed)}
    result = {"pairs": len(pairs), **evaluate(pairs), "speed": speed}
    (WORK / "history-results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
