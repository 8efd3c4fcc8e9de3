"""Bulk import: article-text files, directories, JSON / JSON Lines records, bags, WARC,
stdin -> a store.

Input is read and turned into records one file at a time and written in
batches (one fsync per batch), so memory stays flat whatever the input size
(an article-text file, or standard input that is not WARC, is read whole; a
bag is held whole, as one batch).
JSON records are stored exactly as they are once they validate; article-text
files become records with the provenance the options give. A directory that
is a bag (`newsarchive.bag.is_bag`), given or found while walking, is read as
a BagIt bag: validated first, refused whole if it fails, and stored as one
batch (see `newsarchive.bag`). A WARC file
(`*.warc`, `*.warc.gz`, or WARC on standard input, copied to a temporary
file) is read twice in this process: first whole, checking framing and
digests, so a truncated or corrupt one adds nothing; then record by record
into the batches (see `newsarchive.warc`), one record block (at most
`newsarchive.warc.MAX_BLOCK`) at a time.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import tempfile
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import attrs

from newsarchive.errors import NewsArchiveError, error_summary
from newsarchive.jsonl import iter_values, records_of, where
from newsarchive.record import DEFAULT_AGENT, ArchivedArticle
from newsarchive.timestamps import utc_now
from newsarchive.validation import validate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime, tzinfo

    from newsarchive.store._store import Store

__all__ = ["ImportOptions", "ImportSummary", "import_paths"]

#: File name endings read as JSON / JSON Lines records; everything else is article text.
JSON_SUFFIXES: Final = (".json", ".jsonl", ".ndjson")
#: File name endings read as WARC files (needs the `warc` extra).
WARC_SUFFIXES: Final = (".warc", ".warc.gz")
_BATCH_RECORDS: Final = 1000
_BATCH_BYTES: Final = 16 * 1024 * 1024
_CHUNK_FILES: Final = 200


@attrs.frozen
class ImportOptions:
    """Provenance for article-text input (JSON records are never changed)."""

    retrieved_at: str | None = None
    method: str = "file-import"
    agent: str = DEFAULT_AGENT
    notes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: The article's title; meant for importing one article-text file.
    title: str | None = None
    default_tz: tzinfo | None = None
    clock: Callable[[], datetime] = attrs.field(factory=lambda: utc_now)
    #: The article's own URL when a file's LINK: is an archive.today or Perma.cc
    #: snapshot (which does not contain it); meant for importing one file.
    original_url: str | None = None
    #: WARC input: import truncated captures (with a note) instead of refusing them.
    allow_truncated: bool = False
    #: WARC input: import responses whose HTTP status is not 2xx instead of skipping them.
    include_errors: bool = False


@attrs.define
class ImportSummary:
    """What an import did: counts, and each rejected input with its reason."""

    imported: int = 0
    duplicates: int = 0
    rejected: list[dict[str, str]] = attrs.field(factory=list)
    files: int = 0
    warnings: list[dict[str, str]] = attrs.field(factory=list)
    #: WARC records left out on purpose (warcinfo, request, revisit, non-text payloads).
    skipped: int = 0
    #: `skipped` by reason (`warcinfo`, `non-text`, `http-404`, ...).
    skipped_by_reason: dict[str, int] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": len(self.rejected),
            "skipped": self.skipped,
            "skipped_by_reason": dict(sorted(self.skipped_by_reason.items())),
            "files": self.files,
            "problems": self.rejected,
            "warnings": self.warnings,
        }


#: What follows a source named again at the start of a reason: `[:LINE[:COLUMN]]: message`.
_RENAMED: Final = re.compile(r"((?::[0-9]+){0,2}): (.*)", re.DOTALL)


def _walk(path: str) -> Iterator[tuple[str, bool]]:
    """`path` itself, or what is under a directory, in a stable order (links not followed).

    Yields (name, is_bag): each file, and each bag directory as one item whose
    files are not walked (a bag's records.jsonl read as loose records would
    store them without their content).
    """
    if path == "-" or not os.path.isdir(path) or os.path.islink(path):
        yield path, False
        return
    from newsarchive.bag import is_bag  # noqa: PLC0415 - bag support loads on import only

    for top, dirs, files in os.walk(path):
        if is_bag(top):
            dirs.clear()
            yield top, True
            continue
        dirs.sort()
        for name in sorted(files):
            # os.path, not pathlib: per file, pathlib's parsing cost more than the walk.
            yield os.path.join(top, name), False


def _prepare(name: str, data: bytes, o: ImportOptions) -> tuple[dict[str, Any] | None, str]:
    """Build the record for one article-text file: (record, "") or (None, why not)."""
    try:
        record = ArchivedArticle.from_article_text(
            data,
            retrieved_at=o.retrieved_at,
            tags=o.tags,
            title=o.title,
            method=o.method,
            agent=o.agent,
            notes=o.notes,
            source_name=None if name == "-" else name,
            default_tz=o.default_tz,
            clock=o.clock,
            original_url=o.original_url,
        )
    except NewsArchiveError as exc:
        return None, str(exc).splitlines()[0]
    return record.to_dict(), ""


def _prepare_files(
    names: list[str], options: ImportOptions
) -> list[tuple[str, dict[str, Any] | None, str]]:
    """A worker's share: read and build a chunk of files (whole files cross processes once)."""
    out: list[tuple[str, dict[str, Any] | None, str]] = []
    for name in names:
        try:
            with open(name, "rb") as f:
                data = f.read()
        except OSError as exc:
            out.append((name, None, f"cannot read: {exc.strerror or exc}"))
            continue
        out.append((name, *_prepare(name, data, options)))
    return out


