"""Tokens and comparison keys for the word diff (history._tokens)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from newsarchive.history._tokens import _patterns, is_word, key_of, tokenize
from tests.strategies import text


@given(text)
def test_tokens_cover_the_text_exactly(s: str) -> None:
    assert "".join(tokenize(s)) == s


def _reference_cuts(s: str) -> list[str]:
    """The cuts as first written: the full patterns, astral marks included, on any text."""
    token, nospace, grapheme = _patterns()
    out: list[str] = []
    for tok in token.findall(s):
        out.extend(grapheme.findall(tok) if nospace.search(tok) else [tok])
    return out


# Characters where the fast paths could go wrong: BMP and astral combining marks,
# joiners, scripts without spaces (BMP and CJK extension B), astral letters and emoji.
_tricky = st.text(
    st.sampled_from(
        "a é\u0301\u064b\u0e31\u0e01\u6771\u3063\u30fb\u200c\u200d\n.!"
        "\U0001d165\U000101fd\U00011038\U000e0100\U00020000\U0001f600\U00010400"
    )
)


@given(text | _tricky)
def test_fast_paths_cut_as_the_reference_patterns(s: str) -> None:
    assert tokenize(s) == _reference_cuts(s)


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_fast_path_cuts_as_the_full_pattern(s: str) -> None:
    assert tokenize(s) == _patterns()[0].findall(s)


def test_words_keep_marks_and_joiners() -> None:
    nfd = unicodedata.normalize("NFD", "café")
    assert tokenize(f"le {nfd}!") == ["le", " ", nfd, "!"]
    assert tokenize("می\u200cخواهم خبر") == ["می\u200cخواهم", " ", "خبر"]
    assert tokenize("समाचार पत्र") == ["समाचार", " ", "पत्र"]


def test_scripts_without_spaces_are_cut_per_grapheme() -> None:
    assert tokenize("東京で2024年") == ["東", "京", "で", "2024", "年"]
    assert tokenize("ข่าว") == ["ข่", "า", "ว"]


def test_keys() -> None:
    assert key_of("\n\n") == key_of(" ") == key_of("\u00a0")
    assert key_of("\u201c") == key_of('"') == key_of("\u00bb")
    assert key_of("\u2014") == key_of("-")
    assert key_of(unicodedata.normalize("NFD", "café")) == "café"
    assert key_of("ﬁ") != key_of("fi")
    assert key_of("می\u200cخواهم") != key_of("میخواهم")


def test_is_word() -> None:
    assert is_word("storm")
    assert is_word("7")
    assert is_word("東")
    assert not is_word(",")
    assert not is_word(" ")
