"""Segment files: the store's primary data, as JSON Lines that `jq` and `sha256sum` can check.

A segment (`segments/NNNNNNNN.jsonl`) is a sequence of batches. Each line is
RFC 8785 canonical JSON (so one value is one line) holding one object:

    {"record": R}                         a record R exactly as imported
    {"content_blob": D, "record": R}      R without `content`; the content is blob D
    {"blob": {"content": C, "digest": D, "length": N}}
                                          a large content, once per digest D
    {"event": E}                          a later event; E["record_id"] names its
                                          record (null for store-wide events)
    {"evidence": {"content": B, "digest": D, "length": N, "record_id": I,
                  "warc_record_id": W, "warc_type": T, ...}}
                                          one WARC record (base64 B of its N bytes,
                                          digest D) supporting record I (or null)
    {"commit": {"entries": K, "seq": S, "sha256": H}}

A batch is K entry lines followed by its commit line, where H is the lowercase
hex SHA-256 of the K entry lines' bytes (each with its LF) and S counts batches
across the whole store from 1. A batch is written with one `write` and made
durable with one `fsync` (group commit), so a crash leaves at most a prefix of
the last batch after the last commit line: a *torn tail*, which readers ignore
and the next writer truncates. Anything else that does not check out is damage.

These rules are part of store layouts 1 and 2 (evidence entries: layout 2 only, so a
layout-1 store is upgraded by its first write, before any capture is written); changing
them is a layout change.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, BinaryIO, Final

import attrs
import orjson

from newsarchive.jsonl import dumps_line

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "BLOB_THRESHOLD",
    "Batch",
    "Damage",
    "Entry",
    "Tail",
    "commit_line",
    "entry_kind",
    "scan",
    "seal",
]

#: Content longer than this many UTF-8 bytes is stored as a blob, once per digest.
BLOB_THRESHOLD: Final = 256 * 1024
_COMMIT_PREFIX: Final = b'{"commit":'
ENTRY_KINDS: Final = frozenset({"record", "blob", "event", "evidence"})


@attrs.frozen
class Entry:
    """One entry line of a committed batch."""

    kind: str
    value: dict[str, Any]
    offset: int
    line: bytes
    #: The line's SHA-256 (hex) when the writer was handed it with the line.
    sha256: str | None = None


@attrs.frozen
class Batch:
    """A committed batch: bytes [start, end) including its commit line."""

    start: int
    end: int
    seq: int
    sha256: str
    count: int
    entries: tuple[Entry, ...] = ()
    checked: bool = True


@attrs.frozen
class Damage:
    """Bytes [start, end) that should be committed batches but do not check out."""

    start: int
    end: int
    reason: str


@attrs.frozen
class Tail:
    """Bytes [start, end) after the last commit line at the end of a segment."""

    start: int
    end: int
    torn: bool  # True: a prefix of a batch, as a crash leaves it; False: damage
    reason: str


def commit_line(count: int, seq: int, sha256: str) -> bytes:
    return dumps_line({"commit": {"entries": count, "seq": seq, "sha256": sha256}})


def seal(lines: list[bytes], seq: int) -> tuple[bytes, str]:
    """The bytes of one batch (its entry lines, then the commit line) and its SHA-256."""
    body = b"".join(lines)
    digest = hashlib.sha256(body).hexdigest()
    return body + commit_line(len(lines), seq, digest), digest


def entry_kind(value: Any) -> str | None:
    """The kind of a parsed entry line, or None if it is not a well-formed entry."""
    if not isinstance(value, dict):
        return None
    if "record" in value:
        extra = value.keys() - {"record", "content_blob"}
        ok = not extra and isinstance(value["record"], dict)
        ok = ok and isinstance(value.get("content_blob", ""), str)
        return "record" if ok else None
    if len(value) == 1:
        (kind, inner) = next(iter(value.items()))
        if kind in ENTRY_KINDS and isinstance(inner, dict):
            return str(kind)
    return None


def _parse_commit(line: bytes) -> tuple[int, int, str] | None:
    try:
        value = orjson.loads(line)
    except ValueError:
        return None
    commit = value.get("commit") if isinstance(value, dict) and len(value) == 1 else None
    if not isinstance(commit, dict) or commit.keys() != {"entries", "seq", "sha256"}:
        return None
    count, seq, digest = commit["entries"], commit["seq"], commit["sha256"]
    if type(count) is not int or type(seq) is not int or not isinstance(digest, str):
        return None
    return count, seq, digest


def _parse_entries(lines: list[tuple[int, bytes]]) -> tuple[Entry, ...] | str:
    entries = []
    for offset, line in lines:
        try:
            value = orjson.loads(line)
        except ValueError:
            return f"line at byte {offset} is not JSON"
        kind = entry_kind(value)
        if kind is None:
            return f"line at byte {offset} is not a store entry"
        entries.append(Entry(kind, value, offset, line))
    return tuple(entries)


def scan(
    stream: BinaryIO,
    start: int = 0,
    stop: int | None = None,
    *,
    check: bool = True,
    parse: bool = True,
) -> Iterator[Batch | Damage | Tail]:
    """Read a segment from byte `start` (a batch boundary) up to `stop` (default: end).

    Yields each committed batch (hashed when `check`, and then parsed into
    entries unless `parse` is False), each damaged range, and finally the tail
    after the last commit line, if any. Memory is bounded by the largest batch.
    """
    stream.seek(start)
    pos = batch_start = start
    pending: list[tuple[int, bytes]] = []
    hasher = hashlib.sha256() if check else None
    while stop is None or pos < stop:
        line = stream.readline() if stop is None else stream.readline(stop - pos)
        if not line:
            break
        if not line.endswith(b"\n"):
            pending.append((pos, line))
            pos += len(line)
            break
        offset, pos = pos, pos + len(line)
        if not line.startswith(_COMMIT_PREFIX):
            pending.append((offset, line))
            if hasher is not None:
                hasher.update(line)
            continue
        commit = _parse_commit(line)
        if commit is None:
            yield Damage(batch_start, pos, f"bad commit line at byte {offset}")
        else:
            count, seq, digest = commit
            if count != len(pending):
                yield Damage(
                    batch_start, pos, f"batch {seq} has {len(pending)} entries, commit says {count}"
                )
            elif hasher is not None and hasher.hexdigest() != digest:
                yield Damage(batch_start, pos, f"batch {seq} does not match its sha256")
            elif not check:
                yield Batch(batch_start, pos, seq, digest, count, checked=False)
            elif not parse:
                yield Batch(batch_start, pos, seq, digest, count)
            else:
                parsed = _parse_entries(pending)
                if isinstance(parsed, str):
                    yield Damage(batch_start, pos, f"batch {seq}: {parsed}")
                else:
                    yield Batch(batch_start, pos, seq, digest, count, parsed)
        pending = []
        batch_start = pos
        hasher = hashlib.sha256() if check else None
    if pending:
        yield _tail(pending, batch_start, pos)


def _completes_batch(lines: list[tuple[int, bytes]], last: bytes) -> bool:
    if not last.startswith(_COMMIT_PREFIX):
        return False
    commit = _parse_commit(last[:-1] + b"\n")
    if commit is None:
        return False
    body = b"".join(line for _, line in lines)
    return commit[0] == len(lines) and hashlib.sha256(body).hexdigest() == commit[2]


def _tail(pending: list[tuple[int, bytes]], start: int, end: int) -> Tail:
    """Classify bytes after the last commit: a crash leaves whole entry lines then a partial one."""
    for offset, line in pending:
        if not line.endswith(b"\n"):
            if _completes_batch(pending[:-1], line):
                # A crash leaves a prefix of what was written; a whole, matching
                # commit line whose last byte is not LF is damage, not a tear.
                return Tail(start, end, torn=False, reason=f"commit line at byte {offset} altered")
            return Tail(start, end, torn=True, reason="interrupted write (torn tail)")
        try:
            kind = entry_kind(orjson.loads(line))
        except ValueError:
            kind = None
        if kind is None:
            return Tail(start, end, torn=False, reason=f"line at byte {offset} is not an entry")
    return Tail(start, end, torn=True, reason="interrupted write (uncommitted batch)")
