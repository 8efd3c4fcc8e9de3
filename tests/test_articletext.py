"""The article-text format: reading rules 1-5 and the canonical writer (`_articletext`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive._articletext import ArticleText, format_article_text, parse_article_text
from newsarchive.errors import ArticleTextError

from .conftest import DATA
from .strategies import label, text

FILES = DATA / "articletext"


def _parse(name: str) -> ArticleText:
    return parse_article_text((FILES / name).read_bytes(), path=name)


def test_canonical_file_round_trips_byte_for_byte() -> None:
    raw = (FILES / "canonical.txt").read_bytes()
    parsed = parse_article_text(raw)
    assert parsed == ArticleText(
        "The harbour council met on Tuesday.\nIt voted to repaint the old pier.",
        "https://news.example/harbour-pier",
        ("local", "harbour", "council"),
    )
    assert format_article_text(parsed.body, "https://news.example/harbour-pier", parsed.tags) == raw


def test_crlf_file_keeps_its_body_line_endings() -> None:
    parsed = _parse("crlf.txt")
    assert parsed.crlf
    assert parsed.body == "The harbour council met on Tuesday.\r\nIt voted to repaint the old pier."
    assert parsed.link == "https://news.example/harbour-pier"
    assert parsed.tags == ("local", "harbour")


def test_bom_is_removed_and_reported() -> None:
    parsed = _parse("bom.txt")
    assert parsed.has_bom
    assert parsed.body == "A short note with a byte order mark."
    assert parsed.tags == ()


def test_body_line_starting_with_link_and_unusual_line_breaks_stay_in_the_body() -> None:
    parsed = _parse("body-link.txt")
    assert parsed.body.startswith("LINK: this line is part of the story")
    assert "\x0c" in parsed.body
    assert "\u2028" in parsed.body
    assert parsed.link == "https://news.example/odd-lines"
    assert parsed.tags == ("odd", "lines")


def test_no_trailer_means_all_body() -> None:
    raw = (FILES / "no-trailer.txt").read_bytes()
    assert parse_article_text(raw) == ArticleText(raw.decode())


def test_link_alone_is_stripped() -> None:
    parsed = _parse("link-only.txt")
    assert (parsed.body, parsed.link, parsed.tags) == (
        "Only a link below.",
        "https://news.example/link-only",
        (),
    )


def test_zero_width_non_joiner_is_kept() -> None:
    parsed = _parse("zwnj.txt")
    assert "\u200c" in parsed.body
    assert parsed.tags == ("\u0641\u0627\u0631\u0633\u06cc",)


def test_bad_utf8_names_line_column_and_shows_a_caret() -> None:
    with pytest.raises(ArticleTextError) as caught:
        _parse("bad-utf8.txt")
    error = caught.value
    assert (error.code, error.line, error.column, error.path) == ("bad-utf8", 2, 13, "bad-utf8.txt")
    rendered = str(error).splitlines()
    assert rendered[0].startswith("bad-utf8.txt:2:13")
    assert rendered[-1] == " " * (4 + 12) + "^"
    assert rendered[1][4 + 12] == "\ufffd"  # the caret points at the bad byte


def test_nul_byte_is_refused() -> None:
    with pytest.raises(ArticleTextError) as caught:
        _parse("nul.txt")
    assert (caught.value.code, caught.value.line, caught.value.column) == ("nul-byte", 1, 7)


def test_bom_offsets_count_the_bom() -> None:
    with pytest.raises(ArticleTextError) as caught:
        parse_article_text(b"\xef\xbb\xbfab\xff")
    assert "byte 5" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "body", "link", "tags"),
    [
        (b"", "", None, ()),
        (b"LINK: https://a.example/", "", "https://a.example/", ()),
        (b"TAGS: a", "", None, ("a",)),
        (b"body\nTAGS: a,b", "body", None, ("a", "b")),
        (b"body\nLINK:\nTAGS:", "body", None, ()),
        (b"body\n\nLINK: u\nTAGS:", "body\n", "u", ()),
        (b"body\nLINK: u\nTAGS:\n\n", "body\nLINK: u\nTAGS:\n\n", None, ()),
        (b"body\nlink: u", "body\nlink: u", None, ()),
        (b"body\r\nLINK: u\nTAGS:", "body\r", "u", ()),
    ],
)
def test_edge_cases(data: bytes, body: str, link: str | None, tags: tuple[str, ...]) -> None:
    parsed = parse_article_text(data)
    assert (parsed.body, parsed.link, parsed.tags) == (body, link, tags)


@pytest.mark.parametrize(
    ("url", "tags", "code"),
    [
        ("https://a.example/\n", (), "unrepresentable"),
        (" https://a.example/", (), "unrepresentable"),
        ("", (), "unrepresentable"),
        ("https://a.example/", ("a,b",), "unrepresentable"),
        ("https://a.example/", (" a",), "unrepresentable"),
        ("https://a.example/", ("",), "unrepresentable"),
    ],
)
def test_writer_refuses_what_would_not_read_back(
    url: str, tags: tuple[str, ...], code: str
) -> None:
    with pytest.raises(ArticleTextError) as caught:
        format_article_text("body", url, tags)
    assert caught.value.code == code


def test_writer_refuses_nul_and_lone_surrogates() -> None:
    with pytest.raises(ArticleTextError, match="NUL"):
        format_article_text("a\x00b", "https://a.example/", ())
    with pytest.raises(ArticleTextError, match="surrogate"):
        format_article_text("a\ud800b", "https://a.example/", ())


_tag = label.filter(lambda t: "," not in t and "\n" not in t and "\r" not in t)
_url = st.from_regex(r"https://[a-z]{1,8}\.example/[a-zA-Z0-9/?=&%]{0,20}", fullmatch=True)


@given(text, _url, st.lists(_tag, max_size=4))
def test_written_text_reads_back(body: str, url: str, tags: list[str]) -> None:
    data = format_article_text(body, url, tags)
    parsed = parse_article_text(data)
    assert (parsed.body, parsed.link, parsed.tags) == (body, url, tuple(tags))
    assert not parsed.crlf
    assert not parsed.has_bom


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_article_text_error(data: bytes) -> None:
    try:
        body = parse_article_text(data).body
    except ArticleTextError as error:
        body = error.code
        assert data.find(b"\x00") >= 0 or body == "bad-utf8"
    else:
        assert body in data.decode("utf-8-sig")


@given(text, text)
def test_body_text_is_never_altered(before: str, after: str) -> None:
    body = before + "\nLINK: not-the-trailer\n" + after
    data = format_article_text(body, "https://a.example/", ["x"])
    assert parse_article_text(data).body == body


def test_body_starting_with_feff_keeps_it() -> None:
    # Found by Hypothesis: the reader strips one BOM, so the writer adds one.
    data = format_article_text("\ufeffbody", "https://a.example/", [])
    assert data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    parsed = parse_article_text(data)
    assert parsed.body == "\ufeffbody"
    assert parsed.has_bom


# -- issue 16: what the mutation run showed untested ---------------------------------------


@pytest.mark.parametrize(
    ("data", "offset", "line", "column"),
    [
        (b"\x00body", 0, 1, 1),  # at byte 0: `nul >= 0` mutated to `> 0` let it through
        (b"ab\n\xc3\xa9\x00", 5, 2, 2),
        (b"\xef\xbb\xbf\x00", 3, 1, 1),  # offsets count the BOM the reader removed
    ],
)
def test_nul_anywhere_is_refused_with_its_place(
    data: bytes, offset: int, line: int, column: int
) -> None:
    with pytest.raises(ArticleTextError) as caught:
        parse_article_text(data, path="a.txt")
    error = caught.value
    assert (error.code, error.line, error.column, error.path) == ("nul-byte", line, column, "a.txt")
    assert f"NUL byte at byte {offset}: not a text file" in str(error)
    assert "\\0" in str(error)  # the source line shows it visibly


def test_bad_utf8_names_byte_line_and_column() -> None:
    with pytest.raises(ArticleTextError) as caught:
        parse_article_text(b"\xef\xbb\xbfab\nc\xffd", path="x.txt")
    error = caught.value
    assert (error.code, error.line, error.column) == ("bad-utf8", 2, 2)
    assert "invalid UTF-8 at byte 7" in str(error)
    assert str(error).startswith("x.txt:2:2: ")
    assert str(error).endswith("\n    c\ufffdd\n     ^")


@pytest.mark.parametrize(
    ("data", "link", "tags"),
    [
        (b"body\nLINK:u\nTAGS:a,b", "u", ("a", "b")),
        (b"body\nLINK:u", "u", ()),
        (b"body\nTAGS:a,,b, ,", None, ("a", "b")),
        (b"body\nLINK:   \nTAGS:", None, ()),
        (b"body\nLINK: u\nTAGS: \xc3\xa9 , b\n", "u", ("\u00e9", "b")),
        (b"LINK: u\nTAGS: a", "u", ("a",)),
        (b"TAGS: a", None, ("a",)),
    ],
)
def test_trailer_without_spaces_and_empty_values(
    data: bytes, link: str | None, tags: tuple[str, ...]
) -> None:
    parsed = parse_article_text(data)
    assert (parsed.link, parsed.tags) == (link, tags)


@pytest.mark.parametrize(
    ("data", "body"),
    [
        (b"body\nLINK: u\nTAGS: a", "body"),
        (b"LINK: u\nTAGS: a", ""),
        (b"body\r\nLINK: u\r\nTAGS: a\r\n", "body"),
        (b"body\r\n\r\nLINK: u\r\n", "body\r\n"),
        (b"body\nlink: u", "body\nlink: u"),  # keywords are upper case
        (b"body\n LINK: u", "body\n LINK: u"),  # at the start of the line
        (b"body\nTAGS: a\nLINK: u", "body\nTAGS: a"),  # TAGS before LINK is body
        (b"body\nLINK: u\n\n", "body\nLINK: u\n\n"),  # only one newline after the trailer
    ],
)
def test_body_is_the_text_before_the_trailer(data: bytes, body: str) -> None:
    assert parse_article_text(data).body == body


def test_empty_tags_line_is_written_as_exact_bytes() -> None:
    assert format_article_text("body", "https://a.example/", []) == (
        b"body\nLINK: https://a.example/\nTAGS:"
    )
    assert format_article_text("", "u", ["a", "b c"]) == b"\nLINK: u\nTAGS: a, b c"


@pytest.mark.parametrize(
    ("url", "tags"),
    [
        ("https://a.example/\nx", ()),
        ("https://a.example/\rx", ()),
        ("https://a.example/", ("a\nb",)),
        ("https://a.example/", ("a\rb",)),
        ("https://a.example/", ("ok", "")),
        ("https://a.example/", (" padded",)),
        ("https://a.example/", ("a,b",)),
        ("", ()),
        (" https://a.example/", ()),
    ],
)
def test_writer_refusals_have_the_unrepresentable_code(url: str, tags: tuple[str, ...]) -> None:
    with pytest.raises(ArticleTextError) as caught:
        format_article_text("body", url, tags)
    assert caught.value.code == "unrepresentable"
    assert str(caught.value).startswith("cannot write article text: ")


def test_writer_nul_and_surrogate_codes() -> None:
    with pytest.raises(ArticleTextError) as caught:
        format_article_text("a\x00b", "https://a.example/", ())
    assert caught.value.code == "nul-byte"
    with pytest.raises(ArticleTextError) as caught:
        format_article_text("body", "https://a.example/", ("\udc80",))
    assert caught.value.code == "lone-surrogate"


# -- mutation survivors: where an error points, and the exact messages ---------------------


def test_error_place_with_lines_before_and_after() -> None:
    # A line feed at byte 0, two lines before the error, more after it.
    with pytest.raises(ArticleTextError) as caught:
        parse_article_text(b"\nab\ncd\xff\nef\ngh")
    error = caught.value
    assert (error.code, error.line, error.column, error.source_line) == (
        "bad-utf8",
        3,
        3,
        "cd\ufffd",
    )
    assert str(error) == "line 3:3: invalid UTF-8 at byte 6\n    cd\ufffd\n      ^"
    with pytest.raises(ArticleTextError) as caught:
        parse_article_text(b"\nab\nc\x00d\x00\nef")
    error = caught.value
    assert (error.code, error.line, error.column) == ("nul-byte", 3, 2)
    assert str(error) == "line 3:2: NUL byte at byte 5: not a text file\n    c\\0d\\0\n     ^"
    with pytest.raises(ArticleTextError) as caught:
        parse_article_text(b"\n\xff")
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_a_carriage_return_before_a_keyword_makes_it_body() -> None:
    parsed = parse_article_text(b"body\n\rTAGS: a")
    assert (parsed.body, parsed.tags) == ("body\n\rTAGS: a", ())


@pytest.mark.parametrize(
    ("url", "tags", "message"),
    [
        ("u\n" + "x" * 100, (), f"the url {('u' + chr(10) + 'x' * 100)[:80]!r} must be one line"),
        ("u", ("a,b" + "y" * 100,), f"tag {('a,b' + 'y' * 100)[:80]!r} is empty, has surrounding"),
    ],
)
def test_writer_messages_name_the_value_cut_at_80(
    url: str, tags: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ArticleTextError) as caught:
        format_article_text("body", url, tags)
    assert str(caught.value).startswith(f"cannot write article text: {message}")


def test_writer_messages_for_nul_and_surrogates() -> None:
    with pytest.raises(ArticleTextError) as caught:
        format_article_text("a\x00", "u", ())
    assert str(caught.value) == "cannot write article text: NUL character"
    with pytest.raises(ArticleTextError) as caught:
        format_article_text("a\ud800", "u", ())
    assert str(caught.value) == "cannot write article text: lone surrogate (not Unicode text)"
