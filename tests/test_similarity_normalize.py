"""Similarity-only normalization and word splitting."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from newsarchive.similarity import normalize, words
from newsarchive.similarity._normalize import is_spaceless


def test_case_and_compatibility_forms_fold() -> None:
    assert words("ＦＵＬＬ width ﬁne Straße") == words("full WIDTH fine STRASSE")  # noqa: RUF001
    assert words("Café NAÏVE") == ["cafe", "naive"]


def test_punctuation_symbols_and_emoji_separate_words() -> None:
    assert words("don't—stop…now,please!") == ["don", "t", "stop", "now", "please"]
    assert words("«Hola» ¿qué?") == ["hola", "que"]
    assert words("a😀b c\U000e0041d") == ["a", "b", "c", "d"]  # emoji, tag character


def test_greek_and_cyrillic_accents_go_letters_stay() -> None:
    assert words("Ἀθῆναι Москва́") == words("αθηναι москва")


def test_arabic_diacritics_and_tatweel_are_removed() -> None:
    assert words("العَرَبِيَّة") == words("العربية")
    assert words("كـــتاب") == words("كتاب")


def test_persian_zwnj_and_keyboard_variants() -> None:
    with_zwnj, without = "می\u200cخواهم", "میخواهم"  # noqa: RUF001
    assert words(with_zwnj) == words(without) == ["میخواهم"]
    # Arabic yeh and kaf (Arabic keyboards) are the Persian letters here.
    assert words("كتابي") == words("کتابی")
    assert words("۱۴۰۳ و ٢٠٢٤") == ["1403", "و", "2024"]


def test_marks_of_other_scripts_stay_in_their_words() -> None:
    assert words("हिन्दी समाचार") == ["हिन्दी", "समाचार"]
    assert words("ภาษาไทย") == ["ภาษาไทย"]


def test_normalize_never_changes_the_callers_text() -> None:
    text = "Le Café, ÉTÉ"
    assert normalize(text) == "le cafe, ete"
    assert text == "Le Café, ÉTÉ"


@given(st.text(string.printable))
def test_ascii_fast_path_agrees_with_the_unicode_path(text: str) -> None:
    # A trailing non-ASCII word sends the text down the general path.
    assert [*words(text), "e"] == words(text + " é")


def test_spaceless_detection_is_per_text_and_by_majority() -> None:
    assert is_spaceless(words("今天北京发布了新的规定。"))
    assert is_spaceless(words("東京都は新しい規則を発表した"))
    assert is_spaceless(words("ภาษาไทยเป็นภาษาราชการ"))
    assert is_spaceless(words("新华社 reported 北京今天发布新的规定"))
    assert not is_spaceless(words("The minister met 习近平 in Beijing on Monday"))
    assert not is_spaceless(words("서울에서 새로운 규정을 발표했다"))  # Korean uses spaces
    assert not is_spaceless([])


def test_ascii_text_is_lowercased_by_normalize() -> None:
    assert normalize("The BBC, 2024") == "the bbc, 2024"


def test_spaceless_means_more_than_half_of_the_letters() -> None:
    assert is_spaceless(["北京a"])  # 2 of 3
    assert not is_spaceless(["北京ab"])  # exactly half
    assert not is_spaceless(["北京abc"])  # 2 of 5
    assert not is_spaceless(["é"])  # not ASCII, not spaceless either


def test_separators_are_punctuation_symbols_spaces_controls_and_format_characters() -> None:
    # one character of each category that separates words, between two letters
    for sep in ("-", "\u00a7", "+", "\u00a0", "\u2028", "\u2029", "\x85", "\u200e", "\u00b4"):
        assert words(f"x{sep}y\u0436") == ["x", "y\u0436"], repr(sep)
    # letters, digits and marks of other scripts do not separate; unassigned ones neither
    for joiner in ("\u00e9", "5", "\u0903", "\u0378", "\ue000"):
        assert len(words(f"x{joiner}y\u0436")) == 1, repr(joiner)
    # separators at the very ends of the Basic Multilingual Plane and above it
    assert words("a\uffedb\u0436") == ["a", "b\u0436"]
    assert words("a\U0001f600b\U00010428\u0436") == ["a", "b\U00010428\u0436"]


def test_the_separator_classes_reach_the_ends_of_their_planes() -> None:
    # U+0000 opens the first run of separators, U+FFFD closes the last one of the BMP
    assert words("a\x00b\x01c\x7fd\u0436") == ["a", "b", "c", "d\u0436"]
    assert words("a\ufffdb\u0436") == ["a", "b\u0436"]
    assert words("xXy\u0436") == ["xxy\u0436"]  # a letter in either case never splits