class _Importer:
    def __init__(
        self,
        store: Store,
        options: ImportOptions,
        on_batch: Callable[[list[str]], None] | None,
    ) -> None:
        self.store = store
        self.options = options
        self.on_batch = on_batch
        self.summary = ImportSummary()
        self.pending: list[tuple[dict[str, Any], bool]] = []
        self.pending_bytes = 0

    def reject(self, source: str, reason: str) -> None:
        # A reason that names its source again (`NAME:LINE:COLUMN: message`, as errors
        # print) gives its place to the source instead: the file is named once.
        match = _RENAMED.match(reason[len(source) :]) if reason.startswith(source) else None
        if match is not None:
            source, reason = source + match.group(1), match.group(2)
        self.summary.rejected.append({"source": source, "reason": reason})

    def add(self, record: dict[str, Any], same_capture: bool) -> None:
        self.pending.append((record, same_capture))
        content = record.get("content")
        self.pending_bytes += len(content) if isinstance(content, str) else 0
        if len(self.pending) >= _BATCH_RECORDS or self.pending_bytes >= _BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        outcomes = self.store.add(self.pending, validated=True)  # checked or built here
        self.summary.imported += outcomes.count("stored")
        self.summary.duplicates += outcomes.count("duplicate")
        if self.on_batch is not None:
            self.on_batch(
                [r["id"] for (r, _), o in zip(self.pending, outcomes, strict=True) if o == "stored"]
            )
        self.pending = []
        self.pending_bytes = 0

    def json_records(self, name: str, stream: IO[bytes]) -> None:
        for line, value, error in iter_values(stream):
            if error is not None:
                self.reject(where(name, line, error), error.message)
                continue
            at = where(name, line)
            for pointer, item in records_of(value):
                reason = error_summary(validate(item))
                if reason is not None:
                    self.reject(f"{at}{' ' + pointer if pointer else ''}", reason)
                else:
                    self.add(item, same_capture=False)

    def bag(self, path: str) -> None:
        """Import one bag as one batch: all of it, or (when it fails validation) none of it."""
        from newsarchive.bag import read_bag  # noqa: PLC0415 - only bags need it
        from newsarchive.errors import InvalidBag  # noqa: PLC0415

        self.flush()  # what came before is stored apart from the bag
        o = self.options
        # Article-text payload files of foreign bags say how they came: from a bag.
        bag_options = attrs.evolve(o, method="bagit-import") if o.method == "file-import" else o
        try:
            contents = read_bag(
                path, lambda name, data: _prepare(name, data, bag_options), clock=o.clock
            )
        except InvalidBag as exc:
            refused: InvalidBag | None = exc
            problems = exc.problems
        else:
            refused, problems = None, contents.report.warnings
        for p in problems:
            if p.severity != "error":
                source = f"{path}/{p.path}".rstrip("/")
                self.summary.warnings.append({"source": source, "reason": f"{p.code}: {p.message}"})
        if refused is not None:
            # One input refused whole: one rejection, naming the first problem and the count.
            errors = sum(p.severity == "error" for p in problems)
            hint = "; `newsarchive bag validate` lists every problem" if errors > 1 else ""
            self.reject(path, refused.message + hint)
            self.summary.files += 1
            return
        self.summary.files += len(contents.report.manifests)
        for source, reason in contents.rejected:
            self.reject(source, reason)
        for record in contents.records:
            self.pending.append((record, not contents.native and o.retrieved_at is None))
        self.flush()  # one batch, so the bag's records are stored together or not at all

    def warc(self, name: str, stream: IO[bytes]) -> None:
        """Check a whole WARC file, then store its records in batches as they are built.

        A file-level error found by the first pass adds nothing; one found by
        the second (the file changed while it was read) leaves what was stored.
        """
        from newsarchive.warc import read_warc  # noqa: PLC0415 - only WARC input pays for it

        try:
            reading = read_warc(
                stream,
                name=name,
                clock=self.options.clock,
                agent=self.options.agent,
                on_record=lambda record: self.add(record, same_capture=False),
                allow_truncated=self.options.allow_truncated,
                include_errors=self.options.include_errors,
            )
        except NewsArchiveError as exc:
            self.reject(name, exc.message)
            return
        for refusal in reading.refused:
            self.reject(f"{name} {refusal.where()}", refusal.reason)
        for notice in reading.warnings:
            self.summary.warnings.append(
                {"source": f"{name} {notice.where()}", "reason": notice.reason}
            )
        self.summary.skipped += reading.skipped_total
        for why, count in reading.skipped.items():
            self.summary.skipped_by_reason[why] = self.summary.skipped_by_reason.get(why, 0) + count

    def built(self, name: str, record: dict[str, Any] | None, reason: str) -> None:
        if record is None:
            self.reject(name, reason)
        else:
            self.add(record, same_capture=self.options.retrieved_at is None)


