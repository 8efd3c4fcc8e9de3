"""The full-text index of a store: `text.sqlite`, a contentless SQLite FTS5 table.

Derived data (see `store/_derived.py`): every record's title and content,
folded (`_fold`), are taken in batch by batch; the text itself is not kept
(`content=''`), so content is stored once, in the segments. Layout
(format `newsarchive-text-index/1`):

    meta(key, value)          format, position (the last batch taken in)
    docs(rowid, record_id)    the FTS row of each record
    text(title, body)         FTS5, unicode61 with Latin diacritics removed and
                              letters, numbers and marks as word characters

Each batch is one SQLite transaction. `check` compares the record ids with
the store's index and probes each record's own words against its row, so a
lost, extra or stale row is found.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from typing import TYPE_CHECKING, Final

from newsarchive.errors import StoreCorrupted, StoreError
from newsarchive.search._fold import fold
from newsarchive.store._core import StoreCore
from newsarchive.store._findings import Finding
from newsarchive.store._layout import TEXT, is_regular, open_nofollow

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from pathlib import Path

    from newsarchive.search._query import Query
    from newsarchive.store._segment import Entry

__all__ = ["FORMAT", "TextIndex", "open_text_index"]

FORMAT: Final = "newsarchive-text-index/1"
_SCHEMA: Final = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE docs (rowid INTEGER PRIMARY KEY, record_id TEXT NOT NULL UNIQUE)",
    (
        "CREATE VIRTUAL TABLE text USING fts5(title, body, content='', "
        "tokenize=\"unicode61 remove_diacritics 2 categories 'L* N* Co M*'\")"
    ),
)
#: How many records `check` probes word by word (spread over the store).
PROBES: Final = 2000


class TextIndex:
    """The store's full-text index (a `store._derived.DerivedIndex`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._reader: StoreCore | None = None
        path = root / TEXT
        if os.path.lexists(path) and not is_regular(path):
            raise StoreCorrupted("is not the store's text index", path=str(path))
        os.close(open_nofollow(path, os.O_RDWR | os.O_CREAT))
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        if not self._has_schema() or self._meta("format") != FORMAT:
            self._create()

    def _has_schema(self) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        return self.conn.execute(sql).fetchone() is not None

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _create(self) -> None:
        """A fresh, empty index (another format's tables dropped: it is rebuilt)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.conn.execute("BEGIN IMMEDIATE")
        for table in ("text", "docs", "meta"):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in _SCHEMA:
            self.conn.execute(statement)
        self.conn.executemany(
            "INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("position", "0")]
        )
        self.conn.execute("COMMIT")

    # -- the DerivedIndex protocol -------------------------------------------------

    def position(self) -> int:
        return int(self._meta("position") or 0)

    def take(self, seq: int, entries: Sequence[Entry]) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")  # committed by `commit`, after several batches
        blobs = {
            e.value["blob"].get("digest"): e.value["blob"].get("content")
            for e in entries
            if e.kind == "blob"
        }
        docs: list[tuple[str, str, str]] = []
        for e in entries:
            if e.kind != "record":
                continue
            record = e.value["record"]
            content = record.get("content")
            if content is None and "content_blob" in e.value:
                content = blobs.get(e.value["content_blob"]) or self._blob(e.value["content_blob"])
            title = record.get("title")
            docs.append(
                (
                    str(record.get("id")),
                    fold(title) if isinstance(title, str) else "",
                    fold(content) if isinstance(content, str) else "",
                )
            )
        self._add(docs)
        self.conn.execute("UPDATE meta SET value=? WHERE key='position'", (str(seq),))

    def _add(self, docs: list[tuple[str, str, str]]) -> None:
        for record_id, title, body in docs:
            cursor = self.conn.execute(
                "INSERT OR IGNORE INTO docs (record_id) VALUES (?)", (record_id,)
            )
            if cursor.rowcount:  # a second copy of an id (never ours) stays out, as in the index
                self.conn.execute(
                    "INSERT INTO text (rowid, title, body) VALUES (?, ?, ?)",
                    (cursor.lastrowid, title, body),
                )

    def _blob(self, digest: str) -> str | None:
        if self._reader is None:
            self._reader = StoreCore(self.root)
        with contextlib.suppress(StoreError):
            return self._reader._blob_content(digest)  # noqa: SLF001 - the store's own reader
        return None  # damaged or missing: `store verify` reports it; the record stays unfound

    def reset(self) -> None:
        self._create()

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")  # what was not committed is taken in again
        self.conn.close()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def audit(self, index: sqlite3.Connection) -> None:  # noqa: ARG002
        """`check` reads what it needs itself."""
        return

    def check(self, index: sqlite3.Connection) -> list[Finding]:
        findings: list[Finding] = []
        indexed_seq = index.execute("SELECT max(seq) FROM batches").fetchone()[0] or 0
        if self.position() > indexed_seq:
            findings.append(
                Finding(
                    "failure",
                    "text-index-ahead",
                    TEXT,
                    f"it has taken in batch {self.position()}; the store has {indexed_seq}",
                )
            )
        caught_up = self.position() == indexed_seq
        (count,) = self.conn.execute("SELECT count(*) FROM docs").fetchone()
        step, common = max(1, count // PROBES), 0
        extra, missing, probed = [], [], []
        # Both id columns in order, walked together: memory does not grow with the store.
        for record_id, mine, stored in _merged(
            self.conn.execute("SELECT record_id FROM docs ORDER BY record_id"),
            index.execute("SELECT id FROM records ORDER BY id_key, id"),
        ):
            if not stored:
                extra.append(record_id)
            elif not mine:
                if caught_up:  # behind, it lacks the newest records by design
                    missing.append(record_id)
            else:
                if common % step == 0:
                    probed.append(record_id)
                common += 1
        findings.extend(
            Finding("failure", "text-index-mismatch", TEXT, "indexes no stored record", r)
            for r in extra
        )
        if caught_up:
            findings.extend(
                Finding("failure", "text-index-mismatch", TEXT, "does not index it", r)
                for r in missing
            )
        findings.extend(self._probe(probed))
        return findings

    def _probe(self, ids: list[str]) -> Iterator[Finding]:
        """Each probed record's first and last words must find its own row."""
        reader = StoreCore(self.root)
        try:
            for record_id in ids:
                try:
                    record = reader.get(record_id)
                except StoreError:  # damaged bytes: the audit reports them
                    continue
                words = [w for w in fold(record.get("content") or "").split() if w.isalnum()]
                for word in {words[0], words[-1]} if words else ():
                    row = self.conn.execute(
                        "SELECT 1 FROM text WHERE text MATCH ? AND rowid = "
                        "(SELECT rowid FROM docs WHERE record_id=?)",
                        ('body:"' + word.replace('"', '""') + '"', record_id),
                    ).fetchone()
                    if row is None:
                        yield Finding(
                            "failure",
                            "text-index-mismatch",
                            TEXT,
                            f"its row does not hold the word {word!r} of its content",
                            record_id,
                        )
                        break
        finally:
            reader.close()

    # -- queries --------------------------------------------------------------------

    def search(self, query: Query, *, ranked: bool = True) -> list[str]:
        """Ids of the records holding every term of `query`: best match (BM25) first if `ranked`.

        Unranked is faster (no score per match) when the caller orders them itself.
        """
        sql = (
            "SELECT docs.record_id FROM text JOIN docs ON docs.rowid = text.rowid "
            "WHERE text MATCH ?"
        )
        rows = self.conn.execute(sql + " ORDER BY bm25(text)" if ranked else sql, (query.fts(),))
        return [record_id for (record_id,) in rows]


def _merged(
    left: Iterable[tuple[str]], right: Iterable[tuple[str]]
) -> Iterator[tuple[str, bool, bool]]:
    """Two ascending columns of unique ids, walked together: each id, in `left`?, in `right`?"""
    lefts, rights = iter(left), iter(right)
    a, b = next(lefts, None), next(rights, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            assert a is not None
            yield a[0], True, False
            a = next(lefts, None)
        elif a is None or b[0] < a[0]:
            yield b[0], False, True
            b = next(rights, None)
        else:
            yield a[0], True, True
            a, b = next(lefts, None), next(rights, None)


def open_text_index(root: Path) -> TextIndex:
    """The factory `store/_derived.py` calls."""
    return TextIndex(root)
