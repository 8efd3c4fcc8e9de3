"""The embedded store: durable, append-only, plain-format, indexed.

Layout and format rules: `_layout` (directory), `_segment` (primary data),
`_index` (derived SQLite index), `_lock` (writer lock). `Store` (`_store`)
is `StoreCore` (`_core`: opening, the index, the lock, writes) with the audit
and the feature faces on top; it reads through `_read` and writes batches
through `_write`, and keeps its derived indexes in `_derived`; `store verify` is
`_verify` (driver), `_chunkcheck` (per-chunk checks), `_layoutcheck`
(directory and whole-index checks) and `_findings` (its report); `store
repair` is `_repair`. Imports flow one way: nothing imports `_store` back.
"""

from newsarchive.store._findings import Finding, VerifyReport
from newsarchive.store._import import ImportOptions, ImportSummary, import_paths
from newsarchive.store._repair import RepairReport
from newsarchive.store._store import Store

__all__ = [
    "Finding",
    "ImportOptions",
    "ImportSummary",
    "RepairReport",
    "Store",
    "VerifyReport",
    "import_paths",
]
