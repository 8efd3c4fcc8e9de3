"""Bulk import: article-text files, directories, JSON / JSON Lines records, stdin -> a store.

Input is read and turned into records one file at a time and written in
batches (one fsync per batch), so memory stays flat whatever the input size.
JSON records are stored exactly as they are once they validate; article-text
files become records with the provenance the options give.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import attrs

from newsarchive.errors import NewsArchiveError
from newsarchive.jsonl import iter_values, records_of
from newsarchive.record import DEFAULT_AGENT, ArchivedArticle
from newsarchive.validate import validate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import tzinfo

    from newsarchive.store._store import Store

__all__ = ["ImportOptions", "ImportSummary", "import_paths"]

#: File name endings read as JSON / JSON Lines records; everything else is article text.
JSON_SUFFIXES: Final = (".json", ".jsonl", ".ndjson")
_BATCH_RECORDS: Final = 1000
_BATCH_BYTES: Final = 16 * 1024 * 1024


@attrs.frozen
class ImportOptions:
    """Provenance for article-text input (JSON records are never changed)."""

    retrieved_at: str | None = None
    method: str = "file-import"
    agent: str = DEFAULT_AGENT
    notes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    default_tz: tzinfo | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@attrs.define
class ImportSummary:
    """What an import did: counts, and each rejected input with its reason."""

    imported: int = 0
    duplicates: int = 0
    rejected: list[dict[str, str]] = attrs.field(factory=list)
    files: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": len(self.rejected),
            "files": self.files,
            "problems": self.rejected,
        }


def _walk(path: str) -> Iterator[str]:
    """`path` itself, or every file under a directory, in a stable order (links not followed)."""
    if path != "-" and Path(path).is_dir() and not Path(path).is_symlink():
        for top, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                yield str(Path(top) / name)
    else:
        yield path


class _Importer:
    def __init__(self, store: Store, options: ImportOptions) -> None:
        self.store = store
        self.options = options
        self.summary = ImportSummary()
        self.pending: list[tuple[dict[str, Any], bool]] = []
        self.pending_bytes = 0

    def reject(self, source: str, reason: str) -> None:
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
        outcomes = self.store.add(self.pending)
        self.summary.imported += outcomes.count("stored")
        self.summary.duplicates += outcomes.count("duplicate")
        self.pending = []
        self.pending_bytes = 0

    def json_records(self, name: str, stream: IO[bytes]) -> None:
        for line, value, error in iter_values(stream):
            where = name if line is None else f"{name}:{line}"
            if error is not None:
                self.reject(where, error.message)
                continue
            for pointer, item in records_of(value):
                problems = [p for p in validate(item) if p.severity == "error"]
                if problems:
                    first = problems[0]
                    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                    self.reject(
                        f"{where}{' ' + pointer if pointer else ''}",
                        f"{first.pointer or '/'} {first.code}: {first.message}{more}",
                    )
                else:
                    self.add(item, same_capture=False)

    def article_text(self, name: str, data: bytes) -> None:
        o = self.options
        try:
            record = ArchivedArticle.from_article_text(
                data,
                retrieved_at=o.retrieved_at,
                tags=o.tags,
                method=o.method,
                agent=o.agent,
                notes=o.notes,
                source_name=None if name == "-" else name,
                default_tz=o.default_tz,
                clock=o.clock,
            )
        except NewsArchiveError as exc:
            self.reject(name, str(exc).splitlines()[0])
            return
        self.add(record.to_dict(), same_capture=o.retrieved_at is None)


def _is_json(name: str, head: bytes) -> bool:
    if name == "-":
        return head.lstrip()[:1] in (b"{", b"[")
    return name.lower().endswith(JSON_SUFFIXES)


def import_paths(
    store: Store,
    paths: list[str],
    options: ImportOptions | None = None,
    *,
    stdin: IO[bytes] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Import every path (files, directories, `-` for `stdin`); bad input is reported, not fatal."""
    importer = _Importer(store, options or ImportOptions())
    for top in paths:
        for name in _walk(top):
            importer.summary.files += 1
            try:
                if name == "-":
                    if stdin is None:
                        importer.reject(name, "no standard input to read")
                        continue
                    data = stdin.read()
                    if _is_json(name, data[:64]):
                        importer.json_records(name, io.BytesIO(data))
                    else:
                        importer.article_text(name, data)
                elif _is_json(name, b""):
                    with Path(name).open("rb") as f:
                        importer.json_records(name, f)
                else:
                    importer.article_text(name, Path(name).read_bytes())
            except OSError as exc:
                importer.reject(name, f"cannot read: {exc.strerror or exc}")
            if progress is not None:
                progress(name)
    importer.flush()
    return importer.summary
