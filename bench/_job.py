"""One timed store job in a fresh process, so its peak memory is its own.

    python -m bench._job import STORE CORPUS JOBS
    python -m bench._job verify STORE JOBS
    python -m bench._job fixity STORE JOBS     (store verify --fixity-only)

Prints JSON: seconds, peak RSS of this process and of its children (MiB).
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import time
from pathlib import Path

from newsarchive.store import ImportOptions, Store, import_paths


def _peak_mib() -> float:
    """This process's own peak RSS in MiB.

    Not `ru_maxrss`: Linux carries the parent's peak across fork and exec
    into it, so a job started by a large benchmark process reported that
    process's size (the 205 MiB "import and audit" peaks at a million were
    the runner's). `VmHWM` is this process's own address space.
    """
    with contextlib.suppress(OSError), Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    what, store_dir = argv[0], argv[1]
    started = time.perf_counter()
    if what == "import":
        with Store.init(store_dir) as store:
            options = ImportOptions(retrieved_at="2024-01-01T00:00:00Z")
            summary = import_paths(store, [argv[2]], options, jobs=int(argv[3]))
        count = summary.imported
    else:
        with Store(store_dir) as store:
            report = store.verify(
                jobs=int(argv[2]), record_event=False, fixity_only=what == "fixity"
            )
        assert report.ok, report.findings
        # A fixity-only audit does not parse entries; the corpus holds only records.
        count = report.records if what == "verify" else report.entries
    seconds = time.perf_counter() - started
    own = _peak_mib()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "count": count, "rss": own, "children_rss": children}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
