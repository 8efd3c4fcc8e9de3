"""Check a store's segments with the standard library only: no newsarchive needed.

Run: python examples/check_segments.py STORE_DIR

Each batch's commit line carries the SHA-256 of the entry lines before it;
this recomputes them and lists the records, as anyone could years from now.
Exit 0 if every batch checks out (a torn tail after the last commit is fine),
1 if one does not, 2 if STORE_DIR is missing or is not a store.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def check(store: Path) -> int:
    if not (store / "segments").is_dir():
        # Nothing to check must not read as a pass.
        print(f"check_segments: error: {store} is not a store (no segments/)", file=sys.stderr)
        return 2
    bad = records = 0
    for segment in sorted((store / "segments").glob("*.jsonl")):
        lines: list[bytes] = []
        for line in segment.read_bytes().splitlines(keepends=True):
            if not line.startswith(b'{"commit":') or not line.endswith(b"\n"):
                lines.append(line)
                continue
            commit = json.loads(line)["commit"]
            body = b"".join(lines)
            if (
                commit["entries"] != len(lines)
                or hashlib.sha256(body).hexdigest() != commit["sha256"]
            ):
                print(f"{segment.name}: batch {commit['seq']} does NOT match its commit")
                bad += 1
            records += sum(x.startswith((b'{"record":', b'{"content_blob":')) for x in lines)
            lines = []
    print(f"{records} records; {bad} bad batches")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python examples/check_segments.py STORE_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(check(Path(sys.argv[1])))
