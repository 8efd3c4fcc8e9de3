"""The SQLite index: derived data for lookups, rebuilt from the segments alone.

It records how far each segment has been indexed (`segments.indexed`, always
a batch boundary), every batch and entry (with the SHA-256 of each entry line,
which `store repair` uses to fetch byte-identical lines from a replica), and
lookup tables for records, tags, blobs and events. The index is updated only
after a batch is durable in its segment, so after a crash it can lag the
segments (caught up on the next open) but never run ahead of them; an index
that claims more than the segments hold is a finding for `store verify`.

WAL mode lets readers read while a writer writes; `synchronous=NORMAL` is
enough because a lost index transaction is simply caught up again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import urllib.parse
from typing import TYPE_CHECKING, Any, Final

from newsarchive.errors import StoreCorrupted, StoreError
from newsarchive.store._keys import hash_key, id_key, rows_by_id, time_key
from newsarchive.store._layout import (
    INDEX,
    SEGMENTS,
    index_files,
    is_regular,
    open_nofollow,
    open_segment,
    segment_names,
)
from newsarchive.store._segment import Batch, Damage, scan

if TYPE_CHECKING:
    from pathlib import Path

    from newsarchive.store._segment import Entry

__all__ = [
    "IndexState",
    "batches",
    "blob_row",
    "catch_up",
    "connect",
    "connect_read_only",
    "drop",
    "event_row",
    "evidence_row",
    "index_batch",
    "read_only_uri",
    "record_row",
    "tag_keys",
]

# The index is derived: an index of another version is rebuilt from the
# segments, so changing its tables only costs one rebuild. 3: no index on
# `records.url`, which no query reads (find matches the canonical url).
# 4: indexes by place (segment, offset) and on `tags.record_id`, so each
# chunk of `store verify` reads its own rows instead of scanning whole tables
# (the full audit was quadratic in the store's size), and on `content_blob`
# (partial: only records whose content is a blob have one).
# 5: the `evidence` table (WARC records of captures, by the record they support).
# 6: `tags` rows carry their record's place, and are found by it (`tags_place`)
# instead of by record id: an index on the id took two inserts per record at
# random places (160 MiB of 1.2 GiB at a million records, most of what made
# each batch slower as the store grew past the page cache); and the index on
# the canonical url no longer repeats the content digest (no query needed it).
# 7: records are found by short keys instead of their full texts (`_keys`:
# `id_key`, `url_key`, `digest_key`). The three indexes took ~80 bytes a record
# each at random places, so past a few hundred thousand records every insert
# dirtied pages outside the cache; at ~18 bytes they stay in it 4-5 times
# longer. The id is no longer a primary key: indexing skips an id already
# indexed (`_new`), as the key's uniqueness did.
_VERSION: Final = "7"
_SCHEMA: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE segments (name TEXT PRIMARY KEY, indexed INTEGER NOT NULL);
CREATE TABLE batches (
  seq INTEGER PRIMARY KEY, segment TEXT NOT NULL, start INTEGER NOT NULL,
  "end" INTEGER NOT NULL, entries INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE INDEX batches_place ON batches (segment, start);
CREATE TABLE entries (
  segment TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
  kind TEXT NOT NULL, line_sha256 TEXT NOT NULL, PRIMARY KEY (segment, offset));
CREATE TABLE records (
  id TEXT, url TEXT, canonical_url TEXT, retrieved_key TEXT,
  published_key TEXT, content_digest TEXT, content_blob TEXT,
  segment TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
  id_key TEXT, url_key INTEGER, digest_key INTEGER);
CREATE INDEX records_id ON records (id_key);
CREATE INDEX records_url ON records (url_key);
CREATE INDEX records_retrieved ON records (retrieved_key);
CREATE INDEX records_published ON records (published_key);
CREATE INDEX records_digest ON records (digest_key);
CREATE INDEX records_place ON records (segment, offset);
CREATE INDEX records_blob ON records (content_blob) WHERE content_blob IS NOT NULL;
CREATE TABLE tags (
  record_id TEXT NOT NULL, tag TEXT NOT NULL, segment TEXT NOT NULL, offset INTEGER NOT NULL);
CREATE INDEX tags_tag ON tags (tag);
CREATE INDEX tags_place ON tags (segment, offset);
CREATE TABLE blobs (
  digest TEXT PRIMARY KEY, segment TEXT NOT NULL, offset INTEGER NOT NULL,
  length INTEGER NOT NULL);
CREATE INDEX blobs_place ON blobs (segment, offset);
CREATE TABLE events (
  record_id TEXT, type TEXT, at TEXT, outcome TEXT, full INTEGER,
  segment TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL);
CREATE INDEX events_record ON events (record_id);
CREATE INDEX events_place ON events (segment, offset);
CREATE TABLE evidence (
  record_id TEXT, warc_record_id TEXT, warc_type TEXT, target_uri TEXT, digest TEXT,
  segment TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL);
CREATE INDEX evidence_record ON evidence (record_id);
CREATE INDEX evidence_place ON evidence (segment, offset);
"""


