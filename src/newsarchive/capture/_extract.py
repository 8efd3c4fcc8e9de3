"""The article in a page: its body text and metadata, by trafilatura and the page's own data.

`extract(html, url)` runs trafilatura (comments left out) for the body text and its
metadata, reads the page's own schema.org JSON-LD and OpenGraph data (`_metadata`), and
prefers the page's own where it is present and consistent (see `_metadata`). None when no
article text is found: less than `MIN_ARTICLE_WORDS` words and `MIN_ARTICLE_CHARACTERS`
characters.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from newsarchive.capture._metadata import combine, page_metadata
from newsarchive.capture._result import Extracted
from newsarchive.errors import MissingExtra

if TYPE_CHECKING:
    import datetime as dt

__all__ = ["MIN_ARTICLE_CHARACTERS", "MIN_ARTICLE_WORDS", "Extracted", "extract", "is_article"]

#: Less text than this (words, or for scripts without spaces, characters) is no article:
#: a navigation page, a teaser, a consent wall.
MIN_ARTICLE_WORDS: Final = 25
MIN_ARTICLE_CHARACTERS: Final = 150
_WORD: Final = re.compile(r"\w+")


def is_article(text: str) -> bool:
    """Whether `text` is long enough to be an article's body."""
    letters = sum(not c.isspace() for c in text)
    return len(_WORD.findall(text)) >= MIN_ARTICLE_WORDS or letters >= MIN_ARTICLE_CHARACTERS


def _trafilatura() -> Any:
    try:
        import trafilatura  # noqa: PLC0415 (heavy, and an extra)
    except ImportError:
        raise MissingExtra("article extraction", "capture", "trafilatura") from None
    return trafilatura


def trafilatura_document(
    html: str, url: str | None, *, extensive_dates: bool = True, today: dt.date | None = None
) -> Any:
    """trafilatura's own reading of a page (its defaults, comments left out), or None.

    `extensive_dates=False` turns off htmldate's search of the free text for a date,
    the guess behind a date for nearly every page that has none; `today` is the latest
    date accepted (htmldate's default: the machine's today).
    """
    date_params: dict[str, Any] = {"original_date": True, "extensive_search": extensive_dates}
    if today is not None:
        date_params["max_date"] = today.isoformat()
    return _trafilatura().bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=date_params,
    )


def extract(html: str, url: str | None = None, *, today: dt.date | None = None) -> Extracted | None:
    """The article in `html` (fetched from `url`), or None when there is no article text.

    `today`: no publication date later than this is believed (default: the machine's).
    """
    document = trafilatura_document(html, url, extensive_dates=True, today=today)
    own = page_metadata(html)
    host = urlsplit(url).hostname if url else None
    extracted = combine(document, own, host, today)
    return extracted if extracted is not None and is_article(extracted.text) else None
