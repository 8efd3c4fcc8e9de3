"""Archive links as sources: what is recognised, and what a record then says."""

from __future__ import annotations

import pytest
from hypothesis import given

from newsarchive import ArchivedArticle, InvalidURL
from newsarchive.archiveurls import ArchiveLink, parse_archive_url
from tests.strategies import urls
from tests.test_cli import assert_one_line_error, cli

SNAPSHOT = "https://web.archive.org/web/20200108063000/https://www.example.com/news/dam?id=7"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            SNAPSHOT,
            ArchiveLink(
                "wayback",
                SNAPSHOT,
                "https://www.example.com/news/dam?id=7",
                "2020-01-08T06:30:00Z",
            ),
        ),
        (
            "http://web.archive.org/web/20200108063000id_/http:/example.com/x",
            ArchiveLink(
                "wayback",
                "http://web.archive.org/web/20200108063000id_/http:/example.com/x",
                "http://example.com/x",
                "2020-01-08T06:30:00Z",
            ),
        ),
        (
            "https://web.archive.org/web/202003/example.com/page",
            ArchiveLink(
                "wayback",
                "https://web.archive.org/web/202003/example.com/page",
                "http://example.com/page",
                "2020-03-01T00:00:00Z",
            ),
        ),
        ("https://archive.ph/AbCd1", ArchiveLink("archive-today", "https://archive.ph/AbCd1")),
        ("https://archive.today/x", ArchiveLink("archive-today", "https://archive.today/x")),
        ("https://perma.cc/ABC1-DEF2", ArchiveLink("perma-cc", "https://perma.cc/ABC1-DEF2")),
    ],
)
def test_recognised(link: str, expected: ArchiveLink) -> None:
    assert parse_archive_url(link) == expected


@pytest.mark.parametrize(
    "link",
    [
        "https://www.example.com/web/20200108063000/https://x.example/",  # not the archive
        "https://web.archive.org/web/*/example.com",  # a search, not a snapshot
        "https://web.archive.org/web/20201399000000/https://x.example/",  # no 13th month
        "https://web.archive.org/web/20201/https://x.example/",  # odd digit count
        "ftp://archive.ph/AbCd1",
    ],
)
def test_not_recognised(link: str) -> None:
    assert parse_archive_url(link) is None


@given(urls)
def test_any_original_comes_back_out_of_a_wayback_link(url: str) -> None:
    link = parse_archive_url(f"https://web.archive.org/web/20240102030405/{url}")
    assert link is not None
    assert link.original is not None
    assert link.original == url


def _article(link: str) -> bytes:
    return f"The dam was closed for repairs.\nLINK: {link}\nTAGS: water".encode()


def test_a_wayback_source_keeps_the_article_url() -> None:
    record = ArchivedArticle.from_article_text(
        _article(SNAPSHOT), retrieved_at="2024-05-01T10:00:00Z"
    )
    assert record.url == "https://www.example.com/news/dam?id=7"
    assert record.retrieval.via == SNAPSHOT
    assert record.retrieval.method == "wayback"
    assert any("taken 2020-01-08T06:30:00Z" in n for n in record.retrieval.notes)
    assert str(record.retrieved_at) == "2024-05-01T10:00:00Z"  # when we got our copy


def test_archive_today_needs_the_original_url() -> None:
    with pytest.raises(InvalidURL) as caught:
        ArchivedArticle.from_article_text(
            _article("https://archive.ph/AbCd1"), retrieved_at="2024-05-01T10:00:00Z"
        )
    assert caught.value.code == "missing-original-url"
    record = ArchivedArticle.from_article_text(
        _article("https://archive.ph/AbCd1"),
        retrieved_at="2024-05-01T10:00:00Z",
        original_url="https://news.example/dam",
    )
    assert (record.url, record.retrieval.via) == (
        "https://news.example/dam",
        "https://archive.ph/AbCd1",
    )
    assert record.retrieval.method == "archive-today"


def test_an_original_url_without_an_archive_link_is_refused() -> None:
    with pytest.raises(InvalidURL, match="not a Wayback Machine"):
        ArchivedArticle.from_article_text(
            _article("https://news.example/dam"),
            retrieved_at="2024-05-01T10:00:00Z",
            original_url="https://news.example/other",
        )


def test_cli_record_asks_for_the_original_url(tmp_path: object) -> None:
    data = _article("https://perma.cc/ABC1-DEF2")
    code, _, err = cli("record", "-", "--retrieved-at", "2024-05-01T10:00:00Z", stdin=data)
    assert_one_line_error(code, err, "do not contain the article's own URL")
    code, out, _ = cli(
        "record",
        "-",
        "--retrieved-at",
        "2024-05-01T10:00:00Z",
        "--original-url",
        "https://news.example/dam",
        stdin=data,
    )
    assert code == 0
    assert b'"via": "https://perma.cc/ABC1-DEF2"' in out


@pytest.mark.parametrize(
    "url",
    [
        # urlsplit drops the line feed, so its netloc is not in the URL: IndexError
        "https://we\nb.archive.org/web/20200108063000/https://example.com/a",
        "https://web.archive.org\t/web/20200108063000/https://example.com/a",
        "https://perma.cc/AB\rCD",
    ],
)
def test_a_tab_or_line_break_makes_no_archive_link(url: str) -> None:
    assert parse_archive_url(url) is None


def test_wayback_link_of_a_wayback_link_keeps_the_inner_one() -> None:
    inner = "https://web.archive.org/web/2019/https://example.com/"
    link = parse_archive_url(f"https://web.archive.org/web/20200101000000/{inner}")
    assert link is not None
    assert link.original == inner


def test_only_the_first_one_slash_scheme_is_repaired() -> None:
    link = parse_archive_url("https://web.archive.org/web/2020/http:/example.com/r?to=http:/x")
    assert link is not None
    assert link.original == "http://example.com/r?to=http:/x"
