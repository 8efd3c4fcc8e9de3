"""The reading side of `Store`: records, content, events, queries and counts from the index.

Damage is read past, record by record: each line read is checked against the
SHA-256 the index holds for it, and a line that fails (changed bytes, a lost
segment file, a symlink where one was) raises `StoreCorrupted` for that read
alone, so every intact record stays readable. `find` reads only the index.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Any

import orjson

from newsarchive.archiveurls import parse_archive_url
from newsarchive.errors import RecordNotFound, StoreCorrupted, StoreError
from newsarchive.store import _keys
from newsarchive.store._evidence import evidence_bytes
from newsarchive.store._layout import SEGMENTS, is_segment_name, open_segment, segment_names
from newsarchive.urls import canonicalize_url

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator
    from pathlib import Path

    from newsarchive.history import History, IgnoreRules

__all__ = ["StoreReader"]


class StoreReader:
    """Reads a store through its index; every line read is checked against its SHA-256.

    `Store` provides `root` and `index` (the index, caught up with the segments).
    """

    root: Path

    @property
    def index(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _has(self, record_id: str) -> bool:
        sql = f"SELECT 1 FROM records WHERE {_keys.BY_ID} LIMIT 1"
        return self.index.execute(sql, _keys.by_id(record_id)).fetchone() is not None

    def read_line(self, segment: str, offset: int, length: int) -> bytes:
        """One entry line, checked against the SHA-256 the index holds for it."""
        if not is_segment_name(segment):  # never a path from a (possibly damaged) index
            raise StoreCorrupted(
                f"the index names a segment {segment!r} that cannot exist; "
                "run `newsarchive store verify`",
                path=str(self.root),
            )
        path = self.root / SEGMENTS / segment
        try:
            fd = open_segment(path)
        except (FileNotFoundError, NotADirectoryError):  # the file, or segments/ itself, gone
            raise StoreCorrupted(
                "the segment file is missing; run `newsarchive store verify`", path=str(path)
            ) from None
        except StoreError as exc:  # a symlink (or a directory) where the segment file was
            raise StoreCorrupted(
                f"{exc.message}; run `newsarchive store verify`", path=str(path)
            ) from None
        try:
            line = os.pread(fd, length, offset)
        finally:
            os.close(fd)
        row = self.index.execute(
            "SELECT line_sha256 FROM entries WHERE segment=? AND offset=?", (segment, offset)
        ).fetchone()
        if row is None or hashlib.sha256(line).hexdigest() != row[0]:
            raise StoreCorrupted(
                f"the entry at byte {offset} does not match its digest; "
                "run `newsarchive store verify`",
                path=str(path),
            )
        return line

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, str) and self._has(record_id)

    def __len__(self) -> int:
        return int(self.index.execute("SELECT count(*) FROM records").fetchone()[0])

    def get(self, record_id: str) -> dict[str, Any]:
        """The record exactly as stored (large content put back in place).

        `RecordNotFound` for an unknown id; `StoreCorrupted` if its stored bytes
        fail their check (other records stay readable).
        """
        row = self.index.execute(
            f"SELECT segment, offset, length, content_blob FROM records WHERE {_keys.BY_ID}",
            _keys.by_id(record_id),
        ).fetchone()
        if row is None:
            raise RecordNotFound(f"no record with id {record_id!r} in {self.root}")
        record: dict[str, Any] = orjson.loads(self.read_line(*row[:3]))["record"]
        if record.get("id") != record_id:  # a damaged index pointing at another record
            raise StoreCorrupted(
                f"the index places record {record_id} where another record is; "
                "run `newsarchive store reindex`",
                path=str(self.root),
            )
        if row[3] is not None:
            record["content"] = self._blob_content(row[3])
        return record

    def _blob_content(self, digest: str) -> str:
        row = self.index.execute(
            "SELECT segment, offset, length FROM blobs WHERE digest=?", (digest,)
        ).fetchone()
        if row is None:
            raise StoreCorrupted(f"content {digest} is missing from the store")
        blob = orjson.loads(self.read_line(*row))["blob"]
        if blob.get("digest") != digest:
            raise StoreCorrupted(
                f"the index places content {digest} where other content is; "
                "run `newsarchive store reindex`",
                path=str(self.root),
            )
        content: str = blob["content"]
        return content

    def content(self, record_id: str) -> bytes:
        """The exact content bytes of a record (UTF-8), or raise if it holds none."""
        content = self.get(record_id).get("content")
        if not isinstance(content, str):
            raise RecordNotFound(f"record {record_id} holds no content", code="no-content")
        return content.encode("utf-8")

    def events(self, record_id: str | None) -> list[dict[str, Any]]:
        """Events appended later about a record (or, with None, about the whole store)."""
        where = "record_id IS NULL" if record_id is None else "record_id=?"
        rows = self.index.execute(
            f"SELECT segment, offset, length FROM events WHERE {where} ORDER BY rowid",
            () if record_id is None else (record_id,),
        ).fetchall()
        return [orjson.loads(self.read_line(*row))["event"] for row in rows]

    def evidence(self, record_id: str) -> list[dict[str, Any]]:
        """The evidence entries supporting a record (WARC records, base64), in stored order."""
        rows = self.index.execute(
            "SELECT segment, offset, length FROM evidence WHERE record_id=? ORDER BY rowid",
            (record_id,),
        ).fetchall()
        return [orjson.loads(self.read_line(*row))["evidence"] for row in rows]

    def evidence_warc(self, record_id: str) -> bytes:
        """The record's evidence as one uncompressed WARC file (its records, in stored order).

        `RecordNotFound` for an unknown id; an empty result when it has no evidence.
        """
        if record_id not in self:
            raise RecordNotFound(f"no record with id {record_id!r} in {self.root}")
        parts = []
        for value in self.evidence(record_id):
            try:
                parts.append(evidence_bytes(value))
            except ValueError:
                raise StoreCorrupted(
                    f"evidence {value.get('digest')} of record {record_id} is not base64; "
                    "run `newsarchive store verify`",
                    path=str(self.root),
                ) from None
        return b"".join(parts)

    def find(
        self,
        *,
        url: str | None = None,
        tag: str | None = None,
        since: str | None = None,
        until: str | None = None,
        published_since: str | None = None,
        published_until: str | None = None,
        content_digest: str | None = None,
        text: str | None = None,
    ) -> Iterator[str]:
        """Ids of matching records, oldest retrieval first; times are RFC 3339 instants.

        `url` matches by canonical url; `tag` ignores case; bounds are inclusive;
        `text` is a full-text query (`newsarchive.search`: every word or
        "phrase" in the content or title; `SearchError` if it has none).
        It reads the index only, never the segments: the id of a record whose
        stored bytes are damaged is yielded too (its index row is intact), and
        reading that record (`get`) raises `StoreCorrupted` for it alone.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if url is not None:
            clauses.append(_keys.BY_URL)
            params.extend(_keys.by_hash(canonicalize_url(url)))
        if tag is not None:
            clauses.append("(segment, offset) IN (SELECT segment, offset FROM tags WHERE tag=?)")
            params.append(tag.strip().casefold())
        for column, op, value in (
            ("retrieved_key", ">=", since),
            ("retrieved_key", "<=", until),
            ("published_key", ">=", published_since),
            ("published_key", "<=", published_until),
        ):
            if value is not None:
                key = _keys.time_key(value)
                if key is None:
                    raise StoreError(f"{value!r} is not an RFC 3339 instant", code="bad-time")
                clauses.append(f"{column} {op} ?")
                params.append(key)
        if content_digest is not None:
            clauses.append(_keys.BY_DIGEST)
            params.extend(_keys.by_hash(content_digest))
        matched = None if text is None else set(self.search(text, ranked=False))
        sql = "SELECT id FROM records"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        for (record_id,) in self.index.execute(sql + " ORDER BY retrieved_key, id", params):
            if matched is None or record_id in matched:
                yield record_id

    def captures(self, url: str) -> list[str]:
        """Ids of every capture of the article at `url`, oldest retrieval first.

        Captures are grouped by canonical URL (`urls.canonicalize_url`), and a
        Wayback Machine link names its original: the captures of
        `https://web.archive.org/web/2024/https://example.com/a` are those of
        `https://example.com/a`. `InvalidURL` for a URL that is neither.
        """
        link = parse_archive_url(url)
        if link is not None and link.original is not None:
            url = link.original
        return list(self.find(url=url))

    def history(
        self, url: str, *, text: str | None = None, rules: IgnoreRules | None = None
    ) -> History:
        """Every capture of the article at `url` and what changed between them.

        `newsarchive.history.build_history` over `captures(url)` and the events
        on them; `text`: also when that phrase appeared and vanished. A record
        whose stored bytes fail their check raises `StoreCorrupted`.
        """
        from newsarchive.history import IgnoreRules, build_history  # noqa: PLC0415

        ids = self.captures(url)
        records = [self.get(i) for i in ids]
        events = [e for i in ids for e in self.events(i)]
        return build_history(records, events=events, text=text, rules=rules or IgnoreRules())

    def recaptured_urls(self, *, since: str | None = None, until: str | None = None) -> list[str]:
        """Canonical URLs captured more than once, one capture retrieved in [since, until].

        Bounds are RFC 3339 instants (inclusive); in canonical-URL order.
        """
        window: list[str] = []
        params: list[Any] = []
        for op, value in ((">=", since), ("<=", until)):
            if value is not None:
                key = _keys.time_key(value)
                if key is None:
                    raise StoreError(f"{value!r} is not an RFC 3339 instant", code="bad-time")
                window.append(f"retrieved_key {op} ?")
                params.append(key)
        in_window = f"sum({' AND '.join(window)}) > 0" if window else "1"
        sql = (
            "SELECT canonical_url FROM records GROUP BY canonical_url "
            f"HAVING count(*) > 1 AND {in_window} ORDER BY canonical_url"
        )
        return [url for (url,) in self.index.execute(sql, params)]

    def search(self, text: str, *, ranked: bool = True) -> list[str]:
        """Ids of the records matching the full-text query `text` (best first if `ranked`)."""
        raise NotImplementedError

    def stats(self) -> dict[str, Any]:
        """Counts, sizes and the last fixity checks."""
        conn = self.index

        def count(table: str) -> int:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        names = segment_names(self.root)
        size = sum(os.lstat(self.root / SEGMENTS / n).st_size for n in names)
        checks = {}
        for label, where in (("last_check", ""), ("last_full_check", "AND full=1")):
            row = conn.execute(
                "SELECT segment, offset, length FROM events WHERE type='fixity-check' "
                f"{where} ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
            checks[label] = None if row is None else orjson.loads(self.read_line(*row))["event"]
        return {
            "store": str(self.root),
            "records": count("records"),
            "blobs": count("blobs"),
            "events": count("events"),
            "evidence": count("evidence"),
            "batches": count("batches"),
            "segments": len(names),
            "bytes": size,
            **checks,
        }
