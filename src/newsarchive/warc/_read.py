"""WARC import driver: `read_warc` turns a WARC file into store records, refusals and skip counts.

Two passes over the file (see `read_warc`): framing and digests are `_frame`'s, our own
exports are paired here and rebuilt by `_own`, foreign pages are converted by `_foreign`
(payload decoding is `_httpbody`'s). See `newsarchive.warc` for what is imported.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

from newsarchive.errors import WarcError
from newsarchive.record import DEFAULT_AGENT
from newsarchive.timestamps import utc_now
from newsarchive.warc._foreign import Skipped, convert, http_split, software, warc_type
from newsarchive.warc._frame import RawRecord, check_digest, iter_frames
from newsarchive.warc._httpbody import Refused
from newsarchive.warc._own import READ_VERSIONS, our_version, rebuild
from newsarchive.warc._reading import WarcReading, WarcRefusal

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

__all__ = ["read_warc"]


@attrs.frozen
class _Options:
    allow_truncated: bool
    include_errors: bool


def read_warc(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    name: str | None = None,
    clock: Callable[[], datetime] = utc_now,
    agent: str = DEFAULT_AGENT,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    allow_truncated: bool = False,
    include_errors: bool = False,
) -> WarcReading:
    """Read a WARC file (plain or gzip) into records; raise `WarcError` if it is not whole.

    Two passes: the first frames the whole file and checks ids and digests,
    keeping only headers, so a truncated or corrupt file raises before any
    record is built; the second builds the records one at a time. A stream
    that is not a seekable buffered file (standard input, a pipe, a BytesIO)
    is first copied to a temporary file. With `on_record`, each record is
    handed to it as soon as it is built (and `WarcReading.records` is empty),
    so memory holds one record block at a time (plus, for our own exports
    whose metadata and resource are far apart, the first of each pair until
    the second comes); without it, the records are collected, in file order.
    A file that changes between the passes raises `WarcError` (`changed`),
    possibly after some records were handed on.
    Records are checked in this order: a repeated WARC-Record-ID refuses the
    later record; every `WARC-Block-Digest` and every `WARC-Payload-Digest`
    header must match (a repeated header is checked, not ignored; an unknown
    algorithm is refused as `unknown-digest-algorithm`).

    Our own metadata records (`RECORD_CONTENT_TYPE`) are paired with the
    resource their `WARC-Refers-To` names, wherever it is in the file; a pair
    that does not rebuild the record exactly is refused as a pair (both
    named), as is one whose metadata names another `version`.

    Foreign `resource`/`response` records with an http(s) `WARC-Target-URI`
    become records with method `warc-import` (other schemes, such as
    Heritrix's `dns:` or Browsertrix's `urn:pageinfo:`, are skipped and
    counted): `url` is the WARC-Target-URI, `retrieved_at` the WARC-Date (at
    most 9 fractional digits), `content` the payload decoded as text (HTTP
    bodies after removing chunked transfer coding and gzip/deflate content
    coding; the encoding is chosen as browsers choose it, see
    `newsarchive._encoding`: a byte order mark, else the declared charset,
    which must be a web text encoding, else for HTML a `<meta>` in the first
    1,024 bytes, else UTF-8 when the bytes are valid UTF-8, else
    windows-1252), `media_type` the declared type with `charset=utf-8` (the
    content is stored as UTF-8; the original header is kept in the notes, as
    are the HTTP status line and headers except cookies, and the encoding
    with where it came from), and one `import` event naming the file,
    WARC-Record-ID and payload digest, whose `source_digest` is the SHA-256
    of the payload bytes as stored in the WARC. A text record whose block is
    larger than `MAX_BLOCK` is refused (`too-large`); a larger non-text one
    is skipped. `retrieval.agent` is the warcinfo `software` when there is
    one, else `agent`. `clock` gives the import time (and "now" for
    validation).

    A response whose HTTP status is not 2xx (a 404 page, a redirect, a server
    error) is skipped and counted by status (`http-404`), unless
    `include_errors`: then it is imported, with a note saying its status. A
    record marked `WARC-Truncated` holds only part of what was captured: it is
    refused (`truncated`), unless `allow_truncated`: then it is imported from
    what is there, with a note saying so (and why, from the header) and an
    import event whose outcome is `warning`.
    """
    options = _Options(allow_truncated=allow_truncated, include_errors=include_errors)
    if isinstance(source, (str, os.PathLike)):
        label = name or str(source)
        with Path(source).open("rb") as f:
            return _WarcImport(label, clock, agent, options).read(f, on_record)
    return _WarcImport(name or "(stream)", clock, agent, options).read(source, on_record)


def _rereadable(stream: IO[bytes]) -> bool:
    """True when `stream` can be read twice by the framer as it is (buffered, seekable)."""
    return isinstance(stream, (io.BufferedReader, io.BufferedRandom)) and stream.seekable()


def _spooled(stream: IO[bytes]) -> IO[bytes]:
    """A temporary file holding the rest of `stream` (a pipe, standard input, a BytesIO)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the caller
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool


