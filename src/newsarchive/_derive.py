"""The derived fields of a record (formats v1 and v2): id, record digest, name normalization.

These functions are the hashing contract. Changing what bytes they hash is a
format version change; the README repeats these rules.

- `id`: lower-case hex SHA-256 of the RFC 8785 canonical JSON of the array
  `["newsarchive:id:v1", url, "sha256:<hex of the content's UTF-8 bytes>",
  retrieved_at as an instant]` (the instant drops trailing fractional zeros, so
  `…00Z` and `…00.000Z` give one id). Same url, content and retrieval time:
  same id, whatever the serialization or the content digest algorithm chosen.
- `record_digest`: digest (algorithm of the record digest itself) of the RFC 8785
  canonical JSON of the record object with the members `record_digest` and
  `content` removed. The content is bound through `content_digest` and
  `content_length`, so a record keeps its digest when its content is stored
  elsewhere, and any change to any field, content included, is detectable.
- tags: each trimmed (`str.strip`), NFC-normalized, empty ones dropped,
  case-insensitive duplicates (`str.casefold`) dropped; first spelling and order kept.
- authors (format v2): each name's whitespace runs (as `str.split` finds them)
  made one space, leading and trailing whitespace dropped, NFC-normalized;
  empty names dropped; order and repeated names kept.

Both rules are the same in v1 and v2: the id of a capture does not depend on
the format version, while its record digest does (the record's bytes differ,
`schema_version` first of all).
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import TYPE_CHECKING, Any, Final

import orjson

from newsarchive._json import canonical_dumps
from newsarchive.digest import Digest
from newsarchive.errors import JSONError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from newsarchive.timestamps import Timestamp

__all__ = [
    "DEFAULT_MEDIA_TYPE",
    "SCHEMA_VERSION",
    "compute_id",
    "compute_id_text",
    "compute_record_digest",
    "normalize_author",
    "normalize_authors",
    "normalize_tags",
]

#: The format version of the records this library makes.
SCHEMA_VERSION: Final = 2
DEFAULT_MEDIA_TYPE: Final = "text/plain; charset=utf-8"
ID_TAG: Final = "newsarchive:id:v1"
#: The members the record digest leaves out.
NOT_DIGESTED: Final = frozenset({"record_digest", "content"})


def normalize_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Apply the tag rule above; pure, so the validator can compare against it."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in tags:
        tag = unicodedata.normalize("NFC", raw.strip())
        key = tag.casefold()
        if tag and key not in seen:
            seen.add(key)
            result.append(tag)
    return tuple(result)


def normalize_author(name: str) -> str:
    """One author name by the rule above ("" for a blank name)."""
    return unicodedata.normalize("NFC", " ".join(name.split()))


def normalize_authors(names: Iterable[str]) -> tuple[str, ...]:
    """Apply the author rule above to a list of names."""
    return tuple(n for n in map(normalize_author, names) if n)


def compute_id(url: str, content_sha256: Digest, retrieved_at: Timestamp) -> str:
    """The record id from its three identifying facts (see the module docstring)."""
    if content_sha256.algorithm != "sha256":
        msg = "the id is defined over the sha256 digest of the content"
        raise ValueError(msg)
    return compute_id_text(url, str(content_sha256), retrieved_at.instant_text)


def compute_id_text(url: str, content_sha256: str, instant: str) -> str:
    """`compute_id` from texts: "sha256:<hex>" and the retrieval instant's `instant_text`."""
    return hashlib.sha256(canonical_dumps([ID_TAG, url, content_sha256, instant])).hexdigest()


def compute_record_digest(
    record: Mapping[str, Any], algorithm: str, *, schema_valid: bool = False
) -> Digest:
    """Digest of the record without `record_digest` and `content` (see the module docstring)."""
    return Digest.of_bytes(record_digest_bytes(record, schema_valid=schema_valid), algorithm)


def record_digest_bytes(record: Mapping[str, Any], *, schema_valid: bool = False) -> bytes:
    """The bytes the record digest is computed over: RFC 8785 JSON of the record's body.

    `schema_valid=True` says the record schema accepts `record`: then it holds
    only ASCII keys, strings, null and integers (unless an integer field is
    written as a float, which is checked here, v2's HTTP statuses included),
    and orjson's bytes are the RFC 8785 bytes without `canonical_dumps` walking
    the record to make sure.
    """
    body = {k: v for k, v in record.items() if k not in NOT_DIGESTED}
    if (
        schema_valid
        and type(record["schema_version"]) is int
        and type(record["content_length"]) is int
        and _http_integers_exact(record.get("retrieval"))
    ):
        try:
            return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            raise JSONError(
                "string holds a lone surrogate (not Unicode text)", code="lone-surrogate"
            ) from None
    return canonical_dumps(body)


def _http_integers_exact(retrieval: Any) -> bool:
    """Whether the HTTP statuses of a schema-valid retrieval are all ints (not `200.0`)."""
    http = retrieval.get("http") if isinstance(retrieval, dict) else None
    if http is None:
        return True
    return type(http["status"]) is int and all(
        type(hop["status"]) is int for hop in http.get("redirects", ())
    )
