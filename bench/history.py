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
articles with 20 one-word edits, ours against difflib in the same run.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import time
import unicodedata
from pathlib import Path
from typing import Any, Final

import attrs

from newsarchive.history import IgnoreRules, diff, is_stealth_edit

WORK: Final = Path(__file__).resolve().parent / "_work"
RULES: Final = IgnoreRules.from_patterns(
    [r"^(Updated|Aktualisiert|Actualizado|Mis à jour) \d+ \w+"]
)

_LANGS: Final[dict[str, dict[str, Any]]] = {
    "en": {
        "words": "the council said on Monday that the new budget would fund schools roads and "
        "hospitals after a storm damaged the harbour police officials warned residents about "
        "flooding near the river while the minister promised help for families",
        "by": "By",
        "names": ["Jane Doe", "Amir Khan", "Li Wei", "Maria Silva"],
        "notice": "Correction: An earlier version of this article misstated the number of victims.",
        "updated": "Updated {} minutes ago",
    },
    "de": {
        "words": "der Rat hat am Montag beschlossen dass die Straße über den Fluss für Fahrzeuge "
        "gesperrt bleibt weil Prüfungen Schäden gezeigt haben die Bürger äußerten große Sorge",
        "by": "Von",
        "names": ["Jörg Müller", "Anna Schäfer"],
        "notice": "Korrektur: In einer früheren Fassung war die Zahl der Opfer falsch.",
        "updated": "Aktualisiert {} Minuten",
    },
    "es": {
        "words": "el gobierno anunció el miércoles que la reforma económica llegará a más familias "
        "según el ministro de educación mientras la oposición criticó la decisión en el congreso",
        "by": "Por",
        "names": ["José Núñez", "Ana María Peña"],
        "notice": "Corrección: Una versión anterior de este artículo daba otra cifra.",
        "updated": "Actualizado {} minutos",
    },
    "fr": {
        "words": "le préfet a annoncé mercredi que la région serait placée en vigilance orange "
        "après des pluies très fortes les élèves resteront chez eux selon le ministère",
        "by": "Par",
        "names": ["Hélène Dupré", "François Lefèvre"],
        "notice": "Rectificatif : une version précédente de cet article comportait une erreur.",
        "updated": "Mis à jour {} minutes",
    },
    "ar": {
        "words": "قال الوزير يوم الاثنين إن الحكومة ستقدم مساعدات عاجلة للأسر المتضررة من "
        "الفيضانات في المدينة بعد أن ارتفع منسوب المياه في النهر",
        "by": "بقلم",
        "names": ["أحمد علي", "فاطمة حسن"],
        "notice": "تصحيح: ذكرت نسخة سابقة من هذا المقال رقما خاطئا.",
        "updated": "Updated {} minutes ago",
    },
    "fa": {
        "words": "وزیر روز دوشنبه گفت که دولت می\u200cخواهد به خانواده\u200cهای آسیب\u200cدیده "
        "کمک کند و مردم در شهر نگران سیل هستند و کارشناسان هشدار می\u200cدهند",
        "by": "نوشته",
        "names": ["مریم احمدی", "علی رضایی"],
        "notice": "اصلاحیه: نسخه قبلی این گزارش رقم نادرستی داشت.",
        "updated": "Updated {} minutes ago",
    },
    "he": {
        "words": "השר אמר ביום שני כי הממשלה תעביר סיוע למשפחות שנפגעו מההצפות בעיר לאחר "
        "שמפלס המים בנהר עלה והתושבים הביעו דאגה רבה",
        "by": "מאת",
        "names": ["דנה כהן", "יוסי לוי"],
        "notice": "תיקון: בגרסה קודמת של הכתבה נפלה טעות במספר.",
        "updated": "Updated {} minutes ago",
    },
    "zh": {
        "chars": "政府星期一宣布将向受洪水影响的家庭提供紧急援助市民对河水上涨表示担忧专家警告",
        "by": "记者",
        "names": ["王伟", "李娜"],
        "notice": "更正：本文早前版本中的死亡人数有误。",
        "updated": "Updated {} minutes ago",
    },
    "ja": {
        "chars": "政府は月曜日に洪水の被害を受けた家族へ緊急支援を行うと発表し"
        "住民は川の増水を心配している",
        "by": "記者",
        "names": ["山田太郎", "佐藤花子"],
        "notice": "訂正：この記事の以前の版では死者数に誤りがありました。",
        "updated": "Updated {} minutes ago",
    },
    "th": {
        "chars": "รัฐบาลประกาศว่าจะช่วยเหลือครอบครัวที่ได้รับผลกระทบจากน้ำท่วมในเมือง",
        "by": "โดย",
        "names": ["สมชาย ใจดี"],
        "notice": "แก้ไข: บทความฉบับก่อนหน้ามีตัวเลขผิด",
        "updated": "Updated {} minutes ago",
    },
}
_NOSPACE_END = {"zh": "。", "ja": "。", "th": " "}
SUBSTANTIVE_KINDS: Final = (
    "word", "number", "zwnj", "sentence-added", "sentence-removed", "quote", "byline",
    "notice", "headline",
)  # fmt: skip
NOISE_KINDS: Final = (
    "whitespace", "wrap", "nfd", "quote-style", "dash-style", "ignored-line", "headline-cosmetic",
    "mixed",
)  # fmt: skip
ONE_WORD: Final = ("word", "number", "zwnj")