def _is_warc(name: str) -> bool:
    return name.lower().endswith(WARC_SUFFIXES)


def _is_json(name: str, head: bytes) -> bool:
    if name == "-":
        return head.lstrip()[:1] in (b"{", b"[")
    return name.lower().endswith(JSON_SUFFIXES)


def _picklable(options: ImportOptions) -> bool:
    try:
        pickle.dumps(options)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def import_paths(
    store: Store,
    paths: list[str],
    options: ImportOptions | None = None,
    *,
    stdin: IO[bytes] | None = None,
    progress: Callable[[str], None] | None = None,
    jobs: int = 1,
    on_batch: Callable[[list[str]], None] | None = None,
) -> ImportSummary:
    """Import every path (files, directories, `-` for `stdin`); bad input is reported, not fatal.

    With `jobs` > 1, article-text files are read and turned into records by
    that many worker processes, a chunk of files at a time (records cross
    processes in chunks, never one by one); writing stays in this process.
    `on_batch` is called with the ids of each batch once it is durable.
    """
    options = options or ImportOptions()
    importer = _Importer(store, options, on_batch)
    pool = ProcessPoolExecutor(jobs) if jobs > 1 and _picklable(options) else None
    inflight: deque[Future[list[tuple[str, dict[str, Any] | None, str]]]] = deque()
    chunk: list[str] = []

    def consume(results: list[tuple[str, dict[str, Any] | None, str]]) -> None:
        for name, record, reason in results:
            importer.built(name, record, reason)
            if progress is not None:
                progress(name)

    def send(limit: int) -> None:
        # Hand the current chunk over, then take results in order, keeping at
        # most `limit` chunks in flight so memory stays flat.
        if chunk:
            if pool is None:
                consume(_prepare_files(chunk, options))
            else:
                inflight.append(pool.submit(_prepare_files, list(chunk), options))
            chunk.clear()
        while len(inflight) > limit:
            consume(inflight.popleft().result())

    from newsarchive.bag import enclosing_bag  # noqa: PLC0415 - bag support loads on import only

    try:
        for top in paths:
            if top != "-" and os.path.islink(top) and os.path.isdir(top):
                importer.reject(top, "a symbolic link to a directory (links are not followed)")
                continue
            outer = None if top == "-" else enclosing_bag(top)
            if outer is not None:
                # Part of a bag read as loose files would store records without content.
                importer.reject(top, f"it is inside the bag {outer}; import the bag directory")
                continue
            for name, bag in _walk(top):
                if bag:
                    send(0)  # keep input order: earlier files go in first
                    importer.bag(name)
                    continue
                importer.summary.files += 1
                if name != "-" and not _is_json(name, b"") and not _is_warc(name):
                    chunk.append(name)
                    if len(chunk) >= _CHUNK_FILES:
                        send(2 * jobs)
                    continue
                send(0)  # keep input order: earlier files go in first
                _read_in_main(importer, name, stdin)
                if progress is not None:
                    progress(name)
        send(0)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    importer.flush()
    return importer.summary


def _read_in_main(importer: _Importer, name: str, stdin: IO[bytes] | None) -> None:
    """Standard input, JSON record files and WARC files, read in this process."""
    try:
        if name == "-":
            if stdin is None:
                importer.reject(name, "no standard input to read")
                return
            from newsarchive.warc import looks_like_warc  # noqa: PLC0415

            with tempfile.TemporaryFile() as spool:  # WARC is read twice; JSON streams
                shutil.copyfileobj(stdin, spool)
                spool.seek(0)
                head = spool.read(4096)
                spool.seek(0)
                if looks_like_warc(head):
                    importer.warc(name, spool)
                elif _is_json(name, head[:64]):
                    importer.json_records(name, spool)
                else:
                    importer.built(name, *_prepare(name, spool.read(), importer.options))
        elif _is_warc(name):
            with Path(name).open("rb") as f:
                importer.warc(name, f)
        else:
            with Path(name).open("rb") as f:
                importer.json_records(name, f)
    except OSError as exc:
        importer.reject(name, f"cannot read: {exc.strerror or exc}")
