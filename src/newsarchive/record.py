"""The archived-article record (formats v1 and v2) as immutable Python objects.

`ArchivedArticle.create` builds a record from facts and computes its derived
fields (canonical URL, digests, id); `from_dict`/`to_dict` convert to and from
the JSON object form losslessly, and `from_article_text` reads the plain
article-text format. New records are format v2 (`_derive.SCHEMA_VERSION`);
records read with `from_dict` keep the version they have, v1 included, and
their bytes (so their digests) round-trip unchanged. No I/O happens here:
callers read files and pass bytes, and pass the clock in where a time is needed.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from newsarchive import _derive
from newsarchive._articletext import format_article_text, parse_article_text
from newsarchive._httpfacts import HttpFacts, HttpHeaders, Redirect
from newsarchive._version import __version__
from newsarchive.archiveurls import parse_archive_url
from newsarchive.digest import DEFAULT_ALGORITHM, Digest
from newsarchive.errors import ArticleTextError, InvalidRecord, InvalidURL, Problem
from newsarchive.timestamps import Timestamp, parse_timestamp
from newsarchive.urls import canonicalize_url
from newsarchive.validation import check_built, validate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = [
    "DEFAULT_AGENT",
    "ArchivedArticle",
    "HttpFacts",
    "HttpHeaders",
    "ProvenanceEvent",
    "Redirect",
    "Retrieval",
    "TimeInput",
]

DEFAULT_AGENT: Final = f"newsarchive/{__version__}"

TimeInput = Timestamp | datetime | str
Outcome = Literal["success", "failure", "warning"]


def _to_timestamp(value: TimeInput, default_tz: tzinfo | None = None) -> Timestamp:
    if isinstance(value, Timestamp):
        return value
    if isinstance(value, datetime):
        return Timestamp.from_datetime(value, default_tz=default_tz)
    return parse_timestamp(value, default_tz=default_tz)


def _to_tuple(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


def _to_optional_tuple(items: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if items is None else tuple(items)


def _now() -> datetime:
    # Whole seconds: the default capture time is read by people; precision
    # finer than the clock's own accuracy would only suggest false exactness.
    return datetime.now(UTC).replace(microsecond=0)


@attrs.frozen
class Retrieval:
    """How the copy was obtained: method (see the schema), agent, optional via URL, notes.

    `http` (format v2) holds what the server answered when the copy was fetched.
    """

    method: str = "manual"
    agent: str = DEFAULT_AGENT
    via: str | None = None
    notes: tuple[str, ...] = attrs.field(default=(), converter=_to_tuple)
    http: HttpFacts | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "agent": self.agent}
        if self.via is not None:
            out["via"] = self.via
        out["notes"] = list(self.notes)
        if self.http is not None:
            out["http"] = self.http.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Retrieval:
        http = data.get("http")
        return cls(
            data["method"],
            data["agent"],
            data.get("via"),
            data["notes"],
            None if http is None else HttpFacts.from_dict(http),
        )


@attrs.frozen
class ProvenanceEvent:
    """One PREMIS-style event in the life of the copy (capture, import, verify, ...)."""

    type: str
    at: Timestamp = attrs.field(converter=_to_timestamp)
    agent: str = DEFAULT_AGENT
    outcome: Outcome = "success"
    detail: str | None = None
    source_digest: Digest | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "at": str(self.at),
            "agent": self.agent,
            "outcome": self.outcome,
        }
        if self.detail is not None:
            out["detail"] = self.detail
        if self.source_digest is not None:
            out["source_digest"] = str(self.source_digest)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProvenanceEvent:
        source = data.get("source_digest")
        return cls(
            data["type"],
            Timestamp.parse(data["at"]),
            data["agent"],
            data["outcome"],
            data.get("detail"),
            None if source is None else Digest.parse(source),
        )


def _through_archive(
    url: str, original_url: str | None, method: str, notes: list[str]
) -> tuple[str, str | None, str]:
    """(url, via, method) when `url` is an archive snapshot; appends a note saying so."""
    link = parse_archive_url(url)
    if link is None:
        if original_url is not None:
            raise InvalidURL(
                f"an original URL was given, but {url[:80]!r} is not a Wayback Machine, "
                "archive.today or Perma.cc link",
                code="not-an-archive-link",
            )
        return url, None, method
    notes.append(link.note)
    original = original_url if original_url is not None else link.original
    if original is None:
        service = "archive.today" if link.method == "archive-today" else "Perma.cc"
        raise InvalidURL(
            f"{service} links do not contain the article's own URL; give it "
            "(--original-url / original_url)",
            code="missing-original-url",
        )
    if link.original is not None and original != link.original:
        notes.append(f"the snapshot names {link.original}; the original URL given was used")
    return original, link.snapshot, link.method


@attrs.frozen
class ArchivedArticle:
    """An archived copy of a news article with its provenance and digests.

    Build one with `create` (computes the derived fields; format v2) or
    `from_dict` (checks every rule first; keeps the record's version); the
    plain `__init__` trusts its arguments. The fields after `schema_version`
    are format v2's article metadata, `None` when absent (always in v1).
    """

    id: str
    url: str
    canonical_url: str
    title: str | None
    retrieved_at: Timestamp
    retrieval: Retrieval
    tags: tuple[str, ...]
    media_type: str
    content_length: int
    content_digest: Digest
    provenance: tuple[ProvenanceEvent, ...]
    record_digest: Digest
    content: str | None = None
    published_at: Timestamp | None = None
    schema_version: int = _derive.SCHEMA_VERSION
    authors: tuple[str, ...] | None = attrs.field(default=None, converter=_to_optional_tuple)
    publisher: str | None = None
    description: str | None = None
    language: str | None = None
    image: str | None = None
    modified_at: Timestamp | None = None

    # -- construction ---------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        url: str,
        content: str,
        retrieved_at: TimeInput,
        title: str | None = None,
        tags: Iterable[str] = (),
        published_at: TimeInput | None = None,
        retrieval: Retrieval | None = None,
        provenance: Iterable[ProvenanceEvent] = (),
        media_type: str = _derive.DEFAULT_MEDIA_TYPE,
        algorithm: str = DEFAULT_ALGORITHM,
        default_tz: tzinfo | None = None,
        authors: Iterable[str] | None = None,
        publisher: str | None = None,
        description: str | None = None,
        language: str | None = None,
        image: str | None = None,
        modified_at: TimeInput | None = None,
    ) -> ArchivedArticle:
        """Build a valid format v2 record from facts, computing canonical URL, digests and id.

        Author names are normalized (see `_derive`; blank ones dropped, no
        `authors` at all when none is left). Raises `InvalidRecord` (with
        every problem) when the facts break a rule.
        """
        canonical_url = canonicalize_url(url)  # checks the url, too
        if not isinstance(content, str):
            raise TypeError(f"content must be str (got {type(content).__name__})")
        try:
            encoded = content.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidRecord(
                [Problem("/content", "lone-surrogate", f"content is not valid Unicode: {exc}")]
            ) from None
        retrieved = _to_timestamp(retrieved_at, default_tz)
        sha256 = Digest.of_bytes(encoded)
        content_digest = sha256 if algorithm == "sha256" else Digest.of_bytes(encoded, algorithm)
        draft = cls(
            id=_derive.compute_id(url, sha256, retrieved),
            url=url,
            canonical_url=canonical_url,
            title=title,
            retrieved_at=retrieved,
            retrieval=retrieval if retrieval is not None else Retrieval(),
            tags=_derive.normalize_tags(tags),
            media_type=media_type,
            content_length=len(encoded),
            content_digest=content_digest,
            provenance=tuple(provenance),
            record_digest=content_digest,  # placeholder, replaced just below
            content=content,
            published_at=None if published_at is None else _to_timestamp(published_at, default_tz),
            authors=None if authors is None else (_derive.normalize_authors(authors) or None),
            publisher=publisher,
            description=description,
            language=language,
            image=image,
            modified_at=None if modified_at is None else _to_timestamp(modified_at, default_tz),
        )
        return draft._sealed(algorithm)

    def _sealed(self, algorithm: str) -> ArchivedArticle:
        """Check a fresh draft against every rule, then set its record digest.

        Only for drafts this class has just made and not yet handed out: the
        digest is set in place rather than by `attrs.evolve`, which would copy
        every field once more per record built.
        """
        data = self.to_dict()  # record_digest is a placeholder, which check_built does not read
        check_built(data)
        digest = _derive.compute_record_digest(data, algorithm, schema_valid=True)
        object.__setattr__(self, "record_digest", digest)
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, now: datetime | None = None) -> ArchivedArticle:
        """Read the JSON object form; raises `InvalidRecord` listing every problem."""
        validate(data, strict=True, now=now)
        published = data.get("published_at")
        modified = data.get("modified_at")
        return cls(
            id=data["id"],
            url=data["url"],
            canonical_url=data["canonical_url"],
            title=data["title"],
            retrieved_at=Timestamp.parse(data["retrieved_at"]),
            retrieval=Retrieval.from_dict(data["retrieval"]),
            tags=tuple(data["tags"]),
            media_type=data["media_type"],
            content_length=data["content_length"],
            content_digest=Digest.parse(data["content_digest"]),
            provenance=tuple(ProvenanceEvent.from_dict(e) for e in data["provenance"]),
            record_digest=Digest.parse(data["record_digest"]),
            content=data.get("content"),
            published_at=None if published is None else Timestamp.parse(published),
            schema_version=int(data["schema_version"]),
            authors=data.get("authors"),
            publisher=data.get("publisher"),
            description=data.get("description"),
            language=data.get("language"),
            image=data.get("image"),
            modified_at=None if modified is None else Timestamp.parse(modified),
        )

    @classmethod
    def from_article_text(
        cls,
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
    ) -> ArchivedArticle:
        """Build a record from an article-text file's bytes (body + LINK:/TAGS: trailer).

        `url` overrides the LINK: line (and is required when there is none);
        `tags` are added after the file's own tags. The import is recorded as a
        provenance event carrying the digest of the whole source file. When
        the source is a web-archive snapshot (see `newsarchive.archiveurls`),
        the record names the article's own URL (from a Wayback link, or
        `original_url`), the snapshot as `retrieval.via`, and the archive as
        the method.
        """
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
        now = Timestamp.from_datetime(clock())
        source = "article-text file" + (f" {source_name}" if source_name else "")
        event = ProvenanceEvent(
            type="import",
            at=now,
            agent=DEFAULT_AGENT,
            detail=f"imported from {source}",
            source_digest=Digest.of_bytes(data, algorithm),
        )
        return cls.create(
            url=url,
            content=parsed.body,
            retrieved_at=now if retrieved_at is None else retrieved_at,
            title=title,
            tags=[*parsed.tags, *tags],
            published_at=published_at,
            retrieval=Retrieval(method=method, agent=agent, via=via, notes=tuple(notes)),
            provenance=[event],
            algorithm=algorithm,
            default_tz=default_tz,
        )

    # -- output ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON object form; key order is for people (digests never depend on it)."""
        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "id": self.id,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "title": self.title,
        }
        if self.authors is not None:
            out["authors"] = list(self.authors)
        for name in ("publisher", "description", "language", "image"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.published_at is not None:
            out["published_at"] = str(self.published_at)
        if self.modified_at is not None:
            out["modified_at"] = str(self.modified_at)
        out["retrieved_at"] = str(self.retrieved_at)
        out["retrieval"] = self.retrieval.to_dict()
        out["tags"] = list(self.tags)
        out["media_type"] = self.media_type
        out["content_length"] = self.content_length
        out["content_digest"] = str(self.content_digest)
        out["provenance"] = [e.to_dict() for e in self.provenance]
        out["record_digest"] = str(self.record_digest)
        if self.content is not None:
            out["content"] = self.content
        return out

    def to_article_text(self) -> bytes:
        """The record in the article-text format (needs the content)."""
        if self.content is None:
            raise ArticleTextError("the record holds no content to write", code="no-content")
        return format_article_text(self.content, self.url, self.tags)

    def without_content(self) -> ArchivedArticle:
        """The same record pointing at content stored elsewhere (the record digest is unchanged)."""
        return attrs.evolve(self, content=None)

    def with_event(self, event: ProvenanceEvent) -> ArchivedArticle:
        """A new record with one more provenance event and a recomputed record digest."""
        changed = attrs.evolve(self, provenance=(*self.provenance, event))
        return changed._sealed(self.record_digest.algorithm)  # noqa: SLF001 - same class
