"""Similarity-only text normalization and tokenization.

Never applied to stored content: it only decides which texts count as "the same
words". Steps, in order (NORMALIZATION_VERSION names this exact list):

1. NFKD (compatibility decomposition: full-width forms, ligatures, superscripts
   fold to their plain letters; accented letters split into letter + mark).
2. Case folding (`str.casefold`: "Straße" and "STRASSE" match).
3. Removed: combining diacritics of Latin, Greek and Cyrillic (U+0300-U+036F),
   Hebrew points, Arabic harakat, Quranic marks and the superscript alef, the
   Arabic tatweel (kashida, U+0640), zero-width joiner/non-joiner (U+200C,
   U+200D), soft hyphen and BOM/zero-width space. Marks of other scripts
   (Devanagari vowel signs, Thai tone marks, ...) are letters of their words
   and are kept.
   Persian: ZWNJ (nim-fasele) is removed, so "می‌خواهم" written with ZWNJ and
   "میخواهم" written without it are one token; a copy that writes a plain
   space there differs by one token.
4. Arabic and Persian keyboard variants fold together: Arabic yeh and alef
   maksura to Persian yeh (ی), Arabic kaf to Persian keheh (ک); Arabic-Indic
   and Persian digits to ASCII digits.
5. NFC recomposes what is left (Hangul syllables, Indic clusters).
6. Every character of Unicode category P* (punctuation), S* (symbols),
   Z* (separators), Cc (controls) or Cf (format) separates words, as does
   whitespace; unassigned and private-use characters are letters. Categories
   come from the running Python's Unicode database (characters added in later
   Unicode versions may split differently on older Pythons).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Final

__all__ = ["NORMALIZATION_VERSION", "is_spaceless", "normalize", "words"]

#: Bumped whenever the steps above change: signatures record it (see _minhash).
NORMALIZATION_VERSION: Final = 1

_MARKS: Final = (
    "\u0300-\u036f"  # combining diacritical marks (Latin, Greek, Cyrillic accents)
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"  # Hebrew points and cantillation
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"  # Arabic
    "\u0640"  # Arabic tatweel
    "\u00ad\u200b-\u200d\u2060\ufeff"  # soft hyphen, ZWSP, ZWNJ, ZWJ, word joiner, BOM
)
_DROP: Final = re.compile(f"[{_MARKS}]+")
_FOLD: Final = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> keheh
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
    }
)

# Scripts written without spaces between words: Han (with its extensions and
# compatibility ideographs), Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan.
_SPACELESS: Final = (
    "\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_SPACELESS_RE: Final = re.compile(f"[{_SPACELESS}]")
# ASCII fast path: letters lowercased, digits kept, everything else a space.
_ASCII_TABLE: Final = bytes(
    (c | 0x20 if chr(c).isalpha() else c) if c < 128 and chr(c).isalnum() else 0x20
    for c in range(256)
)


def _separator_ranges(lo: int, hi: int) -> str:
    """A regex class body of the code points in [lo, hi) of categories P, S, Z, Cc, Cf."""
    ranges: list[str] = []
    start = -1
    for cp in range(lo, hi + 1):
        sep = cp < hi and _is_separator(unicodedata.category(chr(cp)))
        if sep and start < 0:
            start = cp
        elif not sep and start >= 0:
            end = cp - 1
            ranges.append(_esc(start) if start == end else f"{_esc(start)}-{_esc(end)}")
            start = -1
    return "".join(ranges)


def _is_separator(category: str) -> bool:
    return category[0] in "PSZ" or category in {"Cc", "Cf"}


def _esc(cp: int) -> str:
    return f"\\U{cp:08x}"


@cache
def _word_re() -> re.Pattern[str]:
    """Runs of non-separators; built once per process (about 30 ms).

    The class holds only the Basic Multilingual Plane, which `re` matches with
    a lookup table; separators above it (emoji, rare symbols) are replaced by
    spaces first, only in texts that have such characters at all.
    """
    return re.compile(f"[^\\s{_separator_ranges(0, 0x10000)}]+")


@cache
def _astral_separators() -> re.Pattern[str]:
    return re.compile(f"[{_separator_ranges(0x10000, 0x20000)}\\U000e0000-\\U000e007f]")


_ASTRAL: Final = re.compile("[\\U00010000-\\U0010ffff]")
_NEEDS_FOLD: Final = re.compile("[\\u0643\\u0649\\u064a\\u0660-\\u0669\\u06f0-\\u06f9]")


def normalize(text: str) -> str:
    """The text as similarity sees it: steps 1-5 of the module docstring."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text).casefold()
    text = _DROP.sub("", text)
    if _NEEDS_FOLD.search(text):
        text = text.translate(_FOLD)
    return unicodedata.normalize("NFC", text)


def words(text: str) -> list[str]:
    """The normalized words of `text`, split at every separator (step 6)."""
    if text.isascii():
        return text.encode().translate(_ASCII_TABLE).decode().split()
    text = normalize(text)
    if _ASTRAL.search(text):
        text = _astral_separators().sub(" ", text)
    return _word_re().findall(text)


def is_spaceless(words_: list[str]) -> bool:
    """True when most letters of the words are in a script written without spaces.

    "Most" is more than half of the characters: a Chinese article quoting a
    few English names is still Chinese; an English article quoting a Chinese
    name is not.
    """
    joined = "".join(words_)
    if joined.isascii():
        return False
    return len(_SPACELESS_RE.findall(joined)) * 2 > len(joined)
