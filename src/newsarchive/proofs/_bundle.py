"""Evidence bundles: one record, the proof that it is in the log, and who vouches for the log.

A bundle (format `newsarchive-evidence/v1`, one JSON object; docs/proofs.md)
holds the log entry with its content removed (`entry`, the leaf's own bytes
once in RFC 8785 form), optionally the `content`, the `leaf_index`, the RFC
9162 `inclusion_proof` (base64 hashes, leaf side first), the signed
`checkpoint` note, optionally an RFC 3161 `timestamp` response over the
checkpoint note's bytes, and `digests` (leaf hash, root, SHA-256 of the
checkpoint and the token) for people and indexes.

`verify_bundle` checks each rung on its own and says which hold:

    content     the content hashes to the record's content_digest and length
    record      the record digest and the id recompute from the record
    inclusion   the leaf hash, the proof and the checkpoint's size give its root
    checkpoint  the checkpoint note is signed by a trusted key
    timestamp   the token is a valid stamp of the checkpoint note by a trusted TSA

A rung is `ok`, `failed`, `absent` (the bundle has no content, or no token) or
`unchecked` (a token but no TSA certificate to check it). Damage inside a
bundle is a failed rung, never an exception; only input that is not a bundle
at all raises `ProofError`. Every base64 value must be canonical, so that no
byte of a bundle can change without changing what it says.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from newsarchive import _derive
from newsarchive._json import loads
from newsarchive.digest import Digest, digest_equal
from newsarchive.errors import JSONError, NewsArchiveError, ProofError
from newsarchive.proofs._checkpoint import Checkpoint, parse_checkpoint
from newsarchive.proofs._leaf import leaf_bytes
from newsarchive.proofs._merkle import HASH_SIZE, hash_leaf, verify_inclusion
from newsarchive.proofs._note import Note, VerifierKey, parse_note, verify_note
from newsarchive.timestamps import parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from newsarchive.proofs._timestamp import TsaTrust

__all__ = [
    "BUNDLE_FORMAT",
    "BundleReport",
    "Rung",
    "load_bundle",
    "make_bundle",
    "verify_bundle",
]

BUNDLE_FORMAT: Final = "newsarchive-evidence/v1"
RUNGS: Final = ("content", "record", "inclusion", "checkpoint", "timestamp")
Status = Literal["ok", "failed", "absent", "unchecked"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def make_bundle(
    entry: Mapping[str, Any],
    content: str | None,
    leaf_index: int,
    proof: Sequence[bytes],
    checkpoint_note: bytes,
    token: bytes | None = None,
) -> dict[str, Any]:
    """The bundle of one record entry (`{"record": R}` or `{"content_blob": D, "record": R}`).

    `content` None leaves the content out (the record is still proven, by its
    content digest). The bundle carries no other entry and no private key.
    """
    if not isinstance(entry.get("record"), dict):
        raise ProofError("a bundle proves a record entry", code="not-a-record")
    bare = loads(leaf_bytes(entry))
    note = parse_note(checkpoint_note)
    checkpoint = parse_checkpoint(note.text)
    bundle: dict[str, Any] = {"format": BUNDLE_FORMAT, "entry": bare}
    if content is not None:
        bundle["content"] = content
    bundle["leaf_index"] = leaf_index
    bundle["inclusion_proof"] = [_b64(p) for p in proof]
    bundle["checkpoint"] = checkpoint_note.decode("utf-8")
    digests = {
        "leaf": hash_leaf(leaf_bytes(bare)).hex(),
        "root": checkpoint.root.hex(),
        "checkpoint_sha256": hashlib.sha256(checkpoint_note).hexdigest(),
    }
    if token is not None:
        bundle["timestamp"] = _b64(token)
        digests["timestamp_sha256"] = hashlib.sha256(token).hexdigest()
    bundle["digests"] = digests
    return bundle


@attrs.frozen
class Rung:
    """One step of the evidence and whether it holds."""

    name: str
    status: Status
    detail: str

    @property
    def holds(self) -> bool:
        return self.status in ("ok", "absent")

    def to_dict(self) -> dict[str, str]:
        return {"rung": self.name, "status": self.status, "detail": self.detail}


@attrs.frozen
class BundleReport:
    """The verdict on a bundle: one `Rung` per rung, in the order of `RUNGS`."""

    rungs: tuple[Rung, ...]
    record_id: str | None = None
    leaf_index: int | None = None
    tree_size: int | None = None

    @property
    def ok(self) -> bool:
        """Every rung that is present holds."""
        return all(r.holds for r in self.rungs)

    def rung(self, name: str) -> Rung:
        return next(r for r in self.rungs if r.name == name)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rungs if not r.holds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "record_id": self.record_id,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "rungs": [r.to_dict() for r in self.rungs],
        }


class _Bad(Exception):
    """A rung's failure, with the reason people read."""


