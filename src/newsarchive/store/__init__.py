"""The embedded store: durable, append-only, plain-format, indexed.

Layout and format rules: `_layout` (directory), `_segment` (primary data),
`_index` (derived SQLite index), `_lock` (writer lock).
"""

from newsarchive.store._import import ImportOptions, ImportSummary, import_paths
from newsarchive.store._repair import RepairReport
from newsarchive.store._store import Store
from newsarchive.store._verify import Finding, VerifyReport

__all__ = [
    "Finding",
    "ImportOptions",
    "ImportSummary",
    "RepairReport",
    "Store",
    "VerifyReport",
    "import_paths",
]
