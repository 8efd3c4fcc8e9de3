"""`Store`: the store as callers use it: the core, the audit, and the feature faces.

`StoreCore` (`_core`) opens the directory, keeps the index and the writer
lock and writes batches; `Store` adds, on top of it, the audit (`verify`,
`repair`: `_verify`, `_repair`) and the feature faces. Capture, the
transparency log's checkpoints, full-text search and near-duplicates are
packages of their own; a `Store` offers them as methods (`Store.capture`,
`Store.checkpoint`, `Store.search`, `Store.similar`, `Store.clusters`), each
importing its feature only when called, so the store package imports no
feature and `newsarchive --help` stays fast. Their derived indexes come from
`Store.derived`. The features take a `Store`: these methods hand them `self`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from newsarchive._version import __version__
from newsarchive.errors import StoreError
from newsarchive.store import _derived, _index
from newsarchive.store._core import StoreCore
from newsarchive.store._findings import Finding, VerifyReport, fixity_event
from newsarchive.store._repair import RepairReport, repair_from, unindexed_damage
from newsarchive.store._verify import verify_store
from newsarchive.store._write import SEGMENT_BYTES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from newsarchive.capture import CaptureOptions, Capturer, Stored
    from newsarchive.search._index import TextIndex
    from newsarchive.similarity._cluster import Cluster
    from newsarchive.similarity._similar import SimilarResult
    from newsarchive.similarity._storeindex import SimilarStoreIndex

__all__ = ["AGENT", "SEGMENT_BYTES", "Store"]

AGENT: Final = f"newsarchive/{__version__}"


class Store(StoreCore):
    """An embedded, append-only archive of records in one directory.

    `Store.init(path)` creates one (idempotent); `Store(path)` opens an
    existing one. Reading never takes the writer lock; `add` takes it per batch.
    """

    # -- auditing -------------------------------------------------------------------

    def verify(
        self,
        *,
        jobs: int | None = None,
        sample: float = 1.0,
        progress: Callable[[int], None] | None = None,
        record_event: bool = True,
        now: datetime | None = None,
        fixity_only: bool = False,
    ) -> VerifyReport:
        """Audit everything (see `_verify`), then append a `fixity-check` event.

        `fixity_only` re-hashes the bytes without re-checking the records or
        the index rows (much faster; not a full audit).

        If the store refuses writes because of what was found, the event is
        not appended and a note says so.
        """
        checks = None
        if not fixity_only:
            # Those that can are fed by this audit's own reading (a full audit only).
            checks = _derived.DerivedChecks(
                self.root, audited=sample >= 1.0, read_only=self.read_only
            )
        try:
            report = verify_store(
                self.root,
                jobs=jobs,
                sample=sample,
                progress=progress,
                fixity_only=fixity_only,
                audits=checks.audits if checks is not None else (),
            )
            if checks is not None:
                report.findings.extend(checks.findings())
        finally:
            if checks is not None:
                checks.close()
        if record_event:
            event = fixity_event(report, AGENT, now or datetime.now(UTC))
            try:
                self.append_event(event)
            except StoreError as exc:  # writing refused (damage, a symlink) or failed
                report.findings.append(
                    Finding("note", "event-not-recorded", self._where(exc), exc.message)
                )
        return report

    def _where(self, exc: StoreError) -> str:
        """Where an error is, relative to the store when it is inside it (as findings say)."""
        path = Path(exc.path) if exc.path else self.root
        if path != self.root and path.is_relative_to(self.root):
            return str(path.relative_to(self.root))
        return str(path)

    def repair(self, replica: Store) -> RepairReport:
        """Restore damaged or missing batches from `replica` (see `_repair`)."""
        with self._lock():
            self._caught_up()
            report = repair_from(self.root, self.index, replica)
            self.index_state = _index.catch_up(self.index, self.root)
            report.unrepaired.extend(unindexed_damage(self.index_state))
        return report

    # -- features ---------------------------------------------------------------------

    def capture(
        self,
        url: str,
        *,
        options: CaptureOptions | None = None,
        capturer: Capturer | None = None,
        tags: Iterable[str] = (),
        notes: Iterable[str] = (),
    ) -> Stored:
        """Capture `url` into the store: a new record with its evidence, or an
        event on the URL's latest capture (`newsarchive.capture.store_result`).
        Needs the `capture` extra."""
        (done,) = self.capture_many(
            [url], options=options, capturer=capturer, tags=tags, notes=notes
        )
        return done

    def capture_many(
        self,
        urls: Iterable[str],
        *,
        options: CaptureOptions | None = None,
        capturer: Capturer | None = None,
        jobs: int = 1,
        tags: Iterable[str] = (),
        notes: Iterable[str] = (),
    ) -> Iterator[Stored]:
        """Capture `urls`, `jobs` hosts at a time, yielding each as it is stored."""
        from newsarchive.capture import capture_into  # noqa: PLC0415 - a feature of its own

        return capture_into(
            self,
            urls,
            options=options,
            capturer=capturer,
            jobs=jobs,
            tags=tags,
            notes=notes,
        )

    def checkpoint(
        self, signer: Any, *, tsa_url: str | None = None, cafile: str | None = None
    ) -> Any:
        """Sign a checkpoint of the log (see `newsarchive.proofs`; needs the `proofs` extra).

        `signer` is a `newsarchive.proofs.SignerKey`; the result a `StoreCheckpoint`.
        The proofs feature is imported here, when asked for, as derived indexes are.
        """
        from newsarchive.proofs._storecheckpoints import write_checkpoint  # noqa: PLC0415

        return write_checkpoint(self, signer, tsa_url=tsa_url, cafile=cafile)

    def search(self, text: str, *, ranked: bool = True) -> list[str]:
        """Ids of the records matching the full-text query `text`, best match (BM25) first.

        The query language is `newsarchive.search`'s (words, "phrases", prefix*);
        `SearchError` for a query without a word. The text index is caught up first.
        """
        from newsarchive.search import parse_query  # noqa: PLC0415 - the feature, when used

        query = parse_query(text)  # a bad query is refused before anything is opened
        index = cast("TextIndex", self.derived("text"))  # what the registry makes for "text"
        return index.search(query, ranked=ranked)

    def similar(
        self,
        query: str,
        *,
        url: str | None = None,
        threshold: float = 0.2,
        limit: int | None = None,
    ) -> SimilarResult:
        """Near-duplicates of a record (`query` is its id or an id prefix) or of a text.

        See `newsarchive.similarity` (docs/similarity.md): best first, other
        captures of the same canonical URL apart from copies elsewhere.
        """
        found = cast("SimilarStoreIndex", self.derived("similar"))
        return found.similar(self, query, url=url, threshold=threshold, limit=limit)

    def clusters(
        self,
        *,
        threshold: float = 0.2,
        since: datetime | None = None,
        until: datetime | None = None,
        min_size: int = 2,
    ) -> list[Cluster]:
        """Groups of near-duplicate records, each in time order, the likely origin first."""
        found = cast("SimilarStoreIndex", self.derived("similar"))
        return found.clusters(
            self, threshold=threshold, since=since, until=until, min_size=min_size
        )
