"""How the index finds records (version 7): the keys of their ids, urls and digests, and times.

A record is found by a short key, then its full text is compared: the id by
its first 8 characters (`id_key`), a prefix, so the key's order agrees with the
id's (a walk in id order and a lookup by an id prefix of 8+ hex digits both go
through the key's index); the canonical url and the content digest by a
signed 64-bit BLAKE2b of their text (`hash_key`). Short keys keep the indexes
on them small: each record inserts into them at random places, and their size
against SQLite's page cache sets what an insert costs as the store grows.
Times are kept as fixed-width texts whose order is the instants' (`time_key`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Final

from newsarchive.errors import NewsArchiveError
from newsarchive.timestamps import Timestamp

__all__ = [
    "BY_DIGEST",
    "BY_ID",
    "BY_URL",
    "by_digest",
    "by_id",
    "by_url",
    "hash_key",
    "id_key",
    "time_key",
]

#: The condition that finds a record's row by its id; its parameters are `by_id(id)`.
BY_ID: Final = "id_key=? AND id=?"
#: ... by its canonical url (`by_url(url)`), and by its content digest (`by_digest(d)`).
BY_URL: Final = "url_key=? AND canonical_url=?"
BY_DIGEST: Final = "digest_key=? AND content_digest=?"
_ID_KEY_LENGTH: Final = 8


def id_key(value: Any) -> str | None:
    """The key of a record id: its first 8 characters (a prefix: same order as the ids)."""
    return value[:_ID_KEY_LENGTH] if isinstance(value, str) else None


def hash_key(value: Any) -> int | None:
    """The key of a canonical url or content digest: a signed 64-bit BLAKE2b of its text."""
    if not isinstance(value, str):
        return None
    data = value.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def by_id(record_id: Any) -> tuple[Any, Any]:
    return id_key(record_id), record_id


def by_url(url: Any) -> tuple[Any, Any]:
    return hash_key(url), url


def by_digest(digest: Any) -> tuple[Any, Any]:
    return hash_key(digest), digest


_PLAIN_INSTANT: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.([0-9]{1,9}))?Z"
)


def time_key(text: Any) -> str | None:
    """A sortable text for an RFC 3339 instant (nanosecond digits), or None."""
    if not isinstance(text, str):
        return None
    plain = _PLAIN_INSTANT.fullmatch(text)  # the usual "YYYY-MM-DDTHH:MM:SS[.digits]Z"
    if plain is not None:
        return f"{text[:19]}.{(plain.group(1) or '').ljust(9, '0')}Z"
    try:
        stamp = Timestamp.parse(text)
    except NewsArchiveError:
        return None
    return f"{stamp.seconds:%Y-%m-%dT%H:%M:%S}.{stamp.fraction.ljust(9, '0')}Z"
