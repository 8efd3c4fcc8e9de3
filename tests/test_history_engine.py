"""Alignment internals: trimming the common ends, sliding insertions (history._engine)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsarchive.history._engine import raw_changes, trim
from newsarchive.history._tokens import tokenize
from tests.strategies import diff_tokens, text


def _check_trim(a: str, b: str) -> None:
    q, ra, rb = trim(a, b)
    assert 0 <= q <= ra <= len(a)
    assert q <= rb <= len(b)
    assert a[:q] == b[:q]
    assert a[ra:] == b[rb:]
    # The cuts are token boundaries: tokenizing the parts gives the whole's tokens.
    for t, r in ((a, ra), (b, rb)):
        assert tokenize(t[:q]) + tokenize(t[q:r]) + tokenize(t[r:]) == tokenize(t)


@given(text, text)
def test_trim_cuts_at_token_boundaries(a: str, b: str) -> None:
    _check_trim(a, b)


@given(diff_tokens(), st.data())
def test_trim_on_article_like_edits(pieces: list[str], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(pieces) - 1))
    new = data.draw(st.sampled_from(["x", " ", "\n\n", "storm.", ""]))
    a = "".join(pieces)
    b = "".join([*pieces[:i], new, *pieces[i + 1 :]])
    _check_trim(a, b)


def test_trim_keeps_only_the_differing_middle() -> None:
    a = "One two three. Four five six."
    b = "One two thre. Four five six."
    q, ra, rb = trim(a, b)
    assert (a[q:ra], b[q:rb]) == ("three. ", "thre. ")


def test_identical_texts_have_no_changes() -> None:
    assert raw_changes("same", "same") == []


def test_insertion_at_the_trimmed_end_still_slides_to_the_sentence() -> None:
    a = "Police said so.\n\nPolice left the scene."
    b = "Police said so.\n\nPolice arrived at noon.\n\nPolice left the scene."
    (c,) = raw_changes(a, b)
    assert c.b_text == "Police arrived at noon.\n\n"
