"""A page's own metadata (schema.org JSON-LD, OpenGraph, `<meta>`, `<html lang>`), and how it
is weighed against trafilatura's reading (`combine`).

The page's own data is what the publisher states about the article; trafilatura's is
inferred from the page's layout. So the page's own wins where it is present and consistent:

- text: the JSON-LD `articleBody` when it is long enough to be the article (at least 60%
  of trafilatura's text) and most of its words are in trafilatura's reading (the article
  the page shows), else trafilatura's text;
- title: JSON-LD `headline`, then `og:title`, then trafilatura's, with a trailing
  " | Site" (" - Site", " — Site", ...) removed when Site is the publisher or site name;
- authors: JSON-LD `author` names, then `<meta name="author">`, then trafilatura's;
- dates: JSON-LD `datePublished`/`dateModified`, then `article:published_time` /
  `article:modified_time`; trafilatura's date only when the page has a machine-readable
  date somewhere (`<time datetime>`, a date `<meta>`), never a guess from the text;
- language: JSON-LD `inLanguage`, then `<html lang>`, then `og:locale`.
"""

from __future__ import annotations

import datetime as dt
import html as html_entities
import json
import re
from typing import TYPE_CHECKING, Any, Final

import attrs
import dateutil.parser

from newsarchive.capture._dates import day_of, is_shown
from newsarchive.capture._result import Extracted

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["PageMetadata", "combine", "page_metadata"]

_ARTICLE_TYPES: Final = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "scholarlyarticle",
        "techarticle",
        "report",
        "liveblogposting",
        "posting",
        "socialmediaposting",
    }
)
_WORD: Final = re.compile(r"\w+")
_SEPARATORS: Final = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00b7 ", " \u00bb ", " / ")
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:$|[T ][0-9])")
_BYLINE: Final = re.compile(r"^\s*(?:written\s+by|posted\s+by|author|by)\b[\s:]*", re.IGNORECASE)
_NOT_NAMES: Final = frozenset(
    {"written by", "the author", "author", "admin", "by", "staff", "webmaster"}
)
_MONTH: Final = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b\.?"
)
#: Month names that are not also given names or surnames (April, May, June, August).
_PLAIN_MONTH: Final = r"(?:january|february|march|july|september|october|november|december)"
#: What bylines run into after the name: "Last updated August 1", "December 9, 2025".
_AFTER_NAME: Final = re.compile(
    rf"\s+(?:(?:last\s+)?updated|published|posted|on)\b.*$"
    rf"|\s+{_MONTH}\s+[0-9].*$|\s+{_PLAIN_MONTH}$",
    re.IGNORECASE,
)
_ONLY_DATE: Final = re.compile(rf"(?:on\s+)?{_MONTH}(?:\s+[0-9].*)?", re.IGNORECASE)
#: A heading is the title when it shares this much of its words with the metadata title
#: or the `<title>` (Jaccard index of the word sets).
_HEADING_OVERLAP: Final = 0.3


@attrs.frozen(kw_only=True)
class PageMetadata:
    """What a page says about itself, each field None when it says nothing."""

    title: str | None = None
    title_source: str = ""
    authors: tuple[str, ...] = ()
    authors_source: str = ""
    publisher: str | None = None
    site_name: str | None = None
    published: str | None = None
    published_source: str = ""
    modified: str | None = None
    modified_source: str = ""
    language: str | None = None
    language_source: str = ""
    description: str | None = None
    image: str | None = None
    body: str | None = None
    #: True when every JSON-LD author is an organization (often the site itself).
    authors_weak: bool = False
    #: The page's `<h1>` texts and its `<title>`.
    headings: tuple[str, ...] = ()
    html_title: str | None = None
    #: The visible text (lower case, single spaces) and the `<time datetime>` values.
    visible_text: str = ""
    time_values: tuple[str, ...] = ()