class IndexState:
    """What `catch_up` learned: the index may be behind (fixed), ahead or blocked (findings)."""

    def __init__(self) -> None:
        self.ahead: list[str] = []  # segments the index claims more of than they hold
        self.blocked: list[tuple[str, int, str]] = []  # (segment, offset, why) not indexed past


def connect(root: Path, *, readonly: bool = False, name: str = INDEX) -> sqlite3.Connection:
    """Open (creating if needed) the index; raises sqlite3.DatabaseError if it is damaged.

    `name` is another file name for it, for an index built beside the one in use.
    """
    path = root / name
    if readonly:
        conn = sqlite3.connect(read_only_uri(path), uri=True, isolation_level=None)
    else:
        if os.path.lexists(path) and not is_regular(path):
            # A name the store uses, taken by something else: damage for the audit.
            raise StoreCorrupted(
                "is not the store's index (a symlink, a directory, ...); "
                "run `newsarchive store verify`",
                path=str(path),
            )
        # Create the file through O_NOFOLLOW first, so SQLite never follows a planted link.
        os.close(open_nofollow(path, os.O_RDWR | os.O_CREAT))
        conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        conn.execute("PRAGMA busy_timeout = 60000")
        # Inserts into the random-key indexes (ids, digests) touch pages all
        # over the file: a 64 MiB page cache, and checkpoints every 64 MiB of
        # WAL rather than 4 MiB (so a page changed by many batches is written
        # back once), keep the cost per batch flat as the store grows
        # (measured: 116 -> 219 ms per 1,000 records from 0 to 100k before,
        # ~100 ms throughout after).
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA wal_autocheckpoint = 16384")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            has_meta = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            if not has_meta:
                with _transaction(conn):
                    if not conn.execute(
                        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
                    ).fetchone():
                        # Statement by statement: executescript would COMMIT our transaction.
                        for statement in _SCHEMA.split(";"):
                            if statement.strip():
                                conn.execute(statement)
                        conn.execute("INSERT INTO meta VALUES ('version', ?)", (_VERSION,))
        _check_version(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def read_only_uri(path: Path) -> str:
    """The URI that opens the index at `path` read-only, even in a directory we cannot write.

    SQLite reads a WAL database read-only through its `-shm` file, which it
    cannot make in a directory we may not write. There, without a `-wal` file
    (a writer at work, or one stopped mid-way, leaves one), every committed
    transaction is in the database file itself, which is then opened immutable
    (no locks, no `-shm`): right for a copy nobody writes; of a store its owner
    writes meanwhile, a read may meet a checkpoint half done (an index error).
    """
    immutable = not os.path.lexists(f"{path}-wal") and not os.access(path.parent, os.W_OK)
    return f"file:{urllib.parse.quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")


def connect_read_only(root: Path) -> sqlite3.Connection:
    """Open the index of a store we may not write, as it stands: nothing made or caught up.

    `StoreError` ("read-only") where it cannot be read so (see `read_only_uri`).
    """
    path, why = root / INDEX, "there is none"
    if is_regular(path):
        try:
            return connect(root, readonly=True)
        except sqlite3.DatabaseError as exc:
            why = str(exc)
    raise StoreError(
        f"the index cannot be read, nor rebuilt without write access to the store: {why}",
        code="read-only",
        path=str(path),
    )


def _check_version(conn: sqlite3.Connection) -> None:
    version = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
    if version is None or version[0] != _VERSION:
        raise sqlite3.DatabaseError(f"index version {version} is not {_VERSION}")


def drop(root: Path, name: str = INDEX) -> None:
    """Delete the index files (the caller holds the writer lock)."""
    for file in index_files(name):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(root / file)


def batches(conn: sqlite3.Connection) -> set[tuple[int, str, int, int, str]]:
    """Every batch the index lists: (seq, segment, start, end, sha256)."""
    return set(conn.execute('SELECT seq, segment, start, "end", sha256 FROM batches'))


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Any:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def indexed_offset(conn: sqlite3.Connection, segment: str) -> int:
    row = conn.execute("SELECT indexed FROM segments WHERE name=?", (segment,)).fetchone()
    return int(row[0]) if row else 0


def _entry_rows(segment: str, entry: Entry) -> tuple[Any, ...]:
    return (
        segment,
        entry.offset,
        len(entry.line),
        entry.kind,
        entry.sha256 or hashlib.sha256(entry.line).hexdigest(),
    )


# The rows an entry gives, one function per table: `index_batch` inserts them
# and `store verify` compares them with what the index holds.


def record_row(segment: str, e: Entry) -> tuple[Any, ...]:
    r = e.value["record"]
    record_id, canonical, digest = r.get("id"), r.get("canonical_url"), r.get("content_digest")
    return (
        record_id,
        r.get("url"),
        canonical,
        time_key(r.get("retrieved_at")),
        time_key(r.get("published_at")),
        digest,
        e.value.get("content_blob"),
        segment,
        e.offset,
        len(e.line),
        id_key(record_id),
        hash_key(canonical),
        hash_key(digest),
    )


