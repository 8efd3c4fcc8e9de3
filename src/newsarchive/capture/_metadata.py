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

import json
import re
from typing import TYPE_CHECKING, Any, Final

import attrs

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
_DATE_META: Final = re.compile(
    r"""<meta[^>]+(?:property|name|itemprop)\s*=\s*["']?(?:article:published_time|"""
    r"""datePublished|pubdate|publishdate|date|dc\.date|dcterms\.date|sailthru\.date|"""
    r"""parsely-pub-date|publication_date|og:published_time)["'\s>]|<time[^>]+datetime""",
    re.IGNORECASE,
)


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
    has_date_markup: bool = False


def _clean(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("url") or value.get("@id")
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _names(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = _clean(item.get("name") if isinstance(item, dict) else item)
        if name and not name.startswith(("http://", "https://")) and name not in names:
            names.append(name)
    return tuple(names)


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


def _json_ld_article(tree: Any) -> dict[str, Any] | None:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for node in _nodes(data):
            if _types(node) & _ARTICLE_TYPES:
                return node
    return None


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
        key = (element.get("property") or element.get("name") or "").strip().lower()
        content = _clean(element.get("content"))
        if key and content and key not in meta:
            meta[key] = content
    article = _json_ld_article(tree) or {}
    fields: dict[str, Any] = {}

    def pick(name: str, *candidates: tuple[str, str | None]) -> None:
        for source, value in candidates:
            if value:
                fields[name] = value
                if f"{name}_source" in attrs.fields_dict(PageMetadata):
                    fields[f"{name}_source"] = source
                return

    pick("title", ("json-ld", _clean(article.get("headline") or article.get("name"))),
         ("opengraph", meta.get("og:title")))  # fmt: skip
    authors = _names(article.get("author"))
    if authors:
        fields.update(authors=authors, authors_source="json-ld")
    elif meta.get("author") and not meta["author"].startswith("http"):
        fields.update(authors=(meta["author"],), authors_source="html")
    pick("publisher", ("json-ld", _clean(article.get("publisher"))))
    pick("site_name", ("opengraph", meta.get("og:site_name")))
    pick("published", ("json-ld", _clean(article.get("datePublished"))),
         ("opengraph", meta.get("article:published_time")))  # fmt: skip
    pick("modified", ("json-ld", _clean(article.get("dateModified"))),
         ("opengraph", meta.get("article:modified_time")))  # fmt: skip
    pick("language", ("json-ld", _clean(article.get("inLanguage"))),
         ("html", _clean(tree.get("lang"))), ("opengraph", meta.get("og:locale")))  # fmt: skip
    pick("description", ("json-ld", _clean(article.get("description"))),
         ("opengraph", meta.get("og:description") or meta.get("description")))  # fmt: skip
    pick("image", ("json-ld", _clean(article.get("image"))),
         ("opengraph", meta.get("og:image")))  # fmt: skip
    body = article.get("articleBody")
    if isinstance(body, str) and body.strip():
        fields["body"] = body.strip()
    fields["has_date_markup"] = bool(_DATE_META.search(html)) or "published" in fields
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


def strip_site_name(title: str, *sites: str | None) -> str:
    """`title` without a trailing " | Site" naming one of `sites`."""
    names = {s.strip().lower() for s in sites if s and s.strip()}
    for separator in _SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        if sep and head.strip() and tail.strip().lower() in names:
            return head.strip()
    return title


def combine(document: Any, own: PageMetadata) -> Extracted | None:
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
    title = choose("title", own.title, own.title_source, theirs("title"))
    if title:
        title = strip_site_name(title, own.publisher, site)
    authors = own.authors
    if authors:
        sources["authors"] = own.authors_source
    elif theirs("author"):
        authors = tuple(a.strip() for a in str(theirs("author")).split(";") if a.strip())
        sources["authors"] = "trafilatura"
    fallback_date = theirs("date") if own.has_date_markup else None
    return Extracted(
        text=text,
        title=title,
        authors=authors,
        publisher=choose(
            "publisher", own.publisher or own.site_name, "json-ld", theirs("sitename")
        ),
        published=choose("published", own.published, own.published_source, fallback_date),
        modified=choose("modified", own.modified, own.modified_source, None),
        language=choose("language", own.language, own.language_source, theirs("language")),
        description=choose("description", own.description, "opengraph", theirs("description")),
        image=choose("image", own.image, "opengraph", theirs("image")),
        sources=tuple(sorted(sources.items())),
    )
