"""Alignment internals: trimming the common ends, sliding insertions (history._engine)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsarchive.history._engine import (
    _boundary,
    _merge,
    _word_start_after,
    _word_start_before,
    apply_changes,
    raw_changes,
    trim,
)
from newsarchive.history._model import Change
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


# -- offsets (issue 16): what _merge joins, and the exact offsets it gives -----------------


def _change(
    a: str, b: str, span: tuple[int, int, int, int], kind: str = "substantive", words: int = 1
) -> Change:
    a0, a1, b0, b1 = span
    op = "replace" if a0 < a1 and b0 < b1 else ("delete" if a0 < a1 else "insert")
    return Change(op, a0, a1, b0, b1, a[a0:a1], b[b0:b1], kind, (), (), words, words)  # type: ignore[arg-type]


def test_substantive_changes_one_unchanged_space_apart_are_joined() -> None:
    a, b = "x red big y", "x blue small y"
    first, second = _change(a, b, (2, 5, 2, 6)), _change(a, b, (6, 9, 7, 12), words=2)
    (joined,) = _merge([first, second], a, b)
    assert joined == Change(
        "replace", 2, 9, 2, 12, "red big", "blue small", "substantive", (), (), 3, 3
    )
    assert apply_changes(a, [joined]) == b


def test_joining_goes_on_along_a_run_of_changes() -> None:
    a, b = "a b c d", "w x y d"
    changes = [_change(a, b, (i, i + 1, i, i + 1)) for i in (0, 2, 4)]
    (joined,) = _merge(changes, a, b)
    assert (joined.a_start, joined.a_end, joined.b_start, joined.b_end) == (0, 5, 0, 5)
    assert (joined.a_text, joined.b_text, joined.words_added) == ("a b c", "w x y", 3)


def test_two_deletions_joined_are_a_replace_by_the_space_between() -> None:
    a, b = "k one two k", "k   k"
    deletions = [_change(a, b, (2, 5, 2, 2)), _change(a, b, (6, 9, 3, 3))]
    (joined,) = _merge(deletions, a, b)
    assert (joined.op, joined.a_text, joined.b_text) == ("replace", "one two", " ")
    assert (joined.a_start, joined.a_end, joined.b_start, joined.b_end) == (2, 9, 2, 3)
    assert apply_changes(a, [joined]) == b


@pytest.mark.parametrize(
    ("a", "b", "spans"),
    [
        ("x a b y", "x c d y", [(2, 3, 2, 3), (4, 5, 4, 5)]),  # joined (control case)
        ("x a-b y", "x c-d y", [(2, 3, 2, 3), (4, 5, 4, 5)]),  # a word between, not a space
        ("x a b y", "x c\nd y", [(2, 3, 2, 3), (4, 5, 4, 5)]),  # the space itself changed
        ("x a b y", "x c  d y", [(2, 3, 2, 3), (4, 5, 5, 6)]),  # ... or its length
        ("x ab y", "x cd y", [(2, 3, 2, 3), (3, 4, 3, 4)]),  # nothing between
    ],
)
def test_only_one_unchanged_whitespace_run_joins(
    a: str, b: str, spans: list[tuple[int, int, int, int]]
) -> None:
    changes = [_change(a, b, s) for s in spans]
    merged = _merge(changes, a, b)
    assert len(merged) == (1 if a == "x a b y" and b == "x c d y" else 2)


def test_cosmetic_changes_are_never_joined() -> None:
    a, b = "x a b y", "x c d y"
    for kinds in (("cosmetic", "substantive"), ("substantive", "cosmetic"), ("cosmetic",) * 2):
        changes = [
            _change(a, b, (2, 3, 2, 3), kinds[0]),
            _change(a, b, (4, 5, 4, 5), kinds[1]),
        ]
        assert _merge(changes, a, b) == changes


def test_apply_changes_splices_every_change_in_order() -> None:
    a = "one two three four"
    changes = [
        Change("replace", 0, 3, 0, 3, "one", "ONE", "substantive", (), (), 1, 1),
        Change("delete", 8, 14, 8, 8, "three ", "", "substantive", (), (), 0, 1),
        Change("insert", 18, 18, 12, 17, "", " five", "substantive", (), (), 1, 0),
    ]
    assert apply_changes(a, changes) == "ONE two four five"
    assert apply_changes(a, []) == a


def test_a_deletion_and_an_insertion_one_space_run_apart_are_one_change() -> None:
    # found by a random search: the aligner leaves the space run between them equal
    a, b = ".   ", "   ee"
    assert raw_changes(a, b) == [
        Change("replace", 0, 4, 0, 5, ".   ", "   ee", "substantive", (), (), 1, 0)
    ]


def test_cosmetic_changes_count_no_words_and_carry_no_labels() -> None:
    assert raw_changes("one two", "one\ntwo") == [
        Change("replace", 3, 4, 3, 4, " ", "\n", "cosmetic", ("line-wrap",), (), 0, 0)
    ]
    assert raw_changes("one  two", "one two") == [
        Change("replace", 3, 5, 3, 4, "  ", " ", "cosmetic", ("whitespace",), (), 0, 0)
    ]
    assert raw_changes('say "hi"', "say \u201chi\u201d") == [
        Change("replace", 4, 5, 4, 5, '"', "\u201c", "cosmetic", ("quote-style",), (), 0, 0),
        Change("replace", 7, 8, 7, 8, '"', "\u201d", "cosmetic", ("quote-style",), (), 0, 0),
    ]


def test_a_cosmetic_run_names_every_reason_in_it() -> None:
    assert raw_changes("one\ntwo", "one two")[0].reasons == ("line-wrap",)
    (change,) = raw_changes('a "b"', 'a\n\u201cb"')
    assert (change.a_text, change.b_text) == (' "', "\n\u201c")
    assert change.reasons == ("line-wrap", "quote-style")
    dash, quote = raw_changes('a - "b"', 'a \u2014 \u201cb"')
    assert (dash.reasons, quote.reasons) == (("dash-style",), ("quote-style",))


def test_inserted_whitespace_alone_is_a_cosmetic_insertion() -> None:
    assert raw_changes("a.b", "a. b") == [
        Change("insert", 2, 2, 2, 3, "", " ", "cosmetic", ("whitespace",), (), 0, 0)
    ]
    assert raw_changes("a. b", "a.b") == [
        Change("delete", 2, 3, 2, 2, " ", "", "cosmetic", ("whitespace",), (), 0, 0)
    ]


def test_a_substantive_change_has_no_reasons_or_labels_yet() -> None:
    assert raw_changes("a b", "a b c") == [
        Change("insert", 3, 3, 3, 5, "", " c", "substantive", (), (), 1, 0)
    ]


# -- the cut points of trim: the nearest word starts around the common ends --------------

spaced = st.text(st.sampled_from("ab \n\t."), max_size=14)


def _starts_word(t: str, q: int, separators: str) -> bool:
    """Whether a word begins at q after one of `separators` (q == 0 or len(t): an edge)."""
    return 0 < q < len(t) and t[q - 1] in separators and not t[q].isspace()


@given(spaced, st.integers(0, 15))
@example("a b c  d", 7)  # a space run before p: the word start before it, not an earlier one
def test_word_start_before_is_the_nearest_word_start_before_p(t: str, p: int) -> None:
    p = min(p, len(t))
    q = _word_start_before(t, p)
    assert q == 0 or (q < p and _starts_word(t, q, " \n"))
    # nothing nearer: the first character of the last common one is never taken
    assert not any(_starts_word(t, x, " \n") for x in range(q + 1, p))


@given(spaced, st.integers(0, 15))
def test_word_start_after_is_the_nearest_word_start_after_p(t: str, p: int) -> None:
    p = min(p, len(t))
    r = _word_start_after(t, p)
    assert r == len(t) or (r > p and _starts_word(t, r, " \n\t"))
    assert not any(_starts_word(t, x, " \n\t") for x in range(p + 2, r))


@pytest.mark.parametrize(
    ("a", "b", "cuts"),
    [
        ("ab cd ef", "ab cd eg", (6, 8, 8)),
        ("ab\ncd", "ab\nce", (3, 5, 5)),
        ("ab  cd ef", "ab  xd ef", (0, 7, 7)),
        ("xa bc", "ya bc", (0, 3, 3)),
        ("one two three four", "one twX three four", (4, 14, 14)),
        # a prefix ending right at a word start is not cut there (q < p), nor is a suffix
        # starting with the space before the last word (r > p + 1): only less is trimmed
        ("one two three", "one TWO three", (0, 13, 13)),
        ("", "new", (0, 0, 3)),
        ("old", "", (0, 3, 0)),
    ],
)
def test_trim_cuts_at_the_nearest_word_starts(a: str, b: str, cuts: tuple[int, int, int]) -> None:
    assert trim(a, b) == cuts


# -- where an insertion slides: how well an offset separates the text -----------------


@pytest.mark.parametrize(
    ("text", "o", "score"),
    [
        ("ab", 0, 4),  # an edge
        ("ab", 2, 4),
        ("ab cd", 1, 0),  # inside a word
        ("ab cd", 2, 1),  # at a space between words
        ("ab cd", 3, 1),  # after it
        ("ab  ", 2, 1),  # a space run to the end
        ("  cd", 2, 1),  # a space run from the start
        ("ab. cd", 3, 2),  # after a sentence
        ("ab. cd", 4, 2),
        ("ab.  cd", 5, 2),  # back over a space run to the full stop
        ("ab\u3002 cd", 4, 2),  # an ideographic full stop
        ("\u0e01 \u0e02", 2, 2),  # Thai: a space ends a sentence
        ("\u0e01 \u0e02", 1, 2),
        ("ab\ncd", 2, 3),  # a line break
        ("ab\ncd", 3, 3),
        ("ab  \ncd", 2, 3),  # a run holding a line break, after the offset
        ("ab\n  cd", 5, 3),  # ... or before it
        ("\n cd", 2, 3),  # ... from the start
        ("ab.\n\ncd", 3, 3),  # a break beats a sentence end
    ],
)
def test_boundary_scores_edges_lines_sentences_and_words(text: str, o: int, score: int) -> None:
    assert _boundary(text, o) == score
