from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle, verify_copy
from newsarchive.verify import LineDifference, visible
from tests.strategies import text

CONTENT = "Line one of the story.\nLine two: caf\u00e9.\nLast line."


def record(content: str = CONTENT) -> ArchivedArticle:
    return ArchivedArticle.create(
        url="https://example.com/story", content=content, retrieved_at="2020-01-08T06:30:00Z"
    )


def test_exact_raw_copy() -> None:
    verdict = verify_copy(record(), CONTENT.encode())
    assert verdict.ok
    assert (verdict.status, verdict.form) == ("exact", "raw")


def test_exact_article_text_copy_is_compared_by_its_body() -> None:
    r = record()
    verdict = verify_copy(r, r.to_article_text())
    assert (verdict.status, verdict.form) == ("exact", "article-text")
    with_crlf_trailer = CONTENT.encode() + b"\r\nLINK: https://example.com/story\r\nTAGS:\r\n"
    assert verify_copy(r, with_crlf_trailer).ok


@pytest.mark.parametrize(
    ("copy", "expected"),
    [
        (CONTENT.replace("\n", "\r\n"), ("line-endings",)),
        ("\ufeff" + CONTENT, ("bom",)),
        (CONTENT.replace("\u00e9", "e\u0301"), ("unicode-nfc",)),
        (CONTENT.replace("\n", "  \n") + "\n", ("trailing-whitespace",)),
        ("\ufeff" + CONTENT.replace("\n", "\r\n"), ("line-endings", "bom")),
        (
            "\ufeff" + CONTENT.replace("\u00e9", "e\u0301") + " ",
            ("bom", "unicode-nfc", "trailing-whitespace"),
        ),
    ],
)
def test_normalized_match_reports_the_smallest_set_in_order(
    copy: str, expected: tuple[str, ...]
) -> None:
    verdict = verify_copy(record(), copy.encode())
    assert verdict.status == "normalized"
    assert not verdict.ok
    assert verdict.normalizations == expected


def test_bom_on_an_article_text_copy_is_a_normalization() -> None:
    r = record()
    verdict = verify_copy(r, b"\xef\xbb\xbf" + r.to_article_text())
    assert (verdict.status, verdict.form, verdict.normalizations) == (
        "normalized",
        "article-text",
        ("bom",),
    )


def test_mismatch_names_the_first_differing_line() -> None:
    verdict = verify_copy(record(), CONTENT.replace("two", "2").encode())
    assert verdict.status == "mismatch"
    assert verdict.first_difference == LineDifference(
        2, "Line two: caf\u00e9.", "Line 2: caf\u00e9."
    )


def test_shorter_copy() -> None:
    verdict = verify_copy(record(), b"Line one of the story.")
    assert verdict.status == "mismatch"
    assert verdict.first_difference == LineDifference(2, "Line two: caf\u00e9.", None)


def test_non_utf8_copy_is_a_mismatch() -> None:
    verdict = verify_copy(record(), b"\xff\xfe" + CONTENT.encode())
    assert verdict.status == "mismatch"
    assert "not UTF-8" in verdict.detail


def test_without_content_only_the_copy_is_normalized() -> None:
    r = record().without_content()
    assert verify_copy(r, CONTENT.encode()).ok
    verdict = verify_copy(r, CONTENT.replace("\n", "\r\n").encode())
    assert (verdict.status, verdict.normalizations) == ("normalized", ("line-endings",))
    assert verdict.first_difference is None
    assert verify_copy(r, b"other").status == "mismatch"


@given(text)
def test_a_copy_of_the_exact_bytes_always_passes(content: str) -> None:
    r = record(content)
    assert verify_copy(r, content.encode()).ok
    assert verify_copy(r, r.to_article_text()).ok


@given(text, st.binary(min_size=1, max_size=8))
def test_any_appended_bytes_fail(content: str, extra: bytes) -> None:
    r = record(content)
    assert not verify_copy(r, content.encode() + extra).ok


def test_the_difference_is_shown_where_it_is_with_invisibles_escaped() -> None:
    # The lines differ only by a CR at the end: a clip of both beginnings looks identical.
    line = "The city council met on Tuesday to discuss the budget for the coming year."
    diff = LineDifference(1, line, line + "\r")
    assert diff.column == len(line) + 1
    assert diff.excerpts() == ("…'for the coming year.'", "…'for the coming year.\\r'")


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\u00a0", "\\u00a0"),
        ("\u200b", "\\u200b"),
        ("\ufeff", "\\ufeff"),
        ("\u2028", "\\u2028"),
        ("\x07", "\\u0007"),
    ],
)
def test_visible_escapes_what_cannot_be_seen(char: str, shown: str) -> None:
    assert visible(f"a{char}b") == f"a{shown}b"
    assert visible("plain café, \\ kept") == "plain café, \\\\ kept"


def test_a_window_in_the_middle_of_a_long_line_is_clipped_on_both_sides() -> None:
    before, after = "x" * 50, "y" * 50
    diff = LineDifference(3, before + "A" + after, before + "B" + after)
    assert diff.column == 51
    assert diff.excerpts() == (f"…'{'x' * 20}A{'y' * 19}'…", f"…'{'x' * 20}B{'y' * 19}'…")
    ended = LineDifference(2, "abc", None)
    assert ended.excerpts() == ("'abc'", "end of text")