@attrs.frozen
class Pair:
    lang: str
    kind: str
    a: dict[str, Any]
    b: dict[str, Any]
    edit: tuple[int, int] | None  # where in a's content the one-word edit is

    @property
    def noise(self) -> bool:
        return self.kind in NOISE_KINDS


def _vocab(spec: dict[str, Any]) -> list[str]:
    words: str = spec["words"]
    return words.split()


def _sentence(lang: str, rng: random.Random, n: int) -> str:
    spec = _LANGS[lang]
    if "chars" in spec:
        text = "".join(rng.choices(spec["chars"], k=n * 2))
        if rng.random() < 0.3:
            text += str(rng.randint(2, 99))
        return text + _NOSPACE_END[lang]
    words = rng.choices(_vocab(spec), k=n)
    if rng.random() < 0.4:
        words.insert(rng.randrange(len(words)), str(rng.randint(2, 999)))
    if rng.random() < 0.2:
        words.insert(rng.randrange(1, len(words)), "\u2013")
    text = " ".join(words)
    if rng.random() < 0.25:
        q = " ".join(rng.choices(_vocab(spec), k=5))
        text += f" \u201c{q}\u201d"
    return text[0].upper() + text[1:] + "."


def article(lang: str, rng: random.Random, words: int) -> dict[str, Any]:
    spec = _LANGS[lang]
    paras: list[str] = []
    count = 0
    while count < words:
        sents = [_sentence(lang, rng, rng.randint(8, 18)) for _ in range(rng.randint(2, 5))]
        count += sum(len(s.split()) if "words" in spec else len(s) // 2 for s in sents)
        paras.append(" ".join(sents) if "words" in spec else "".join(sents))
    head = spec["updated"].format(rng.randint(2, 59))
    byline = f"{spec['by']} {rng.choice(spec['names'])}"
    title = _sentence(lang, rng, 6).rstrip(".。 ")
    if "words" in spec and rng.random() < 0.4:
        title += f" \u201c{rng.choice(_vocab(spec))}\u201d"
    content = "\n\n".join([head, byline, *paras])
    return {"id": f"{rng.getrandbits(128):032x}", "title": title, "content": content, "tags": []}


def _replace(rec: dict[str, Any], start: int, end: int, new: str) -> dict[str, Any]:
    c = rec["content"]
    return {**rec, "content": c[:start] + new + c[end:]}


def _body_start(content: str) -> int:
    return content.index("\n\n", content.index("\n\n") + 2) + 2


def substantive(kind: str, lang: str, a: dict[str, Any], rng: random.Random) -> Pair | None:
    spec, c = _LANGS[lang], a["content"]
    body = _body_start(c)
    if kind == "word":
        if "chars" in spec:
            spots = list(re.finditer(f"[{spec['chars']}]", c[body:]))
            m = rng.choice(spots)
            new = rng.choice([x for x in spec["chars"] if x != m.group()])
        else:
            spots = list(re.finditer(r"[^\W\d_][\w\u200c]*", c[body:]))
            m = rng.choice(spots)
            new = rng.choice([w for w in _vocab(spec) if w.casefold() != m.group().casefold()])
        s, e = body + m.start(), body + m.end()
        return Pair(lang, kind, a, _replace(a, s, e, new), (s, e))
    if kind == "number":
        spots = list(re.finditer(r"\d+", c[body:]))
        if not spots:
            return None
        m = rng.choice(spots)
        s, e = body + m.start(), body + m.end()
        return Pair(
            lang, kind, a, _replace(a, s, e, str(int(m.group()) + rng.randint(1, 9))), (s, e)
        )
    if kind == "zwnj":
        zwnj = [m.start() for m in re.finditer("\u200c", c)]
        if not zwnj:
            return None
        s = rng.choice(zwnj)
        return Pair(lang, kind, a, _replace(a, s, s + 1, ""), (s, s + 1))
    if kind in {"sentence-added", "sentence-removed"}:
        pattern = r"[^ \n]+" if lang == "th" else r"[^.。\n]+[.。]"
        sents = [m for m in re.finditer(pattern, c[body:]) if len(m.group()) > 10]
        m = rng.choice(sents)
        s, e = body + m.start(), body + m.end()
        if kind == "sentence-removed":
            return Pair(lang, kind, a, _replace(a, s, e, ""), None)
        joiner = "" if lang in {"zh", "ja"} else " "
        new = _sentence(lang, rng, 10).strip()
        return Pair(lang, kind, a, _replace(a, e, e, joiner + new), None)
    if kind == "quote":
        spots = list(re.finditer("\u201c([^\u201d]+)\u201d", c))
        if not spots or "words" not in spec:
            return None
        m = rng.choice(spots)
        s, e = m.span(1)
        q = " ".join(rng.choices(_vocab(spec), k=4))
        return Pair(lang, kind, a, _replace(a, s, e, q), None)
    if kind == "byline":
        s = c.index("\n\n") + 2
        e = c.index("\n\n", s)
        name = rng.choice([n for n in [*spec["names"], "Sam Roe"] if not c[s:e].endswith(n)])
        return Pair(lang, kind, a, _replace(a, s, e, f"{spec['by']} {name}"), None)
    if kind == "notice":
        return Pair(lang, kind, a, {**a, "content": c + "\n\n" + spec["notice"]}, None)
    if kind == "headline":
        words = a["title"].split()
        if len(words) > 1:
            i = rng.randrange(len(words))
            words[i] = str(rng.randint(2, 99)) if not words[i].isdigit() else "1000"
            title = " ".join(words)
        else:
            title = a["title"][:-1] + ("一" if a["title"][-1] != "一" else "二")
        if rng.random() < 0.3:
            title = a["title"] + "?"  # punctuation that changes the meaning
        return Pair(lang, kind, a, {**a, "title": title}, None)
    raise AssertionError(kind)


def _style(text: str, table: dict[str, str]) -> str:
    return text.translate({ord(k): v for k, v in table.items()})


def noise(kind: str, lang: str, a: dict[str, Any], rng: random.Random) -> Pair | None:
    c = a["content"]
    if kind == "whitespace":
        new = re.sub(" ", lambda _: rng.choice([" ", " ", " ", "  ", "\u00a0"]), c)
        new = new.replace("\n\n", " \n\n")
    elif kind == "wrap":
        new = re.sub(" ", lambda _: "\n" if rng.random() < 0.12 else " ", c)
    elif kind == "nfd":
        new = unicodedata.normalize("NFD", c)
    elif kind == "quote-style":
        new = _style(c, {"\u201c": '"', "\u201d": '"'})
    elif kind == "dash-style":
        new = _style(c, {"\u2013": "-"})
    elif kind == "ignored-line":
        new = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), c, count=1)
    elif kind == "headline-cosmetic":
        title = unicodedata.normalize("NFD", a["title"])
        title = _style(title, {"\u201c": '"', "\u201d": '"'})
        if title == a["title"]:
            title = "  " + a["title"].replace(" ", "  ")
        return Pair(lang, kind, a, {**a, "title": title}, None)
    elif kind == "mixed":
        new = unicodedata.normalize("NFD", _style(c, {"\u201c": "\u00ab", "\u201d": "\u00bb"}))
        new = re.sub(" ", lambda _: "\n" if rng.random() < 0.1 else " ", new)
    else:
        raise AssertionError(kind)
    if new == c:
        return None
    return Pair(lang, kind, a, {**a, "content": new}, None)


def corpus(per_lang: int, seed: int) -> list[Pair]:
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for lang in _LANGS:
        for _ in range(per_lang):
            a = article(lang, rng, 300)
            for kind in SUBSTANTIVE_KINDS:
                p = substantive(kind, lang, a, rng)
                if p is not None:
                    pairs.append(p)
            for kind in NOISE_KINDS:
                p = noise(kind, lang, a, rng)
                if p is not None:
                    pairs.append(p)
    return pairs


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
        lang = "en" if i % 2 == 0 else rng.choice(list(_LANGS))
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
    result = {"pairs": len(pairs), **evaluate(pairs), "speed": perf(args.perf_pairs, args.seed)}
    (WORK / "history-results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
