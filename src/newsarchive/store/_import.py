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
import shutil
import tempfile
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from newsarchive.store import _importer
from newsarchive.store._importer import (
    Built,
    Importer,
    ImportOptions,
    ImportSummary,
    prepare,
    prepare_files,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from newsarchive.store._core import StoreCore

__all__ = ["ImportOptions", "ImportSummary", "import_paths"]

#: File name endings read as JSON / JSON Lines records; everything else is article text.
JSON_SUFFIXES: Final = (".json", ".jsonl", ".ndjson")
#: File name endings read as WARC files (needs the `warc` extra).
WARC_SUFFIXES: Final = (".warc", ".warc.gz")
_CHUNK_FILES: Final = 200
#: Batches per index commit: each batch is fsync'd on its own; the index, which
#: may lag, is committed once for this many (fewer pages written per record).
_INDEX_GROUP: Final = 10


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
    store: StoreCore,
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
    `on_batch` is called with the ids of each batch once it is durable. The
    index is committed once per `_INDEX_GROUP` batches (see `Store.group_commit`).
    """
    with store.group_commit(_INDEX_GROUP):
        options = options or ImportOptions()
        importer = Importer(store, options, on_batch)
        pool = ProcessPoolExecutor(jobs) if jobs > 1 and _picklable(options) else None
        inflight: deque[Future[list[Built]]] = deque()
        # While this process writes a batch, the workers go on building: with
        # room for only 2 * jobs chunks (fewer records than a batch) they sat
        # idle through every batch, and then the writer waited for them (1.6 s of
        # 9.5 at 100k; 10.3-10.7k -> 11.2-12.8k records/s with this room, measured).
        room = 2 * jobs + _importer.BATCH_RECORDS // _CHUNK_FILES
        chunk: list[str] = []

        def consume(results: list[Built]) -> None:
            for name, record, reason, prepared in results:
                importer.built(name, record, reason, prepared)
                if progress is not None:
                    progress(name)

        def send(limit: int) -> None:
            # Hand the current chunk over, then take results in order, keeping at
            # most `limit` chunks in flight so memory stays flat.
            if chunk:
                if pool is None:
                    consume(prepare_files(chunk, options))
                else:
                    inflight.append(pool.submit(prepare_files, list(chunk), options))
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
                            send(room)
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


def _read_in_main(importer: Importer, name: str, stdin: IO[bytes] | None) -> None:
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
                    importer.built(name, *prepare(name, spool.read(), importer.options))
        elif _is_warc(name):
            with Path(name).open("rb") as f:
                importer.warc(name, f)
        else:
            with Path(name).open("rb") as f:
                importer.json_records(name, f)
    except OSError as exc:
        importer.reject(name, f"cannot read: {exc.strerror or exc}")
