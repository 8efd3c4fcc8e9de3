"""Build a record's dict from article-text bytes directly: the bulk import's fast path.

`article_text_record(data, ...)` returns exactly
`ArchivedArticle.from_article_text(data, ...).to_dict()` and raises exactly
what it raises (a differential property test holds it to that), doing the
same checks (`check_built`) and computing the same digests, but without the
intermediate objects: no `ProvenanceEvent`/`Retrieval`/`ArchivedArticle`, no
`Digest` objects, one `to_dict` less, one hashing pass over the file's bytes
for both the content's and the source file's SHA-256 when the body is the
file's first bytes (a hasher copied at the body's end), and the time
conversions that repeat from record to record (a fixed retrieval time, a
fixed clock) done once.
"""

from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from newsarchive import _derive
from newsarchive._articletext import parse_article_text
from newsarchive.digest import DEFAULT_ALGORITHM, Digest
from newsarchive.errors import ArticleTextError, InvalidRecord, Problem
from newsarchive.record import DEFAULT_AGENT, _now, _through_archive, _to_timestamp
from newsarchive.timestamps import Timestamp
from newsarchive.urls import canonicalize_url
from newsarchive.validation import check_built

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime, tzinfo

    from newsarchive.record import TimeInput

__all__ = ["article_text_record"]


# A time as (its text, its instant text), the two forms a record uses.
_Texts = tuple[str, str]


def _texts(stamp: Timestamp) -> _Texts:
    return str(stamp), stamp.instant_text


@functools.lru_cache(maxsize=64)
def _instant(value: datetime) -> _Texts:
    # Equal datetimes are one instant, and `from_datetime` gives it in UTC.
    return _texts(Timestamp.from_datetime(value))


@functools.lru_cache(maxsize=64)
def _parsed_time(value: str, default_tz: tzinfo | None) -> _Texts:
    return _texts(_to_timestamp(value, default_tz))


def _timestamp(value: TimeInput, default_tz: tzinfo | None) -> _Texts:
    if isinstance(value, str):
        try:
            return _parsed_time(value, default_tz)
        except TypeError:  # an unhashable tzinfo: no caching
            pass
    return _texts(_to_timestamp(value, default_tz))


def _digests(data: bytes, encoded: bytes, algorithm: str) -> tuple[str, str, str]:
    """(content sha256, content digest, source file digest), as `algorithm:hex` texts."""
    if algorithm == "sha256" and data.startswith(encoded):
        hasher = hashlib.sha256()
        view = memoryview(data)
        hasher.update(view[: len(encoded)])
        content = "sha256:" + hasher.copy().hexdigest()
        hasher.update(view[len(encoded) :])
        return content, content, "sha256:" + hasher.hexdigest()
    sha256 = "sha256:" + hashlib.sha256(encoded).hexdigest()
    content = sha256 if algorithm == "sha256" else str(Digest.of_bytes(encoded, algorithm))
    return sha256, content, str(Digest.of_bytes(data, algorithm))


def article_text_record(
    data: bytes,
    *,
    url: str | None = None,
    retrieved_at: TimeInput | None = None,
    title: str | None = None,
    tags: Iterable[str] = (),
    published_at: TimeInput | None = None,
    method: str = "file-import",
    agent: str = DEFAULT_AGENT,
    notes: Iterable[str] = (),
    source_name: str | None = None,
    algorithm: str = DEFAULT_ALGORITHM,
    default_tz: tzinfo | None = None,
    clock: Callable[[], datetime] = _now,
    original_url: str | None = None,
) -> dict[str, Any]:
    """`ArchivedArticle.from_article_text(data, ...).to_dict()`, built directly (see above)."""
    parsed = parse_article_text(data, path=source_name)
    notes = list(notes)
    if url is None:
        if parsed.link is None:
            raise ArticleTextError(
                "no LINK: line at the end of the file; give the article's URL",
                code="missing-link",
                path=source_name,
            )
        url = parsed.link
    elif parsed.link is not None and parsed.link != url:
        notes.append(f"LINK: line said {parsed.link}; the URL given at import was used")
    url, via, method = _through_archive(url, original_url, method, notes)
    now = _instant(clock())
    source = "article-text file" + (f" {source_name}" if source_name else "")
    if algorithm != "sha256":
        Digest.of_bytes(b"", algorithm)  # an unknown algorithm fails here, as it does there
    # -- as ArchivedArticle.create --
    canonical_url = canonicalize_url(url)
    content = parsed.body
    try:
        encoded = content.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRecord(
            [Problem("/content", "lone-surrogate", f"content is not valid Unicode: {exc}")]
        ) from None
    retrieved = now if retrieved_at is None else _timestamp(retrieved_at, default_tz)
    sha256, content_digest, source_digest = _digests(data, encoded, algorithm)
    record_id = _derive.compute_id_text(url, sha256, retrieved[1])
    tag_list = list(_derive.normalize_tags([*parsed.tags, *tags]))  # before published_at, as there
    published = None if published_at is None else _timestamp(published_at, default_tz)
    # -- as ArchivedArticle.to_dict, with the placeholder record digest _sealed replaces --
    retrieval: dict[str, Any] = {"method": method, "agent": agent}
    if via is not None:
        retrieval["via"] = via
    retrieval["notes"] = notes
    out: dict[str, Any] = {
        "schema_version": _derive.SCHEMA_VERSION,
        "id": record_id,
        "url": url,
        "canonical_url": canonical_url,
        "title": title,
    }
    if published is not None:
        out["published_at"] = published[0]
    out["retrieved_at"] = retrieved[0]
    out["retrieval"] = retrieval
    out["tags"] = tag_list
    out["media_type"] = _derive.DEFAULT_MEDIA_TYPE
    out["content_length"] = len(encoded)
    out["content_digest"] = content_digest
    out["provenance"] = [
        {
            "type": "import",
            "at": now[0],
            "agent": DEFAULT_AGENT,
            "outcome": "success",
            "detail": f"imported from {source}",
            "source_digest": source_digest,
        }
    ]
    out["record_digest"] = content_digest
    out["content"] = content
    check_built(out)
    if algorithm == "sha256":
        # `_derive.record_digest_bytes(out, schema_valid=True)` without copying the
        # record: the two members it leaves out are the last two, taken off and put
        # back; the schema holds (checked above) and every integer here is an int,
        # so orjson writes the RFC 8785 bytes.
        del out["record_digest"], out["content"]
        body = orjson.dumps(out, option=orjson.OPT_SORT_KEYS)
        out["record_digest"] = "sha256:" + hashlib.sha256(body).hexdigest()
        out["content"] = content
    else:
        out["record_digest"] = str(_derive.compute_record_digest(out, algorithm, schema_valid=True))
    return out
