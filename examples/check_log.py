"""Recompute a log's Merkle root with the standard library only: no newsarchive needed.

Run: python examples/check_log.py ENTRIES.jsonl
 (a store's log: cat STORE/segments/*.jsonl > all.jsonl; python examples/check_log.py all.jsonl)

Reads store entries, one JSON object per line (commit lines are skipped: they
are not leaves), and prints the tree size and the base64 root hash, the second
and third lines of the log's checkpoint. Compare them with a checkpoint you
kept: equal means the log still holds exactly the entries that checkpoint
signed, in that order.

The rules (docs/proofs.md): a leaf is the entry with the `content` of its
record, blob or evidence removed, as RFC 8785 canonical JSON; the leaf hash is
SHA-256(0x00 || leaf), an interior node SHA-256(0x01 || left || right), the
tree is RFC 9162's (split at the largest power of two below the size).
`json.dumps(ensure_ascii=False)` with keys sorted by UTF-16 code units writes
RFC 8785 for what entries hold (strings, integers, booleans, null); a number
with a fraction (where RFC 8785 has its own rules) is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any


def _no_floats(text: str) -> Any:
    raise ValueError(f"a non-integer number ({text}): this script only handles integers")


def _sorted(value: Any) -> Any:
    """Object keys in RFC 8785 order: by UTF-16 code units."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value, key=lambda k: k.encode("utf-16-be"))}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def leaf(entry: dict[str, Any]) -> bytes:
    for key in ("record", "blob", "evidence"):
        if isinstance(entry.get(key), dict):
            entry[key].pop("content", None)
    data = json.dumps(_sorted(entry), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(b"\x00" + data.encode("utf-8")).digest()


def root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    stack: list[tuple[int, bytes]] = []  # perfect subtrees: (height, hash)
    for leaf_hash in leaves:
        height, node = 0, leaf_hash
        while stack and stack[-1][0] == height:
            node = hashlib.sha256(b"\x01" + stack.pop()[1] + node).digest()
            height += 1
        stack.append((height, node))
    node = stack.pop()[1]
    while stack:
        node = hashlib.sha256(b"\x01" + stack.pop()[1] + node).digest()
    return node


def main(path: Path) -> int:
    leaves = []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line, parse_float=_no_floats)
            except ValueError as exc:
                print(f"{path}:{number}: {exc}", file=sys.stderr)
                return 2
            if "commit" not in entry:
                leaves.append(leaf(entry))
    print(len(leaves))
    print(base64.b64encode(root(leaves)).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
