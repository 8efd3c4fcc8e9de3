"""Folding text for search only: what the full-text index sees, never what is stored.

`fold(text)` is applied to the content and title before they are indexed and
to every query, so the two always agree:

- NFKC, then case folding (`Straße` finds `STRASSE`, full-width letters find
  ASCII);
- Arabic-script harakat (U+064B to U+065F, U+0670) and the tatweel (U+0640)
  removed, so a query without vowel marks finds a text with them; and the
  zero-width non-joiner, joiner and space and the soft hyphen removed, so the
  Persian کتاب‌خانه (with a ZWNJ) is the word کتابخانه, as it is often typed;
- every character of a script written without spaces between words (Han,
  Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) becomes a word of its own,
  so a phrase of such characters is found inside a longer run.

SQLite's tokenizer then splits words at anything that is not a letter,
number or mark and removes Latin diacritics (`cafe` finds `café`).
`fold_with_offsets` also returns, for each folded character, where it came
from in the original, so a snippet can be cut from the stored text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["fold", "fold_with_offsets"]

_DROP: Final = frozenset({0x00AD, 0x0640, 0x0670, 0x200B, 0x200C, 0x200D, *range(0x064B, 0x0660)})
_UNSPACED: Final = re.compile(
    "[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]"
)


def _fold_char(c: str) -> str:
    if ord(c) in _DROP:
        return ""
    out = unicodedata.normalize("NFKC", c).casefold()
    if _UNSPACED.match(c):
        return f" {out} "
    return out


def fold(text: str) -> str:
    """`text` as the index sees it (see the module docstring)."""
    if text.isascii():
        return text.lower()  # the common case, and the same result
    return "".join(_fold_char(c) for c in text)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """`fold(text)`, character by character, and each folded character's index in `text`."""
    parts: list[str] = []
    origin: list[int] = []
    for i, c in enumerate(text):
        folded = c.lower() if c.isascii() else _fold_char(c)
        parts.append(folded)
        origin.extend([i] * len(folded))
    return "".join(parts), origin