def _canonical_b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise _Bad(f"{what} is not a base64 string")
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _Bad(f"{what} is not base64") from None
    if _b64(data) != value:
        raise _Bad(f"{what} is not canonical base64")
    return data


def _record_of(bundle: Mapping[str, Any]) -> dict[str, Any]:
    entry = bundle.get("entry")
    if not isinstance(entry, dict) or not isinstance(entry.get("record"), dict):
        raise _Bad("the bundle's entry holds no record")
    if "content" in entry["record"]:
        raise _Bad("the entry's record carries its content (it belongs beside it)")
    record: dict[str, Any] = entry["record"]
    return record


def _check_content(bundle: Mapping[str, Any]) -> str:
    if "content" not in bundle:
        raise _Absent("the bundle leaves the content out")
    content = bundle["content"]
    if not isinstance(content, str):
        raise _Bad("content is not a string")
    record = _record_of(bundle)
    encoded = content.encode("utf-8", "surrogatepass")
    if record.get("content_length") != len(encoded):
        raise _Bad(
            f"content is {len(encoded)} bytes, the record says {record.get('content_length')}"
        )
    declared = _digest(record.get("content_digest"), "content_digest")
    if not declared.matches(encoded):
        raise _Bad(f"content does not hash to the record's content_digest {declared}")
    return f"content matches {declared}"


class _Absent(Exception):
    """The rung's evidence is not in the bundle."""


def _digest(value: Any, what: str) -> Digest:
    if not isinstance(value, str):
        raise _Bad(f"{what} is not a digest string")
    try:
        return Digest.parse(value)
    except NewsArchiveError:
        raise _Bad(f"{what} is not a digest") from None


def _check_record(bundle: Mapping[str, Any]) -> str:
    record = _record_of(bundle)
    declared = _digest(record.get("record_digest"), "record_digest")
    try:
        actual = _derive.compute_record_digest(record, declared.algorithm)
    except (JSONError, TypeError, ValueError):
        raise _Bad("the record is not JSON data") from None
    if not digest_equal(declared, actual):
        raise _Bad("record_digest does not match the record: a field was changed")
    content_digest = _digest(record.get("content_digest"), "content_digest")
    if content_digest.algorithm == "sha256":
        sha256 = content_digest
    elif isinstance(bundle.get("content"), str):
        sha256 = Digest.of_bytes(bundle["content"].encode("utf-8", "surrogatepass"))
    else:  # the record digest (which covers the id as written) is all that can be checked
        return f"record digest recomputes; the id needs the content ({content_digest.algorithm})"
    url, retrieved = record.get("url"), record.get("retrieved_at")
    if not isinstance(url, str) or not isinstance(retrieved, str):
        raise _Bad("the record has no url or retrieved_at")
    try:
        expected = _derive.compute_id(url, sha256, parse_timestamp(retrieved))
    except (NewsArchiveError, ValueError):
        raise _Bad("retrieved_at is not a timestamp") from None
    if record.get("id") != expected:
        raise _Bad("id does not match url, content and retrieved_at")
    return f"record digest and id {expected[:16]}... recompute"


def _note_of(bundle: Mapping[str, Any]) -> tuple[bytes, Note, Checkpoint]:
    text = bundle.get("checkpoint")
    if not isinstance(text, str):
        raise _Bad("the bundle has no checkpoint note")
    data = text.encode("utf-8", "surrogatepass")
    try:
        note = parse_note(data)
        return data, note, parse_checkpoint(note.text)
    except ProofError as exc:
        raise _Bad(exc.message) from None


def _check_inclusion(bundle: Mapping[str, Any]) -> str:
    _, _, checkpoint = _note_of(bundle)
    entry = bundle.get("entry")
    _record_of(bundle)
    assert isinstance(entry, dict)
    try:
        leaf = hash_leaf(leaf_bytes(entry))
    except (JSONError, TypeError, ValueError, ProofError):
        raise _Bad("the entry is not JSON data") from None
    index = bundle.get("leaf_index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise _Bad("leaf_index is not an integer")
    proof_list = bundle.get("inclusion_proof")
    if not isinstance(proof_list, list):
        raise _Bad("inclusion_proof is not a list")
    proof = [_canonical_b64(p, "an inclusion proof hash") for p in proof_list]
    if any(len(p) != HASH_SIZE for p in proof):
        raise _Bad("an inclusion proof hash is not 32 bytes")
    _check_digest(bundle, "leaf", leaf.hex())
    _check_digest(bundle, "root", checkpoint.root.hex())
    if not verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root):
        raise _Bad(
            f"the proof does not lead from leaf {index} to the root of the checkpoint's"
            f" {checkpoint.size} entries"
        )
    return f"leaf {index} of {checkpoint.size} under root {checkpoint.root.hex()[:16]}..."


