"""The word-level diff of two texts: token keys aligned, then every difference located.

Tokens (`_tokens`) are mapped to their keys and each distinct key to one
character, so the aligner compares two strings of "one character per token".
Runs the aligner calls equal can still differ character for character
(cosmetically): those become cosmetic changes. Inserted, deleted or replaced
runs are substantive unless they are whitespace only. Every change carries its
exact code-point offsets in both texts; applying all of them to A gives B.
"""

from __future__ import annotations

import re
import sys
from itertools import accumulate
from typing import TYPE_CHECKING, Final

import fast_diff_match_patch as fdmp

from newsarchive.history._model import Change, ChangeKind, Op
from newsarchive.history._rules import DiffError
from newsarchive.history._tokens import (
    DASH_CHARS,
    QUOTE_CHARS,
    WHITESPACE_KEY,
    is_word,
    key_of,
    tokenize,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Span", "align", "apply_changes", "raw_changes", "slide"]

# (tag, i1, i2, j1, j2): token index ranges in A and B, tags as in difflib
Span = tuple[str, int, int, int, int]
Side = tuple[str, "Sequence[int]"]  # a text and the text offset of each token boundary

_CLEANUP: Final = "Semantic"
_FIRST_CODE: Final = 0x100
_SURROGATES: Final = range(0xD800, 0xE000)


class _Codes(dict[str, str]):
    """Token -> one character standing for its key; tokens with equal keys share it."""

    def __init__(self) -> None:
        super().__init__()
        self.by_key: dict[str, str] = {}

    def __missing__(self, token: str) -> str:
        key = key_of(token)
        code = self.by_key.get(key)
        if code is None:
            n = _FIRST_CODE + len(self.by_key)
            if n >= _SURROGATES.start:
                n += len(_SURROGATES)
            if n > sys.maxunicode:
                raise DiffError(
                    "the texts hold too many distinct words to compare", code="too-large"
                )
            code = self.by_key[key] = chr(n)
        self[token] = code
        return code


def align(sa: str, sb: str) -> list[Span]:
    """Opcodes (tag, i1, i2, j1, j2) aligning two token strings, tags as in difflib.

    Myers' O(ND) diff as diff-match-patch implements it (the C++ build), with no time
    limit, so the result is minimal and does not depend on the machine's speed.
    """
    out: list[Span] = []
    i = j = 0
    di = dj = 0

    def flush() -> None:
        if di or dj:
            tag = "replace" if di and dj else ("delete" if di else "insert")
            out.append((tag, i - di, i, j - dj, j))

    for op, n in fdmp.diff(sa, sb, timelimit=0, checklines=False, cleanup=_CLEANUP):
        if op == "=":
            flush()
            di = dj = 0
            out.append(("equal", i, i + n, j, j + n))
            i += n
            j += n
        elif op == "-":
            i += n
            di += n
        else:
            j += n
            dj += n
    flush()
    return out


_ENDS: Final = frozenset(".!?\u3002\uff01\uff1f\u061f\u06d4")


def _ends_sentence(c: str) -> bool:
    return c in _ENDS or "\u0e00" <= c <= "\u0e7f"  # Thai: a space ends a sentence


def _boundary(text: str, o: int) -> int:
    """How well offset o separates text: edge 4, line break 3, sentence 2, word 1."""
    if o in {0, len(text)}:
        return 4
    if text[o - 1].isspace():
        j = o - 1
        while j > 0 and text[j - 1].isspace():
            j -= 1
        run, before = text[j:o], text[j - 1] if j else ""
    elif text[o].isspace():
        k = o + 1
        while k < len(text) and text[k].isspace():
            k += 1
        run, before = text[o:k], text[o - 1]
    else:
        return 0
    if "\n" in run:
        return 3
    return 2 if before and _ends_sentence(before) else 1


def slide(spans: list[Span], sa: str, sb: str, a: Side, b: Side) -> list[Span]:
    """Slide each pure insertion or deletion to where it reads best.

    "said." -> "said. More." aligns as "said[. More]." or "said.[ More.]": both are
    minimal; of all the places the equal neighbours allow, the one whose two ends
    fall best on line and sentence boundaries of the text wins, the rightmost on
    ties (as git slides). `sa`/`sb` encode the tokens; `a`/`b` give each side's text
    and the text offset of each token boundary.
    """
    tags = ["equal", *(s[0] for s in spans), "equal"]
    na, nb = len(sa), len(sb)
    pos = [[0, 0, 0, 0], *([i1, i2, j1, j2] for _, i1, i2, j1, j2 in spans), [na, na, nb, nb]]
    for n in range(1, len(tags) - 1):
        if tags[n] not in {"insert", "delete"} or tags[n - 1] != "equal" or tags[n + 1] != "equal":
            continue
        i1, i2, j1, j2 = pos[n]
        prev, nxt = pos[n - 1], pos[n + 1]
        ins = tags[n] == "insert"
        seq, (text, offsets), lo, hi = (sb, b, j1, j2) if ins else (sa, a, i1, i2)
        first, last = (prev[2], nxt[3]) if ins else (prev[0], nxt[1])
        left = 0
        while lo - left > first and seq[lo - left - 1] == seq[hi - left - 1]:
            left += 1
        right = 0
        while hi + right < last and seq[lo + right] == seq[hi + right]:
            right += 1
        if not (left or right):
            continue
        k = max(
            range(-left, right + 1),
            key=lambda k: (
                _boundary(text, offsets[lo + k]) + _boundary(text, offsets[hi + k]),
                k,
            ),
        )
        prev[1] += k
        prev[3] += k
        pos[n] = [i1 + k, i2 + k, j1 + k, j2 + k]
        nxt[0] += k
        nxt[2] += k
    return [
        (t, i1, i2, j1, j2)
        for t, (i1, i2, j1, j2) in zip(tags, pos, strict=True)
        if i1 != i2 or j1 != j2
    ]


def _cosmetic_reasons(pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    reasons: set[str] = set()
    for x, y in pairs:
        if x.isspace() or y.isspace():
            reasons.add("line-wrap" if ("\n" in x) != ("\n" in y) else "whitespace")
            continue
        if len(x) == len(y) and all(
            p == q
            or (p in QUOTE_CHARS and q in QUOTE_CHARS)
            or (p in DASH_CHARS and q in DASH_CHARS)
            for p, q in zip(x, y, strict=True)
        ):
            if any(p != q and p in QUOTE_CHARS for p, q in zip(x, y, strict=True)):
                reasons.add("quote-style")
            if any(p != q and p in DASH_CHARS for p, q in zip(x, y, strict=True)):
                reasons.add("dash-style")
        else:
            reasons.add("unicode-canonical")
    return tuple(sorted(reasons))


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # bisection over C-speed slice comparisons
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _word_start_before(text: str, p: int) -> int:
    """The last q < p where whitespace ends and a word begins (a token boundary), else 0."""
    if p < 2:
        return 0
    i = max(text.rfind(" ", 0, p - 1), text.rfind("\n", 0, p - 1))
    while i >= 0 and text[i + 1].isspace():
        i = max(text.rfind(" ", 0, i), text.rfind("\n", 0, i))
    return i + 1


def _word_start_after(text: str, p: int) -> int:
    """The first r > p where whitespace ends and a word begins, else len(text)."""
    n = len(text)
    for sep in _SEPARATORS.finditer(text, p + 1):
        if sep.end() < n:
            return sep.end()
    return n


_SEPARATORS: Final = re.compile(r"\s+")


def trim(a: str, b: str) -> tuple[int, int, int]:
    """Cut points (q, ra, rb): a[:q] == b[:q] and a[ra:] == b[rb:], all at token boundaries,
    so only a[q:ra] and b[q:rb] need tokenizing. Whitespace then a non-space character
    is a token boundary in any text."""
    q = _word_start_before(a, _common_prefix(a, b))
    s = _common_prefix(a[q:][::-1], b[q:][::-1])
    ra = _word_start_after(a, len(a) - s)
    return q, ra, ra - len(a) + len(b)


def raw_changes(a: str, b: str) -> list[Change]:
    """Every difference between `a` and `b`, cosmetic ones included, without labels."""
    if a == b:
        return []
    q, ra, rb = trim(a, b)
    ta, tb = tokenize(a[q:ra]), tokenize(b[q:rb])
    oa = [*accumulate(map(len, ta), initial=q)]
    ob = [*accumulate(map(len, tb), initial=q)]
    codes = _Codes()
    sa = "".join(map(codes.__getitem__, ta))
    sb = "".join(map(codes.__getitem__, tb))
    spans = slide(align(sa, sb), sa, sb, (a, oa), (b, ob))
    ws = codes.by_key.get(WHITESPACE_KEY)
    out: list[Change] = []

    def add(
        op: Op, i1: int, i2: int, j1: int, j2: int, kind: ChangeKind, reasons: tuple[str, ...]
    ) -> None:
        a0, a1, b0, b1 = oa[i1], oa[i2], ob[j1], ob[j2]
        added = removed = 0
        if kind == "substantive":
            removed = sum(1 for t in ta[i1:i2] if is_word(t))
            added = sum(1 for t in tb[j1:j2] if is_word(t))
        out.append(
            Change(op, a0, a1, b0, b1, a[a0:a1], b[b0:b1], kind, reasons, (), added, removed)
        )

    for tag, i1, i2, j1, j2 in spans:
        if tag == "equal":
            if a[oa[i1] : oa[i2]] == b[ob[j1] : ob[j2]]:
                continue
            k = 0
            n = i2 - i1
            while k < n:
                if ta[i1 + k] == tb[j1 + k]:
                    k += 1
                    continue
                start = k
                while k < n and ta[i1 + k] != tb[j1 + k]:
                    k += 1
                pairs = list(zip(ta[i1 + start : i1 + k], tb[j1 + start : j1 + k], strict=True))
                add(
                    "replace",
                    i1 + start,
                    i1 + k,
                    j1 + start,
                    j1 + k,
                    "cosmetic",
                    _cosmetic_reasons(pairs),
                )
            continue
        op: Op = tag  # type: ignore[assignment]
        if all(c == ws for c in sa[i1:i2]) and all(c == ws for c in sb[j1:j2]):
            add(op, i1, i2, j1, j2, "cosmetic", ("whitespace",))
        else:
            add(op, i1, i2, j1, j2, "substantive", ())
    return _merge(out, a, b)


def _merge(changes: list[Change], a: str, b: str) -> list[Change]:
    """Join substantive changes separated only by one run of unchanged whitespace."""
    out: list[Change] = []
    for c in changes:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == c.kind == "substantive"
            and c.a_start - prev.a_end == c.b_start - prev.b_end
            and a[prev.a_end : c.a_start].isspace()
            and a[prev.a_end : c.a_start] == b[prev.b_end : c.b_start]
        ):
            a0, a1, b0, b1 = prev.a_start, c.a_end, prev.b_start, c.b_end
            out[-1] = Change(
                "replace" if (a0 < a1 and b0 < b1) else prev.op,
                a0,
                a1,
                b0,
                b1,
                a[a0:a1],
                b[b0:b1],
                "substantive",
                (),
                (),
                prev.words_added + c.words_added,
                prev.words_removed + c.words_removed,
            )
        else:
            out.append(c)
    return out


def apply_changes(a: str, changes: Sequence[Change]) -> str:
    """Apply changes (in order, as a diff lists them) to `a`: gives the diff's `b`."""
    parts: list[str] = []
    pos = 0
    for c in changes:
        parts.append(a[pos : c.a_start])
        parts.append(c.b_text)
        pos = c.a_end
    parts.append(a[pos:])
    return "".join(parts)
