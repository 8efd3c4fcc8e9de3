"""The seeded corpus for bench/history.py: articles in ten languages, and pairs of them
with one injected change of known kind and place (substantive or noise only)."""

from __future__ import annotations

import random
import re
import unicodedata
from typing import Any, Final

import attrs

LANGS: Final[dict[str, dict[str, Any]]] = {
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
    spec = LANGS[lang]
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
    spec = LANGS[lang]
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
    spec, c = LANGS[lang], a["content"]
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
    for lang in LANGS:
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
