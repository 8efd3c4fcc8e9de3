"""A generated, seeded corpus with ground truth for the similarity benchmark.

Originals in six languages (English, French, Spanish, Russian, Persian,
Chinese), each on one of a few topics, so that unrelated articles on the same
topic share vocabulary and stock phrases but no text. Copies are made the way
copy networks make them: verbatim, a new headline, site boilerplate added,
paragraphs dropped or reordered, light rewording (synonyms), and machine-
translation-like substitution (function words swapped, content words
replaced, neighbours transposed), alone or combined; half the Persian copies
are also retyped on an Arabic keyboard (no ZWNJ, Arabic yeh and kaf, a few
harakat), which changes no word. Some stories are also
told independently by another outlet, on the same topic and quoting one
sentence of the original: those must not match. Each copy records the
share of the original's text it keeps (`shared`: the original body's words
that are still in the copy, unchanged; the headline is not counted).

Times: originals are published first; each copy is published after its
original (minutes to days) and captured after its own publication. Some
copies state no publication time (their capture time is all there is), and
some originals state none either (those clusters do not count for the
"origin right" score, as their origin cannot be known from the records).
Nothing here is committed data: the corpus is made by this code.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import attrs

T0 = datetime(2024, 1, 1, tzinfo=UTC)

_FUNCTION_TEXT = {
    "en": "the of and to in a is that for on was with as by at from it said has are be",
    "fr": "le la les de des et à en un une est que pour dans sur par il a été qui au",
    "es": "el la los de y en a que un una es por para con se del al lo como su",
    "ru": "и в не на что с по как это он к но из у за от для же о так",  # noqa: RUF001
    "fa": "و در به از که این را با است برای آن یک می‌شود شد بود تا هم نیز اما",
    "zh": " ".join("的了在是和有这也为就与对中上说不到"),
}
_ALT_TEXT = {  # what an MT-like rewrite puts instead of a function word
    "en": "this into about whilst upon an were toward onto",
    "fr": "ce cette aux du vers ainsi lors dont",
    "es": "este esta hacia sobre desde cuando donde",
    "ru": "а ли бы до при под над",  # noqa: RUF001
    "fa": "چون ولی نیز همان همین چنین",
    "zh": " ".join("其所被将从以而"),
}
_FUNCTION = {k: v.split() for k, v in _FUNCTION_TEXT.items()}
_ALT = {k: v.split() for k, v in _ALT_TEXT.items()}
_LETTERS = {
    "en": ("bcdfghklmnprstvw", "aeiou"),
    "fr": ("bcdfglmnprstv", "aeiouéèâ"),
    "es": ("bcdfglmnprstvñ", "aeiouáó"),
    "ru": ("бвгдзклмнпрстф", "аеиоуыя"),
    "fa": ("بپتجدرزسشفکگلمنوه", "اوی"),
}
_HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
LANGS = tuple(_FUNCTION)


def _word(rng: random.Random, lang: str) -> str:
    if lang == "zh":
        return "".join(rng.choices(_HAN, k=rng.choice((1, 2, 2, 2, 3))))
    cons, vows = _LETTERS[lang]
    word = "".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randint(1, 4)))
    if lang == "fa" and rng.random() < 0.1:
        word = "می\u200c" + word  # the verbal prefix, joined by a ZWNJ
    return word


@attrs.frozen
class Language:
    code: str
    vocab: tuple[str, ...]
    cum_weights: tuple[float, ...]
    topics: tuple[tuple[str, ...], ...]
    synonym: dict[str, str]


def language(rng: random.Random, code: str, n_vocab: int = 6000, n_topics: int = 6) -> Language:
    vocab = tuple(dict.fromkeys(_word(rng, code) for _ in range(n_vocab)))
    weights = (1.0 / (i + 1) ** 0.9 for i in range(len(vocab)))  # Zipf-like
    cum_weights = tuple(itertools.accumulate(weights))
    topics = tuple(tuple(rng.sample(vocab, 40)) for _ in range(n_topics))
    synonym = {w: _word(rng, code) for w in vocab}
    return Language(code, vocab, cum_weights, topics, synonym)


@attrs.frozen
class Doc:
    key: str
    lang: str
    group: str  # the original's key: the ground-truth cluster
    kind: str  # "original" or the transforms applied, joined by "+"
    shared: float  # share of the original's text kept (1.0 for originals)
    canonical_url: str
    published_at: datetime | None
    retrieved_at: datetime
    text: str


def _sentence(rng: random.Random, lang: Language, topic: tuple[str, ...]) -> list[str]:
    n = rng.randint(12, 22)
    general = rng.choices(lang.vocab, cum_weights=lang.cum_weights, k=n)
    out: list[str] = []
    for g in general:
        r = rng.random()
        if r < 0.35:
            out.append(rng.choice(_FUNCTION[lang.code]))
        elif r < 0.55:
            out.append(rng.choice(topic))
        else:
            out.append(g)
    return out


def _join(lang: str, words: list[str], end: str = ".") -> str:
    if lang == "zh":
        return "".join(words) + "。"
    return " ".join(words).capitalize() + end


def original_paragraphs(rng: random.Random, lang: Language, topic: int) -> list[list[str]]:
    """A headline (first) and about 600 words in 6 paragraphs, as lists of sentences."""
    t = lang.topics[topic]
    headline = [_join(lang.code, _sentence(rng, lang, t)[:9], "")]
    body = [[_join(lang.code, _sentence(rng, lang, t)) for _ in range(6)] for _ in range(6)]
    return [headline, *body]


def _text(paragraphs: list[list[str]], lang: str) -> str:
    sep = "" if lang == "zh" else " "
    return "\n\n".join(sep.join(p) for p in paragraphs)


def _substitute(
    rng: random.Random, lang: Language, sentence: str, rate: float, mt: bool
) -> tuple[str, int]:
    """The sentence with words substituted, and how many of its words stayed unchanged."""
    zh = lang.code == "zh"
    words = list(sentence.rstrip("。.")) if zh else sentence.rstrip(".").split(" ")
    before = list(words)
    for i, w in enumerate(words):
        if rng.random() < rate:
            base = w.lower()
            words[i] = lang.synonym.get(base) or _word(rng, lang.code)
        elif mt and w in _FUNCTION[lang.code] and rng.random() < 0.3:
            words[i] = rng.choice(_ALT[lang.code])
    if mt:
        for i in range(len(words) - 1):
            if rng.random() < 0.04:
                words[i], words[i + 1] = words[i + 1], words[i]
    same = sum(a == b for a, b in zip(before, words, strict=True))
    return _join(lang.code, words), same


def _units(lang: str, sentence: str) -> int:
    return len(sentence.rstrip("。.")) if lang == "zh" else len(sentence.split(" "))


TRANSFORMS = ("verbatim", "headline", "boilerplate", "drop", "reorder", "reword", "mt")


def make_copy(
    rng: random.Random, lang: Language, paragraphs: list[list[str]], kinds: list[str]
) -> tuple[str, float]:
    body = [list(p) for p in paragraphs[1:]]
    total = sum(_units(lang.code, x) for p in body for x in p)
    headline = paragraphs[0]
    if "headline" in kinds:
        headline = [_join(lang.code, _sentence(rng, lang, lang.topics[0])[:8], "")]
    if "drop" in kinds:
        keep = rng.randint(2, 5)
        idx = sorted(rng.sample(range(len(body)), keep))
        body = [body[i] for i in idx]
    kept = sum(_units(lang.code, x) for p in body for x in p)
    if "reorder" in kinds:
        rng.shuffle(body)
    if "reword" in kinds or "mt" in kinds:
        rate = rng.uniform(0.04, 0.12) if "reword" in kinds else rng.uniform(0.08, 0.2)
        done = [[_substitute(rng, lang, x, rate, "mt" in kinds) for x in p] for p in body]
        body = [[x for x, _ in p] for p in done]
        kept = sum(same for p in done for _, same in p)
    out = [headline, *body]
    if "boilerplate" in kinds:
        out.insert(0, [_join(lang.code, _sentence(rng, lang, lang.topics[-1]))])
        out.append([_join(lang.code, _sentence(rng, lang, lang.topics[-1])) for _ in range(3)])
    text = _text(out, lang.code)
    if lang.code == "fa" and rng.random() < 0.5:
        text = _arabic_keyboard(rng, text)
    return text, kept / total


def _arabic_keyboard(rng: random.Random, text: str) -> str:
    """The same Persian words as typed elsewhere: no ZWNJ, Arabic yeh and kaf, some harakat."""
    text = text.replace("\u200c", "").replace("ی", "ي").replace("ک", "ك")
    return "".join(c + "\u064e" if c.isalpha() and rng.random() < 0.05 else c for c in text)


def corpus(originals: int, seed: int = 15) -> list[Doc]:
    """`originals` originals (spread over the languages) with 0-6 copies each."""
    rng = random.Random(seed)
    langs = {code: language(rng, code) for code in LANGS}
    sources = [f"state-{i}.example" for i in range(8)]
    mirrors = [f"mirror-{i}.example" for i in range(40)]
    docs: list[Doc] = []
    for i in range(originals):
        lang = langs[LANGS[i % len(LANGS)]]
        topic = rng.randrange(len(lang.topics) - 1)
        paragraphs = original_paragraphs(rng, lang, topic)
        key = f"{lang.code}-{i:05d}"
        published = T0 + timedelta(hours=rng.uniform(0, 24 * 60))
        stated = published if rng.random() < 0.9 else None
        lag = timedelta(minutes=rng.uniform(1, 600))
        docs.append(
            Doc(
                key,
                lang.code,
                key,
                "original",
                1.0,
                f"https://{rng.choice(sources)}/{lang.code}/{i}",
                stated,
                published + lag,
                _text(paragraphs, lang.code),
            )
        )
        if rng.random() < 0.3:  # the same story told by another outlet: one shared quote
            own = original_paragraphs(rng, lang, topic)
            own[2][rng.randrange(6)] = rng.choice(paragraphs[1 + rng.randrange(6)])
            docs.append(
                Doc(
                    f"{key}-story",
                    lang.code,
                    f"{key}-story",
                    "original",
                    1.0,
                    f"https://{rng.choice(sources)}/{lang.code}/{i}-story",
                    published + timedelta(hours=1),
                    published + timedelta(hours=2),
                    _text(own, lang.code),
                )
            )
        for j, site in enumerate(rng.sample(mirrors, rng.choice((0, 0, 1, 2, 3, 4, 6)))):
            kinds = rng.sample(TRANSFORMS, rng.choice((1, 1, 2, 2, 3)))
            text, shared = make_copy(rng, lang, paragraphs, kinds)
            copy_published = published + timedelta(minutes=rng.lognormvariate(5, 1.5))
            docs.append(
                Doc(
                    f"{key}-c{j}",
                    lang.code,
                    key,
                    "+".join(sorted(kinds)),
                    shared,
                    f"https://{site}/{i}-{j}",
                    copy_published if rng.random() < 0.85 else None,
                    copy_published + timedelta(minutes=rng.uniform(1, 4000)),
                    text,
                )
            )
    return docs


def filler(n: int, seed: int = 99) -> list[str]:
    """`n` unrelated ~600-word English articles, for speed and index-size runs."""
    rng = random.Random(seed)
    lang = language(rng, "en", n_vocab=20000, n_topics=1)
    vocab = list(_FUNCTION["en"]) + list(lang.vocab)  # function words ~35% of the text
    cum = list(
        itertools.accumulate(
            [0.75] * len(_FUNCTION["en"]) + [1.0 / (i + 1) ** 0.9 for i in range(len(lang.vocab))]
        )
    )
    out = []
    for _ in range(n):
        words = rng.choices(vocab, cum_weights=cum, k=600)
        for i in range(14, 600, 15):
            words[i] += "."
        out.append(" ".join(words))
    return out