def _clean(value: Any) -> str | None:
    """A string value as text: the first of a list, the name (or url) of an object,
    character references decoded (pages often escape twice), white space collapsed."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("url") or value.get("@id")
    if not isinstance(value, str):
        return None
    text = " ".join(html_entities.unescape(value).split())
    return text or None


def clean_author(name: str) -> str | None:
    """A byline name without "By", "Author", a date run into it, quotes and stray
    punctuation; None for no name (a date, "Written by", a URL)."""
    text = _BYLINE.sub("", name).strip(" ,;:|-\u2013\u2014\"'\u201c\u201d")
    if _ONLY_DATE.fullmatch(text):
        return None
    text = _AFTER_NAME.sub("", text).strip(" ,;:|-\u2013\u2014")
    if not text or text.lower() in _NOT_NAMES or text.startswith(("http://", "https://")):
        return None
    return text


def _names(value: Any, ids: dict[str, dict[str, Any]]) -> tuple[tuple[str, ...], bool]:
    """The names of JSON-LD `author` values (`@id` references resolved), and whether
    they are all organizations (a weak byline: often the site itself)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    organizations = 0
    for item in items:
        node = item
        if isinstance(item, dict) and "name" not in item and isinstance(item.get("@id"), str):
            node = ids.get(item["@id"], item)
        if isinstance(node, dict) and _types(node) & {"organization", "newsmediaorganization"}:
            organizations += 1
        raw = _clean(node.get("name") if isinstance(node, dict) else node)
        name = clean_author(raw) if raw else None
        if name and name not in names:
            names.append(name)
    return tuple(names), bool(names) and organizations == len(items)


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), list | dict):
                yield from _nodes(data[key])


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _json_ld_article(tree: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The page's first JSON-LD article node, and every node by its `@id`.

    Only article nodes are read: a WebPage's `datePublished` is usually when the page
    was made, and taking it (measured) adds false dates more than right ones."""
    ids: dict[str, dict[str, Any]] = {}
    article: dict[str, Any] = {}
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for node in _nodes(data):
            if isinstance(node.get("@id"), str):
                ids.setdefault(node["@id"], node)
            if not article and _types(node) & _ARTICLE_TYPES:
                article = node
    return article, ids


def _iso_date(value: str | None) -> str | None:
    """A date as ISO 8601: kept as written when it is ISO already, else read (`Jan 17,
    2025`, `13/11/2025 09:21`) by dateutil; None when it is no date."""
    if not value:
        return None
    text = value.strip()
    if _ISO_DATE.match(text):
        return text
    try:
        when = dateutil.parser.parse(text.replace(" - ", " "), fuzzy=False)
    except (ValueError, OverflowError):
        return None
    if when.time() == dt.time(0) and when.tzinfo is None:
        return when.date().isoformat()
    return when.isoformat()


def page_metadata(html: str) -> PageMetadata:
    """The page's own statements about itself (see the module)."""
    try:
        import lxml.html  # noqa: PLC0415 (comes with trafilatura)
    except ImportError:  # pragma: no cover (installed with the capture extra)
        return PageMetadata()
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"))
    except (ValueError, TypeError, lxml.etree.ParserError):
        return PageMetadata()
    meta: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        key = key.strip().lower()
        content = _clean(element.get("content"))
        if key and content and key not in meta:
            meta[key] = content
    article, ids = _json_ld_article(tree)
    fields: dict[str, Any] = {
        "headings": tuple(h for h in (_clean(e.text_content()) for e in tree.iter("h1")) if h),
        "html_title": _clean(tree.findtext(".//title")),
    }

    def pick(name: str, *candidates: tuple[str, str | None]) -> None:
        for source, value in candidates:
            if value:
                fields[name] = value
                if f"{name}_source" in attrs.fields_dict(PageMetadata):
                    fields[f"{name}_source"] = source
                return

    pick("title", ("json-ld", _clean(article.get("headline") or article.get("name"))),
         ("opengraph", meta.get("og:title")))  # fmt: skip
    authors, weak = _names(article.get("author"), ids)
    if authors:
        fields.update(authors=authors, authors_source="json-ld", authors_weak=weak)
    elif meta.get("author") and clean_author(meta["author"]):
        fields.update(authors=(clean_author(meta["author"]),), authors_source="html")
    pick("publisher", ("json-ld", _clean(article.get("publisher"))))
    pick("site_name", ("opengraph", meta.get("og:site_name")))
    pick("published", ("json-ld", _iso_date(_clean(article.get("datePublished")))),
         ("opengraph", _iso_date(meta.get("article:published_time"))),
         ("microdata", _iso_date(meta.get("datepublished"))))  # fmt: skip
    pick("modified", ("json-ld", _iso_date(_clean(article.get("dateModified")))),
         ("opengraph", _iso_date(meta.get("article:modified_time"))),
         ("microdata", _iso_date(meta.get("datemodified"))))  # fmt: skip
    pick("language", ("json-ld", _clean(article.get("inLanguage"))),
         ("html", _clean(tree.get("lang"))), ("opengraph", meta.get("og:locale")))  # fmt: skip
    pick("description", ("json-ld", _clean(article.get("description"))),
         ("opengraph", meta.get("og:description") or meta.get("description")))  # fmt: skip
    pick("image", ("json-ld", _clean(article.get("image"))),
         ("opengraph", meta.get("og:image")))  # fmt: skip
    body = article.get("articleBody")
    if isinstance(body, str) and body.strip():
        fields["body"] = body.strip()
    fields["time_values"] = tuple(
        t.get("datetime", "").strip() for t in tree.iter("time") if t.get("datetime")
    )
    for element in list(tree.iter("script", "style", "noscript", "template")):
        element.drop_tree()
    root = tree.find("body")
    shown = (root if root is not None else tree).text_content()
    fields["visible_text"] = " ".join(shown.lower().split())
    return PageMetadata(**fields)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _body_consistent(body: str, reading: str) -> bool:
    """Whether a JSON-LD articleBody is the article the page shows (`reading`)."""
    mine, shown = _words(body), _words(reading)
    if not mine or len(mine) < 0.6 * len(shown):
        return False
    seen = set(shown)
    return sum(w in seen for w in mine) >= 0.8 * len(mine)


def _squeeze(text: str) -> str:
    return "".join(_words(text))


def strip_site_name(title: str, *sites: str | None) -> str:
    """`title` without a trailing " | Site" naming one of `sites` (names, or a host name
    that contains the site's name: "| Tarkett" on www.tarkett.com)."""
    names = {_squeeze(s) for s in sites if s and _squeeze(s)}
    for separator in _SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        site = _squeeze(tail)
        if sep and head.strip() and len(site) >= 3 and any(site in n for n in names):
            return head.strip()
    return title


def _overlap(a: str | None, b: str | None) -> float:
    mine, theirs = set(_words(a or "")), set(_words(b or ""))
    return len(mine & theirs) / len(mine | theirs) if mine | theirs else 0.0


def _title(own: PageMetadata, theirs: str | None, sources: dict[str, str]) -> str | None:
    """The visible headline (an `<h1>` consistent with the stated title or the `<title>`),
    else the stated title (JSON-LD, OpenGraph), else trafilatura's."""
    stated = own.title
    for heading in own.headings:
        if max(_overlap(heading, stated), _overlap(heading, own.html_title)) >= _HEADING_OVERLAP:
            sources["title"] = "html"
            return heading
    if stated:
        sources["title"] = own.title_source
        return stated
    if theirs:
        sources["title"] = "trafilatura"
    return theirs


def _published(
    own: PageMetadata, theirs: str | None, sources: dict[str, str], today: dt.date | None
) -> str | None:
    """The first of the stated date (JSON-LD, OpenGraph) and trafilatura's that the page
    shows (`_dates`); else the stated date; else None (trafilatura's alone is a guess).
    A date after `today` is no publication date."""
    stated = own.published
    day = day_of(stated)
    if today is not None and day is not None and day > today:
        stated = None
    candidates = ((stated, own.published_source), (theirs, "trafilatura"))
    for value, source in candidates:
        if value and is_shown(value, own.visible_text, own.time_values):
            sources["published"] = source
            return value
    if stated:
        sources["published"] = own.published_source
    return stated


def combine(
    document: Any, own: PageMetadata, host: str | None = None, today: dt.date | None = None
) -> Extracted | None:
    """trafilatura's reading (`document`, or None) and the page's own data, as one result."""
    reading = (getattr(document, "text", None) or "").strip() if document is not None else ""
    sources: dict[str, str] = {}
    text = reading
    if own.body and (not reading or _body_consistent(own.body, reading)):
        text, sources["text"] = own.body, "json-ld"
    elif reading:
        sources["text"] = "trafilatura"
    if not text:
        return None

    def theirs(name: str) -> str | None:
        return _clean(getattr(document, name, None)) if document is not None else None

    def choose(name: str, mine: str | None, source: str, fallback: str | None) -> str | None:
        if mine:
            sources[name] = source or "html"
            return mine
        if fallback:
            sources[name] = "trafilatura"
        return fallback

    site = own.site_name or theirs("sitename")
    title = _title(own, theirs("title"), sources)
    if title:
        title = strip_site_name(title, own.publisher, site, host)
    their_authors = tuple(
        name for name in (clean_author(a) for a in str(theirs("author") or "").split(";")) if name
    )
    authors = own.authors
    if authors and not (own.authors_weak and their_authors):
        sources["authors"] = own.authors_source
    elif their_authors:
        authors = their_authors
        sources["authors"] = "trafilatura"
    published = _published(own, theirs("date"), sources, today)
    return Extracted(
        text=text,
        title=title,
        authors=authors,
        publisher=choose(
            "publisher", own.publisher or own.site_name, "json-ld", theirs("sitename")
        ),
        published=published,
        modified=choose("modified", own.modified, own.modified_source, None),
        language=choose("language", own.language, own.language_source, theirs("language")),
        description=choose("description", own.description, "opengraph", theirs("description")),
        image=choose("image", own.image, "opengraph", theirs("image")),
        sources=tuple(sorted(sources.items())),
    )
