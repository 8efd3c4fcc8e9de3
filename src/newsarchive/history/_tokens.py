"""Tokens for word-level diffs, and the keys under which cosmetic variants compare equal.

A text is cut into tokens that cover it exactly, so token offsets are code-point
offsets into the text: runs of whitespace; in scripts written without spaces
(Han, kana, Thai, Lao, Khmer, Myanmar) one grapheme per token (a base character
with its combining marks); elsewhere words (letters, digits, combining marks,
ZWNJ and ZWJ, which belong to the word they join); and any other character (with
its marks) on its own, such as punctuation.

The key of a token is what the diff compares: whitespace runs all share one key
(line wrapping, indentation, non-breaking spaces), other tokens are put in NFC
(canonical equivalence only: compatibility forms are real changes) and their
quote and dash characters mapped to one style each. Two texts whose keys are
equal differ only cosmetically.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache
from typing import Final

__all__ = [
    "DASH_CHARS",
    "NOSPACE",
    "QUOTE_CHARS",
    "WHITESPACE_KEY",
    "is_word",
    "key_of",
    "tokenize",
]

WHITESPACE_KEY: Final = " "

# Scripts written without spaces between words: one grapheme per token.
NOSPACE: Final = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b\u303c"  # ideographic iteration marks
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"  # CJK extensions B-G
)

# Quote and dash style: every variant maps to its ASCII form.
_STYLE: Final[dict[int, str]] = {
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2039\u203a\uff07"), "'"),
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02"), '"'),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"),
}
QUOTE_CHARS: Final = frozenset(chr(k) for k, v in _STYLE.items() if v != "-") | {"'", '"'}
DASH_CHARS: Final = frozenset(chr(k) for k, v in _STYLE.items() if v == "-") | {"-"}


def _mark_class(planes: tuple[tuple[int, int], ...]) -> str:
    """A character class body of every combining mark (Mn, Mc, Me) in `planes`."""
    ranges: list[tuple[int, int]] = []
    for lo, hi in planes:
        for cp in range(lo, hi):
            if unicodedata.category(chr(cp))[0] == "M":
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1] = (ranges[-1][0], cp)
                else:
                    ranges.append((cp, cp))
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


_BMP: Final = ((0, 0x10000),)
_ASTRAL: Final = ((0x10000, 0x30000), (0xE0000, 0xE1000))


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The reference cuts (token, nospace, grapheme), with every mark in one class."""
    marks = _mark_class(_BMP + _ASTRAL)
    token = re.compile(rf"\s+|[\w{marks}\u200c\u200d]+|[^\s][{marks}]*")
    nospace = re.compile(f"[{NOSPACE}]")
    grapheme = re.compile(rf"[{NOSPACE}][{marks}\u200c\u200d]*|[^{NOSPACE}]+")
    return token, nospace, grapheme


@cache
def _bmp_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """`_patterns()`'s token and grapheme cuts for text without astral characters.

    A class holding astral ranges is matched by scanning those ranges one by one, for
    every character it is tried on; without them the class is a lookup table. On text
    with no character beyond U+FFFF the astral marks cannot match, so these patterns
    cut exactly as the reference ones, about twice as fast.
    """
    marks = _mark_class(_BMP)
    token = re.compile(rf"\s+|[\w{marks}\u200c\u200d]+|[^\s][{marks}]*")
    grapheme = re.compile(rf"[{NOSPACE}][{marks}\u200c\u200d]*|[^{NOSPACE}]+")
    return token, grapheme


_ASCII_TOKEN: Final = re.compile(r"\s+|\w+|\S")  # the same cuts on ASCII text, 2x faster
_ASTRAL_CHAR: Final = re.compile("[\U00010000-\U0010ffff]")


def tokenize(text: str) -> list[str]:
    """Tokens covering `text` exactly: `"".join(tokenize(t)) == t`."""
    if text.isascii():
        return _ASCII_TOKEN.findall(text)
    full, nospace, grapheme = _patterns()
    token = full
    if not _ASTRAL_CHAR.search(text):
        token, grapheme = _bmp_patterns()
    tokens = token.findall(text)
    if not nospace.search(text):
        return tokens
    out: list[str] = []
    for tok in tokens:
        if nospace.search(tok):
            out.extend(grapheme.findall(tok))
        else:
            out.append(tok)
    return out


def key_of(token: str) -> str:
    """The comparison key: equal keys mean the tokens differ at most cosmetically."""
    if token.isspace():
        return WHITESPACE_KEY
    if not token.isascii():
        token = unicodedata.normalize("NFC", token).translate(_STYLE)
    return sys.intern(token)


def is_word(token: str) -> bool:
    """Whether a token counts as a word (for words added/removed): letters or digits."""
    return token[0].isalnum() or (len(token) > 1 and any(c.isalnum() for c in token))