def tag_keys(e: Entry) -> list[str]:
    tags = e.value["record"].get("tags")
    return [t.casefold() for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def blob_row(segment: str, e: Entry) -> tuple[Any, ...]:
    return (e.value["blob"].get("digest"), segment, e.offset, len(e.line))


def event_row(segment: str, e: Entry) -> tuple[Any, ...]:
    ev = e.value["event"]
    full = ev.get("full") if ev.get("type") == "fixity-check" else None
    return (
        ev.get("record_id"),
        ev.get("type"),
        ev.get("at"),
        ev.get("outcome"),
        full,
        segment,
        e.offset,
        len(e.line),
    )


def evidence_row(segment: str, e: Entry) -> tuple[Any, ...]:
    ev = e.value["evidence"]
    return (
        ev.get("record_id"),
        ev.get("warc_record_id"),
        ev.get("warc_type"),
        ev.get("target_uri"),
        ev.get("digest"),
        segment,
        e.offset,
        len(e.line),
    )


def index_batch(conn: sqlite3.Connection, segment: str, batch: Batch) -> None:
    """Add one committed batch (inside the caller's transaction)."""
    conn.execute(
        'INSERT INTO batches (seq, segment, start, "end", entries, sha256) VALUES (?,?,?,?,?,?)',
        (batch.seq, segment, batch.start, batch.end, batch.count, batch.sha256),
    )
    conn.executemany(
        "INSERT INTO entries VALUES (?,?,?,?,?)", [_entry_rows(segment, e) for e in batch.entries]
    )
    records: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, str, str, int]] = []
    blobs: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    evidence: list[tuple[Any, ...]] = []
    for e in batch.entries:
        if e.kind == "record":
            records.append(record_row(segment, e))
            record_id = e.value["record"].get("id")
            if record_id is not None:  # tags of a record without an id find nothing
                tags.extend((record_id, t, segment, e.offset) for t in tag_keys(e))
        elif e.kind == "blob":
            blobs.append(blob_row(segment, e))
        elif e.kind == "evidence":
            evidence.append(evidence_row(segment, e))
        else:
            events.append(event_row(segment, e))
    # A second copy of an id or blob (never written by us) stays unindexed,
    # and `store verify` reports it as a duplicate.
    conn.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", _new(conn, records))
    conn.executemany("INSERT INTO tags VALUES (?,?,?,?)", tags)
    conn.executemany("INSERT OR IGNORE INTO blobs VALUES (?,?,?,?)", blobs)
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)", events)
    if evidence:
        conn.executemany("INSERT INTO evidence VALUES (?,?,?,?,?,?,?,?)", evidence)
    conn.execute(
        "INSERT INTO segments VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET indexed=excluded.indexed",
        (segment, batch.end),
    )


def _new(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The record rows whose id is neither indexed yet nor in an earlier row.

    One query for the batch's ids: an INSERT that looked each id up itself
    (`INSERT ... SELECT ... WHERE NOT EXISTS`) cost 21 us a record, the plain
    insert and this query 11.
    """
    ids = [row[0] for row in rows if isinstance(row[0], str)]
    seen: set[str] = {row[0] for row in rows_by_id(conn, "", ids)}
    new = []
    for row in rows:
        if isinstance(row[0], str):
            if row[0] in seen:
                continue
            seen.add(row[0])
        new.append(row)
    return new


def catch_up(conn: sqlite3.Connection, root: Path) -> IndexState:
    """Index every committed batch the index does not have yet; report what stops it."""
    state = IndexState()
    names = segment_names(root)
    for (name,) in conn.execute("SELECT name FROM segments").fetchall():
        if name not in names:
            state.ahead.append(name)  # the index knows a segment that is gone
    for name in names:
        try:
            fd = open_segment(root / SEGMENTS / name)
        except StoreError as exc:  # a symlink or directory planted as a segment: never indexed
            state.blocked.append((name, 0, exc.message))
            continue
        with os.fdopen(fd, "rb") as f:
            if indexed_offset(conn, name) == os.fstat(f.fileno()).st_size:
                continue
            with _transaction(conn):
                start = indexed_offset(conn, name)  # again, now that we hold the write lock
                size = os.fstat(f.fileno()).st_size
                if start > size:
                    state.ahead.append(name)
                    continue
                for item in scan(f, start, size):
                    if isinstance(item, Batch):
                        try:
                            index_batch(conn, name, item)
                        except sqlite3.IntegrityError:  # a repeated seq: not ours to index
                            state.blocked.append((name, item.start, f"batch {item.seq} repeats"))
                            break
                    elif isinstance(item, Damage) or not item.torn:
                        state.blocked.append((name, item.start, item.reason))
                        break
    return state
