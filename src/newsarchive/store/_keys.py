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
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from newsarchive.errors import NewsArchiveError
from newsarchive.timestamps import Timestamp

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Iterator

__all__ = [
    "BY_DIGEST",
    "BY_ID",
    "BY_URL",
    "by_hash",
    "by_id",
    "hash_key",
    "id_key",
    "rows_by_id",
    "select_in",
    "time_key",
]

#: The condition that finds a record's row by its id; its parameters are `by_id(id)`.
BY_ID: Final = "id_key=? AND id=?"
#: ... by its canonical url, and by its content digest; the parameters are `by_hash(text)`.
BY_URL: Final = "url_key=? AND canonical_url=?"
BY_DIGEST: Final = "digest_key=? AND content_digest=?"
_ID_KEY_LENGTH: Final = 8
#: Parameters per statement (SQLite's limit was 999 in old builds).
_PARAMETERS: Final = 500


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


def by_hash(text: Any) -> tuple[Any, Any]:
    return hash_key(text), text


def select_in(conn: sqlite3.Connection, sql: str, values: Iterable[Any]) -> Iterator[Any]:
    """The rows of `sql`, whose `IN ({})` takes `values`, a statement per 500 of them."""
    values = list(values)
    for k in range(0, len(values), _PARAMETERS):
        part = values[k : k + _PARAMETERS]
        yield from conn.execute(sql.format(",".join("?" * len(part))), part)


def rows_by_id(conn: sqlite3.Connection, columns: str, ids: Iterable[str]) -> Iterator[Any]:
    """The rows (`id`, then `columns`) of the records with these ids, found by their keys."""
    wanted = set(ids)
    sql = f"SELECT id{', ' + columns if columns else ''} FROM records WHERE id_key IN ({{}})"
    return (row for row in select_in(conn, sql, {id_key(i) for i in wanted}) if row[0] in wanted)


_PLAIN_INSTANT: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.([0-9]{1,9}))?Z"
)


def time_key(text: Any) -> str | None:
    """A sortable text for an RFC 3339 instant (nanosecond digits), or None."""
    if not isinstance(text, str):
        return None
    plain = _PLAIN_INSTANT.fullmatch(text)  # the usual "YYYY-MM-DDTHH:MM:SS[.digits]Z"
    if plain is not None:
        fields = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
        year, month, day, hour, minute, second = map(int, fields)
        try:  # a date and time that exist (no leap second), as the parse requires
            datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - only checked
        except ValueError:
            return None
        return f"{text[:19]}.{(plain.group(1) or '').ljust(9, '0')}Z"
    try:
        stamp = Timestamp.parse(text)
    except NewsArchiveError:
        return None
    # isoformat, not %Y: strftime writes year 1 as "1", which sorts after "1999".
    return f"{stamp.seconds.isoformat()[:19]}.{stamp.fraction.ljust(9, '0')}Z"
