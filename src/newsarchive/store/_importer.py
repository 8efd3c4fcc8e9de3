"""How each kind of input becomes store batches: the import's options, its summary,
article-text files built into records (in worker processes), and `Importer`, which
takes JSON records, bags, WARC files and built records and stores them in batches.

The driver that walks the paths and runs the workers is `_import`.
"""

from __future__ import annotations

import re
from typing import IO, TYPE_CHECKING, Any, Final

import attrs
import orjson

from newsarchive._articlebuild import article_text_record
from newsarchive.errors import NewsArchiveError, error_summary
from newsarchive.jsonl import iter_values, records_of, where
from newsarchive.record import DEFAULT_AGENT
from newsarchive.store._write import Prepared, prepare_line
from newsarchive.timestamps import utc_now
from newsarchive.validation import validate

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime, tzinfo

    from newsarchive.store._core import StoreCore

__all__ = [
    "BATCH_RECORDS",
    "Built",
    "ImportOptions",
    "ImportSummary",
    "Importer",
    "prepare",
    "prepare_files",
]

#: Records (at most) per batch of an import.
BATCH_RECORDS: Final = 1000
_BATCH_BYTES: Final = 16 * 1024 * 1024
#: What follows a source named again at the start of a reason: `[:LINE[:COLUMN]]: message`.
_RENAMED: Final = re.compile(r"((?::[0-9]+){0,2}): (.*)", re.DOTALL)


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


def prepare(name: str, data: bytes, o: ImportOptions) -> tuple[dict[str, Any] | None, str]:
    """Build the record for one article-text file: (record, "") or (None, why not)."""
    try:
        # The direct builder: ArchivedArticle.from_article_text(...).to_dict(), faster.
        record = article_text_record(
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
    return record, ""


#: What a worker hands back per file: (name, record or None, why not, prepared line).
Built = tuple[str, dict[str, Any] | None, str, Prepared | None]


def prepare_files(names: list[str], options: ImportOptions) -> list[Built]:
    """A worker's share: read and build a chunk of files (whole files cross processes once).

    Each record comes with its entry line and that line's SHA-256, made here
    from the very dict handed back, so the writer does not make them again.
    """
    out: list[Built] = []
    for name in names:
        try:
            with open(name, "rb") as f:
                data = f.read()
        except OSError as exc:
            out.append((name, None, f"cannot read: {exc.strerror or exc}", None))
            continue
        record, reason = prepare(name, data, options)
        line = None if record is None else prepare_line(record)
        # A record whose line is made crosses as the line alone (the writer reads it back):
        # half the bytes through the pipe, and no dict to pickle and unpickle.
        out.append((name, None if line is not None else record, reason, line))
    return out


class Importer:
    """Stores what each kind of input gives, in batches; collects the summary."""

    def __init__(
        self,
        store: StoreCore,
        options: ImportOptions,
        on_batch: Callable[[list[str]], None] | None,
    ) -> None:
        self.store = store
        self.options = options
        self.on_batch = on_batch
        self.summary = ImportSummary()
        self.pending: list[tuple[dict[str, Any], bool]] = []
        self.pending_prepared: list[Prepared | None] = []  # one per pending record
        self.pending_bytes = 0

    def reject(self, source: str, reason: str) -> None:
        # A reason that names its source again (`NAME:LINE:COLUMN: message`, as errors
        # print) gives its place to the source instead: the file is named once.
        match = _RENAMED.match(reason[len(source) :]) if reason.startswith(source) else None
        if match is not None:
            source, reason = source + match.group(1), match.group(2)
        self.summary.rejected.append({"source": source, "reason": reason})

    def add(
        self, record: dict[str, Any], same_capture: bool, prepared: Prepared | None = None
    ) -> None:
        self.pending.append((record, same_capture))
        self.pending_prepared.append(prepared)
        content = record.get("content")
        self.pending_bytes += len(content) if isinstance(content, str) else 0
        if len(self.pending) >= BATCH_RECORDS or self.pending_bytes >= _BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        # Checked or built here (and the lines made with them, see Store.add).
        outcomes = self.store.add(self.pending, validated=True, prepared=self.pending_prepared)
        self.summary.imported += outcomes.count("stored")
        self.summary.duplicates += outcomes.count("duplicate")
        if self.on_batch is not None:
            self.on_batch(
                [r["id"] for (r, _), o in zip(self.pending, outcomes, strict=True) if o == "stored"]
            )
        self.pending = []
        self.pending_prepared = []
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
                path, lambda name, data: prepare(name, data, bag_options), clock=o.clock
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
            self.pending_prepared.append(None)  # not `add`: the bag stays one batch
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

    def built(
        self,
        name: str,
        record: dict[str, Any] | None,
        reason: str,
        prepared: Prepared | None = None,
    ) -> None:
        if record is None and prepared is not None:
            record = orjson.loads(prepared[0])["record"]  # the line of {"record": ...}
        if record is None:
            self.reject(name, reason)
        else:
            self.add(record, self.options.retrieved_at is None, prepared)