def _check_digest(bundle: Mapping[str, Any], name: str, actual: str) -> None:
    """The `digests` member is a summary: where present, it must agree with the evidence."""
    digests = bundle.get("digests", {})
    if not isinstance(digests, dict):
        raise _Bad("digests is not an object")
    if name in digests and digests[name] != actual:
        raise _Bad(f"digests.{name} does not match the evidence")


def _check_checkpoint(bundle: Mapping[str, Any], verifiers: Sequence[VerifierKey]) -> str:
    data, note, checkpoint = _note_of(bundle)
    _check_digest(bundle, "checkpoint_sha256", hashlib.sha256(data).hexdigest())
    try:
        verdict = verify_note(note, verifiers)
    except ProofError as exc:
        raise _Bad(exc.message) from None
    if not verdict.ok:
        raise _Bad(f"checkpoint of {checkpoint.origin}: {verdict.reason}")
    return f"checkpoint of {checkpoint.origin} {verdict.reason}"


def _check_timestamp(bundle: Mapping[str, Any], trust: TsaTrust | None) -> str:
    if "timestamp" not in bundle:
        raise _Absent("the bundle has no time-stamp")
    token = _canonical_b64(bundle["timestamp"], "timestamp")
    _check_digest(bundle, "timestamp_sha256", hashlib.sha256(token).hexdigest())
    if trust is None:
        raise _Unchecked("a time-stamp is present; give the TSA certificate to check it")
    data, _, _ = _note_of(bundle)
    from newsarchive.proofs._timestamp import verify_timestamp  # noqa: PLC0415

    try:
        verdict = verify_timestamp(token, data, trust)
    except ProofError as exc:
        raise _Bad(exc.message) from None
    if not verdict.ok:
        raise _Bad(verdict.reason)
    return verdict.reason


class _Unchecked(Exception):
    """Evidence present that the caller gave no means to check."""


def _run(name: str, check: Any) -> Rung:
    try:
        return Rung(name, "ok", check())
    except _Absent as exc:
        return Rung(name, "absent", str(exc))
    except _Unchecked as exc:
        return Rung(name, "unchecked", str(exc))
    except _Bad as exc:
        return Rung(name, "failed", str(exc))


def load_bundle(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """Read a bundle's JSON; ProofError (not-a-bundle) if it is not a v1 evidence bundle."""
    if isinstance(data, (bytes, str)):
        try:
            value = loads(data)
        except JSONError as exc:
            raise ProofError(f"not a bundle: {exc.message}", code="not-a-bundle") from None
    else:
        value = dict(data)
    if not isinstance(value, dict) or "format" not in value:
        raise ProofError("not a bundle: no 'format' member", code="not-a-bundle")
    if value["format"] != BUNDLE_FORMAT:
        raise ProofError(
            f"not a bundle this version reads: format is not {BUNDLE_FORMAT}", code="not-a-bundle"
        )
    return value


def verify_bundle(
    bundle: bytes | str | Mapping[str, Any],
    verifiers: VerifierKey | Sequence[VerifierKey],
    tsa: TsaTrust | None = None,
) -> BundleReport:
    """Check every rung of `bundle` offline (see the module docstring)."""
    value = load_bundle(bundle)
    keys: list[VerifierKey] = [verifiers] if isinstance(verifiers, VerifierKey) else list(verifiers)
    rungs = (
        _run("content", lambda: _check_content(value)),
        _run("record", lambda: _check_record(value)),
        _run("inclusion", lambda: _check_inclusion(value)),
        _run("checkpoint", lambda: _check_checkpoint(value, keys)),
        _run("timestamp", lambda: _check_timestamp(value, tsa)),
    )
    entry = value.get("entry")
    record = entry.get("record") if isinstance(entry, dict) else None
    record_id = record.get("id") if isinstance(record, dict) else None
    index = value.get("leaf_index")
    size: int | None = None
    try:
        size = _note_of(value)[2].size
    except _Bad:
        size = None
    return BundleReport(
        rungs,
        record_id if isinstance(record_id, str) else None,
        index if isinstance(index, int) and not isinstance(index, bool) else None,
        size,
    )