class _WarcImport:
    """One WARC file's records turned into store records, refusals and skip counts."""

    def __init__(
        self, name: str, clock: Callable[[], datetime], agent: str, options: _Options
    ) -> None:
        self.name = name
        self.options = options
        self.clock = clock
        self.agent = agent
        self.crawler: str | None = None
        self.records: list[tuple[int, dict[str, Any]]] = []
        self.refused: list[WarcRefusal] = []
        self.refused_numbers: set[int] = set()
        self.handled: set[int] = set()  # record numbers already imported or refused
        self.skipped: dict[str, int] = {}
        self.warnings: list[WarcRefusal] = []
        self.own = 0
        #: Our pairs found in the first pass: resource number <-> metadata number.
        self.pairs: dict[int, int] = {}
        self.on_record: Callable[[dict[str, Any]], None] | None = None

    def read(
        self, stream: IO[bytes], on_record: Callable[[dict[str, Any]], None] | None
    ) -> WarcReading:
        """Two passes over a seekable copy of `stream`; see `read_warc`."""
        self.on_record = on_record
        source = stream if _rereadable(stream) else _spooled(stream)
        try:
            start = source.tell()
            entries = self.first_pass(source)
            source.seek(start)
            self.second_pass(source, entries)
        finally:
            if source is not stream:
                source.close()
        self.records.sort(key=lambda item: item[0])
        return WarcReading(
            tuple(record for _, record in self.records),
            tuple(sorted(self.refused, key=lambda r: r.number)),
            dict(sorted(self.skipped.items())),
            self.own,
            tuple(self.warnings),
        )

    def first_pass(self, source: IO[bytes]) -> list[RawRecord]:
        """Frame the whole file and check ids and digests, keeping headers only; pair ours."""
        entries: list[RawRecord] = []
        first: dict[str, RawRecord] = {}
        for raw in iter_frames(source, self.name):
            entry = attrs.evolve(raw, block=None, head=b"")
            self.check(raw, first, entry)
            entries.append(entry)
        for entry in entries:
            if warc_type(entry) == "metadata" and our_version(entry) is not None:
                self.own_record(entry, first)
        return entries

    def second_pass(self, source: IO[bytes], entries: list[RawRecord]) -> None:
        """Build the records in file order, holding one side of a pair until the other comes."""
        held: dict[int, RawRecord] = {}
        frames = iter_frames(source, self.name)
        for entry in entries:
            raw = next(frames, None)
            if (
                raw is None
                or raw.record_id != entry.record_id
                or raw.length != entry.length
                or raw.headers != entry.headers
                or raw.block_hashes != entry.block_hashes
            ):
                raise WarcError(
                    "the file changed while it was being read", code="changed", path=self.name
                )
            partner = self.pairs.get(raw.number)
            if partner is not None:
                other = held.pop(partner, None)
                if other is None:
                    held[raw.number] = raw
                elif warc_type(raw) == "resource":
                    self.rebuild_pair(raw, other)
                else:
                    self.rebuild_pair(other, raw)
            elif raw.number not in self.handled:
                self.other(raw)
        if next(frames, None) is not None:
            raise WarcError(
                "the file changed while it was being read", code="changed", path=self.name
            )

    def emit(self, number: int, record: dict[str, Any]) -> None:
        if self.on_record is None:
            self.records.append((number, record))
        else:
            self.on_record(record)

    def refuse(self, raw: RawRecord, code: str, reason: str) -> None:
        self.refused.append(WarcRefusal(raw.number, raw.record_id, raw.target_uri, code, reason))
        self.handled.add(raw.number)
        self.refused_numbers.add(raw.number)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def check(self, raw: RawRecord, first: dict[str, RawRecord], entry: RawRecord) -> None:
        """Refuse a record whose id is taken or whose digests fail; index `entry` by its id."""
        record_id = raw.record_id
        if record_id is not None and record_id in first:
            self.refuse(
                raw,
                "duplicate-record-id",
                f"WARC-Record-ID {record_id} is already the id of {first[record_id].describe()}",
            )
            return
        if record_id is not None:
            first[record_id] = entry
        try:
            self.check_digests(raw, warc_type(raw))
        except Refused as exc:
            self.refuse(raw, exc.code, exc.reason)

    def check_digests(self, raw: RawRecord, kind: str) -> None:
        """Check every digest header, repeated ones included (each must match)."""
        if kind == "revisit":
            return  # its payload digest names the earlier payload, not this block
        for header in raw.header_values("WARC-Block-Digest"):
            problem = check_digest(header, raw.block, raw.block_hashes)
            if problem is not None:
                code = (
                    "block-digest-mismatch" if problem.code == "digest-mismatch" else problem.code
                )
                raise Refused(code, f"WARC-Block-Digest: {problem.reason}")
        payload_digests = raw.header_values("WARC-Payload-Digest")
        if payload_digests and raw.block is not None:
            payload = http_split(raw, kind)[1]
            for header in payload_digests:
                problem = check_digest(header, payload)
                if problem is not None:
                    code = (
                        "payload-digest-mismatch"
                        if problem.code == "digest-mismatch"
                        else problem.code
                    )
                    raise Refused(code, f"WARC-Payload-Digest: {problem.reason}")

    # -- our own exports ------------------------------------------------------------

    def own_record(self, meta: RawRecord, first: dict[str, RawRecord]) -> None:
        """Pair our metadata record with the resource it names, or refuse what cannot pair.

        Only headers are read here (first pass); the pair is rebuilt in the second.

        A resource is never dropped unreported: it is imported with its
        metadata, refused with it, or (when no metadata of ours claims it)
        imported as a foreign record.
        """
        refers = meta.header("WARC-Refers-To")
        target = first.get(refers) if refers is not None else None
        if target is not None and (target.number == meta.number or warc_type(target) != "resource"):
            if target.number != meta.number and meta.number not in self.handled:
                self.refuse(
                    meta,
                    "no-resource",
                    f"WARC-Refers-To {refers} names {target.describe()}, "
                    f"a {warc_type(target) or 'untyped'} record, not a resource",
                )
            target = None
        version = our_version(meta)
        if meta.number in self.handled or version not in READ_VERSIONS:
            if meta.number not in self.handled:
                self.refuse(
                    meta,
                    "unsupported-version",
                    "unsupported version of the newsarchive record content type "
                    f"({meta.header('Content-Type')!r}); this reads version="
                    + " or ".join(READ_VERSIONS),
                )
            if target is not None and target.number not in self.handled:
                self.refuse(
                    target, "metadata-refused", f"its metadata {meta.describe()} was refused"
                )
            return
        self.handled.add(meta.number)
        if target is None:
            self.refuse(
                meta, "no-resource", f"WARC-Refers-To {refers} names no record in this file"
            )
            return
        if target.number in self.refused_numbers:
            self.refuse(meta, "resource-refused", f"its resource {target.describe()} was refused")
            return
        if target.number in self.handled:
            self.refuse(
                meta,
                "duplicate-metadata",
                f"another metadata record already refers to {target.describe()}",
            )
            return
        self.handled.add(target.number)
        self.pairs[target.number] = meta.number
        self.pairs[meta.number] = target.number

    def rebuild_pair(self, resource: RawRecord, meta: RawRecord) -> None:
        """Our record from its resource and metadata, or both refused, each naming the other."""
        try:
            record = rebuild(resource, meta, self.clock())
        except Refused as exc:
            self.refuse(meta, exc.code, f"{exc.reason} (its resource: {resource.describe()})")
            self.refuse(
                resource,
                "metadata-refused",
                f"its metadata {meta.describe()} was refused: {exc.code}",
            )
            return
        self.emit(resource.number, record)
        self.own += 1

    # -- everything else ------------------------------------------------------------

    def other(self, raw: RawRecord) -> None:
        kind = warc_type(raw)
        if kind == "response" and self.pairs:
            # In our own export, a response is the evidence of a captured record
            # (written after it), not another page to import.
            self.skip("evidence")
            return
        if kind in {"resource", "response"}:
            self.foreign(raw)
            return
        if kind == "warcinfo":
            self.crawler = software(raw)
        self.skip(kind or "untyped")

    def foreign(self, raw: RawRecord) -> None:
        try:
            record = convert(
                raw,
                source=self.name,
                agent=self.crawler or self.agent,
                now=self.clock(),
                allow_truncated=self.options.allow_truncated,
                include_errors=self.options.include_errors,
            )
        except Skipped as exc:
            self.skip(exc.why)
            return
        except Refused as exc:
            self.refuse(raw, exc.code, exc.reason)
            return
        truncated = raw.header("WARC-Truncated")
        if truncated is not None:
            self.warnings.append(
                WarcRefusal(
                    raw.number,
                    raw.record_id,
                    raw.target_uri,
                    "truncated",
                    f"a truncated capture (WARC-Truncated: {truncated.strip()[:40]}), "
                    "imported on request: the record holds only part of the page",
                )
            )
        self.emit(raw.number, record)
