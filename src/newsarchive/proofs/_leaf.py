"""The leaves of the log: which bytes of a store entry the Merkle tree commits to.

Every entry the store appends (records, blobs, events, evidence; not commit
lines) is a leaf, in store order. Its bytes are the entry's JSON object with
the `content` member of its record, blob or evidence removed, in RFC 8785
canonical form: the content is bound by the `content_digest` and length that
stay, so a bundle can prove a record without revealing its text. These rules
are part of the log format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import orjson

from newsarchive._json import canonical_dumps, loads
from newsarchive.errors import ProofError
from newsarchive.proofs._merkle import hash_leaf

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["canonical_line_leaf_hash", "entry_leaf_hash", "leaf_bytes", "line_leaf_hash"]

#: The entry kinds whose `content` member is not part of the leaf (bound by its digest).
_STRIPPED: Final = ("record", "blob", "evidence")


def leaf_bytes(entry: Mapping[str, Any]) -> bytes:
    """The leaf of a store entry: its JSON without its record's, blob's or evidence's `content`."""
    if "commit" in entry:
        raise ProofError("commit lines are not leaves of the log", code="not-a-leaf")
    out = dict(entry)
    for key in _STRIPPED:
        inner = out.get(key)
        if isinstance(inner, dict) and "content" in inner:
            out[key] = {k: v for k, v in inner.items() if k != "content"}
    return canonical_dumps(out)


def entry_leaf_hash(entry: Mapping[str, Any]) -> bytes:
    """The RFC 9162 leaf hash of a store entry."""
    return hash_leaf(leaf_bytes(entry))


def line_leaf_hash(line: bytes) -> bytes | None:
    """The leaf hash of one segment line (an entry, LF optional); None for a commit line."""
    entry = loads(line)
    if not isinstance(entry, dict):
        raise ProofError("a segment line holds a JSON object", code="not-a-leaf")
    if "commit" in entry:
        return None
    return hash_leaf(leaf_bytes(entry))


def _member(key: str, value: Any) -> bytes:
    return b'"' + key.encode() + b'":' + orjson.dumps(value)


def canonical_line_leaf_hash(kind: str, value: Mapping[str, Any], line: bytes) -> bytes | None:
    """The leaf hash of an entry line the store wrote (RFC 8785 already), without re-encoding it.

    `value` is the line parsed. A canonical line without its `content` member
    is the canonical form of the rest, so the leaf is the line with that
    member cut out: it follows the members whose keys sort before `content`
    (`authors` and `canonical_url` in a record, none in a blob), and its
    bytes are the content's JSON string. None when the line does not have that shape (an
    `evidence` entry, say): use `entry_leaf_hash`. Only for lines known to be
    canonical: `store verify` recomputes every leaf by the rule, so a line
    that was not is found (`log-mismatch`).
    """
    body = line[:-1] if line.endswith(b"\n") else line
    inner = value.get(kind)
    if kind == "event" or (kind == "record" and "content_blob" in value):
        return hash_leaf(body)  # nothing to take out
    if kind not in ("record", "blob") or not isinstance(inner, dict) or "content" not in inner:
        return None
    start = len(kind) + 5  # {"record":{ or {"blob":{
    # The members sorted before it (`authors` and `canonical_url` in a record;
    # none in a blob); the check below falls back to the rule if any differs.
    start += sum(len(_member(k, inner[k])) + 1 for k in inner if k < "content")
    member = _member("content", inner["content"])
    end = start + len(member)
    if body[start:end] != member or body[end : end + 1] != b",":
        return None
    return hash_leaf(body[:start] + body[end + 1 :])
