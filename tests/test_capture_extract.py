"""Article extraction: trafilatura's reading weighed against the page's own metadata."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from newsarchive.capture import extract
from newsarchive.capture._dates import is_shown, shown_forms
from newsarchive.capture._extract import is_article, trafilatura_document
from newsarchive.capture._metadata import clean_author, page_metadata, strip_site_name
from tests.conftest import DATA

ARTICLE = (DATA / "capture" / "article.html").read_text("utf-8")
PARAGRAPHS = [
    (
        "The county council voted on Monday to keep the village school at Marden open for at "
        "least five more years, after parents collected more than two thousand signatures."
    ),
    (
        "Councillors had proposed merging the school with its neighbour in Hollin, citing "
        "falling pupil numbers and the cost of repairing the roof of the Victorian building."
    ),
    (
        "The head teacher said the decision gave the school time to show that its numbers were "
        "recovering, with twelve new pupils expected in September."
    ),
    "A review of the school's finances will be presented to the council next spring.",
]


def page(
    *,
    head: str = "",
    h1: str | None = "Council keeps Marden school open",
    byline: str = "",
    footer: str = "",
    paragraphs: list[str] = PARAGRAPHS,
) -> str:
    heading = f"<h1>{h1}</h1>" if h1 else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article>{heading}{byline}{body}</article><footer>{footer}</footer></body></html>"
    )


def json_ld(**fields: object) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", **fields}
    return f"<script type='application/ld+json'>{json.dumps(data)}</script>"


def test_news_article_text_and_metadata() -> None:
    result = extract(ARTICLE, "https://courier.example/news/pier")
    assert result is not None
    assert result.text.startswith("The harbour authority of Westport approved")
    for boilerplate in ("Subscribe", "Reader42", "SeaDog", "All rights reserved", "Home"):
        assert boilerplate not in result.text
    assert result.title == "Westport approves plan to rebuild the north pier"
    assert result.authors == ("Anna Berg", "Tom Reyes")
    assert result.publisher == "The Westport Courier"
    assert result.published == "2026-03-10T09:30:00+01:00"
    assert result.modified == "2026-03-11T08:00:00+01:00"
    assert result.language == "en-GB"
    assert (
        result.description == "The harbour authority approved a plan to rebuild the old north pier."
    )
    assert result.image == "https://courier.example/img/pier.jpg"
    sources = dict(result.sources)
    assert sources["text"] == "json-ld"  # the page's own articleBody, consistent with it
    assert sources["authors"] == "json-ld"
    assert sources["published"] == "json-ld"


def test_article_body_that_is_not_the_page_shown_is_not_used() -> None:
    teaser = "Read our full coverage of the council's decision."
    result = extract(page(head=json_ld(headline="x", articleBody=teaser)))
    assert result is not None
    assert dict(result.sources)["text"] == "trafilatura"
    assert "two thousand signatures" in result.text


def test_no_article_text_gives_none() -> None:
    assert extract(page(h1=None, paragraphs=["Cookies help us."])) is None
    assert extract("<html><body><nav>Home News Sport</nav></body></html>") is None


@pytest.mark.parametrize(
    ("text", "article"),
    [
        ("word " * 25, True),
        ("word " * 24, False),
        ("\u6e2f" * 150, True),  # a script without spaces counts characters
        ("\u6e2f" * 149, False),
    ],
)
def test_is_article(text: str, article: bool) -> None:
    assert is_article(text) is article


# -- title -----------------------------------------------------------------------------


def test_visible_headline_preferred_to_an_seo_title() -> None:
    head = "<title>Marden school saved | Kent News</title>" + json_ld(
        headline="Marden school saved: council U-turn"
    )
    result = extract(page(head=head, h1="Marden school saved after council vote"))
    assert result is not None
    assert result.title == "Marden school saved after council vote"


def test_site_name_removed_from_the_title() -> None:
    head = (
        "<title>Council keeps Marden school open | Kent News</title>"
        "<meta property='og:site_name' content='Kent News'>"
    )
    result = extract(page(head=head, h1=None))
    assert result is not None
    assert result.title == "Council keeps Marden school open"


def test_character_references_in_metadata_are_decoded() -> None:
    result = extract(page(head=json_ld(headline="M&amp;A deals &#8211; October"), h1=None))
    assert result is not None
    assert result.title == "M&A deals \u2013 October"


@pytest.mark.parametrize(
    ("title", "sites", "stripped"),
    [
        ("Story | Kent News", ("Kent News",), "Story"),
        ("Story - Tarkett", ("www.tarkett.com",), "Story"),
        ("Story \u2014 The Courier", ("The Courier",), "Story"),
        ("Cats - and dogs", ("Kent News",), "Cats - and dogs"),
        ("Story | Kent News", (None,), "Story | Kent News"),
        ("| Kent News", ("Kent News",), "| Kent News"),
    ],
)
def test_strip_site_name(title: str, sites: tuple[str | None, ...], stripped: str) -> None:
    assert strip_site_name(title, *sites) == stripped


# -- authors ---------------------------------------------------------------------------


def test_organization_author_gives_way_to_a_byline() -> None:
    head = json_ld(
        headline="Council keeps Marden school open",
        author={"@type": "Organization", "name": "Kent News"},
    )
    byline = "<p class='byline'>By <a rel='author' href='/staff/jo'>Jo Smith</a></p>"
    result = extract(page(head=head, byline=byline))
    assert result is not None
    assert result.authors == ("Jo Smith",)
    assert dict(result.sources)["authors"] == "trafilatura"


def test_author_references_in_a_graph_are_resolved() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Person", "@id": "#jo", "name": "Jo Smith"},
            {"@type": "NewsArticle", "headline": "x", "author": [{"@id": "#jo"}]},
        ],
    }
    head = f"<script type='application/ld+json'>{json.dumps(graph)}</script>"
    result = extract(page(head=head))
    assert result is not None
    assert result.authors == ("Jo Smith",)


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("By Jo Smith", "Jo Smith"),
        ("Author Isaiah Shelton", "Isaiah Shelton"),
        ("Written by", None),
        (", USA TODAY", "USA TODAY"),
        ("https://example.org/jo", None),
        ("Jo Smith", "Jo Smith"),
        ('"David Kim"', "David Kim"),
        ("Cazzy Magennis Last Updated August 1", "Cazzy Magennis"),
        ("Jordana Cepelewicz December", "Jordana Cepelewicz"),
        ("Jo Smith Dec 9, 2025", "Jo Smith"),
        ("On December 9", None),
        ("Dec", None),
        ("Mayank Gupta", "Mayank Gupta"),
        ("Juniper Marsh", "Juniper Marsh"),
        ("Theresa May", "Theresa May"),
    ],
)
def test_clean_author(name: str, cleaned: str | None) -> None:
    assert clean_author(name) == cleaned


# -- dates -----------------------------------------------------------------------------


def test_no_date_is_guessed_for_a_page_without_one() -> None:
    html = page(footer="<p>\u00a9 2019 Kent News. Updated every day since 2001.</p>")
    # trafilatura alone guesses one (its known weak spot) ...
    theirs = trafilatura_document(html, None)
    assert theirs is not None
    assert theirs.date is not None
    # ... we do not
    result = extract(html)
    assert result is not None
    assert result.published is None


def test_stated_date_is_normalised() -> None:
    result = extract(page(head=json_ld(headline="x", datePublished="Jan 17, 2025")))
    assert result is not None
    assert result.published == "2025-01-17"


def test_shown_date_found_by_trafilatura_is_taken() -> None:
    byline = "<p class='date'>Published 14 March 2025</p>"
    result = extract(page(byline=byline), today=dt.date(2026, 1, 1))
    assert result is not None
    assert (result.published or "")[:10] == "2025-03-14"
    assert dict(result.sources)["published"] == "trafilatura"


def test_dates_after_today_are_not_believed() -> None:
    byline = "<p class='date'>Published 14 March 2025</p>"
    result = extract(page(byline=byline), today=dt.date(2024, 1, 1))
    assert result is not None
    assert result.published is None


@pytest.mark.parametrize(
    "written",
    ["december 8, 2025", "dec 8 2025", "8 december 2025", "8th dec. 2025", "2025-12-08",
     "08/12/2025", "12/08/2025", "8.12.2025"],
)  # fmt: skip
def test_shown_forms(written: str) -> None:
    assert written in shown_forms(dt.date(2025, 12, 8))
    assert is_shown("2025-12-08T10:00:00Z", f"posted {written} by jo")


def test_time_element_counts_as_shown() -> None:
    assert is_shown("2025-12-08", "no date here", ("2025-12-08T09:00:00+01:00",))
    assert not is_shown("2025-12-08", "no date here", ("2025-12-09",))
    assert not is_shown("not a date", "2025-12-08")


def test_page_metadata_of_an_empty_document() -> None:
    assert page_metadata("").title is None


def test_stated_dates_after_today_are_not_believed() -> None:
    html = page(head=json_ld(headline="x", datePublished="2030-05-01T10:00:00Z"))
    result = extract(html, today=dt.date(2026, 1, 1))
    assert result is not None
    assert result.published is None
    later = extract(html, today=dt.date(2030, 5, 1))
    assert later is not None
    assert later.published == "2030-05-01T10:00:00Z"


def test_microdata_date_is_a_stated_date() -> None:
    head = "<meta itemprop='datePublished' content='2020-12-23T11:48:54-0800'>"
    result = extract(page(head=head))
    assert result is not None
    assert result.published == "2020-12-23T11:48:54-0800"
    assert dict(result.sources)["published"] == "microdata"


def test_a_web_page_date_is_not_a_publication_date() -> None:
    graph = {"@context": "https://schema.org", "@type": "WebPage", "datePublished": "2020-01-01"}
    head = f"<script type='application/ld+json'>{json.dumps(graph)}</script>"
    result = extract(page(head=head))
    assert result is not None
    assert result.published is None
