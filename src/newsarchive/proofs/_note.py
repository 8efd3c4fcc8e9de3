"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, as Go's sumdb/note.

A note is UTF-8 text ending in LF, a blank line, then signature lines
`— <key name> <base64(key ID || signature)>` each ending in LF. The key ID of an
Ed25519 key is the first 4 bytes of SHA-256(name || LF || 0x01 || public key).
Key strings: verifier `name+hex(key ID)+base64(0x01 || public key)`, signer
`PRIVATE+KEY+name+hex(key ID)+base64(0x01 || 32-byte seed)`.

Parsing follows golang.org/x/mod/sumdb/note `Open` rule for rule (text and
signatures split at the LAST blank line; no control characters but LF; at most
100 signatures; repeated signatures dropped) so that what Go accepts, this
accepts. A well-formed note whose signatures do not verify is not an error:
`verify_note` returns a `NoteVerdict` saying which keys verified and which failed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import TYPE_CHECKING, Final

import attrs

from newsarchive.errors import MissingExtra, ProofError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "MAX_SIGNATURES",
    "Note",
    "NoteVerdict",
    "Signature",
    "SignerKey",
    "VerifierKey",
    "generate_signer",
    "key_id",
    "parse_note",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_note",
    "verify_note",
]

ED25519: Final = 0x01
MAX_SIGNATURES: Final = 100
_SIG_PREFIX: Final = "\u2014 "  # em dash, space
_CONTROL: Final = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SPACE: Final = re.compile(r"\s")


def _ed25519() -> type[Ed25519PrivateKey]:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PrivateKey,
        )
    except ImportError:
        raise MissingExtra("signing and checking notes", "proofs", "cryptography") from None
    return Ed25519PrivateKey


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not _SPACE.search(name)


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


def key_id(name: str, key: bytes) -> int:
    """The 4-byte key ID of `key` (type byte included) under `name`, as an integer."""
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + key).digest()[:4], "big")


def _split_key(text: str, what: str) -> tuple[str, int, bytes]:
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise ProofError(f"malformed {what}: want name+keyid+key", code="bad-key")
    name, hex_id, key64 = parts
    key = _b64decode(key64)
    if not _valid_name(name) or not re.fullmatch(r"[0-9a-fA-F]{8}", hex_id) or not key:
        raise ProofError(f"malformed {what}", code="bad-key")
    if key[0] != ED25519:
        raise ProofError(f"unsupported {what}: key type {key[0]} is not Ed25519", code="bad-key")
    if len(key) != 33:
        raise ProofError(f"malformed {what}: an Ed25519 key is 32 bytes", code="bad-key")
    return name, int(hex_id, 16), key[1:]


@attrs.frozen
class VerifierKey:
    """A public Ed25519 note key: who signs (`name`) and the 32-byte `public_key`."""

    name: str
    key_id: int
    public_key: bytes

    def __str__(self) -> str:
        key64 = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{key64}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        _ed25519()
        from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PublicKey,
        )

        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@attrs.frozen
class SignerKey:
    """A private Ed25519 note key. Its repr and str never show the seed."""

    name: str
    key_id: int
    seed: bytes = attrs.field(repr=False)

    def __str__(self) -> str:
        return f"signer key {self.name}+{self.key_id:08x}"

    def private_string(self) -> str:
        """The Go `PRIVATE+KEY+...` form: for the key file only, never for a log line."""
        key64 = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{key64}"

    def verifier(self) -> VerifierKey:
        _ed25519()
        from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
            Encoding,
            PublicFormat,
        )

        public = (
            _ed25519()
            .from_private_bytes(self.seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        return VerifierKey(self.name, self.key_id, public)

    def sign(self, message: bytes) -> bytes:
        return _ed25519().from_private_bytes(self.seed).sign(message)


def _check_id(name: str, kid: int, public: bytes, what: str) -> None:
    if kid != key_id(name, bytes([ED25519]) + public):
        raise ProofError(f"malformed {what}: the key ID does not match the key", code="bad-key")


def parse_verifier_key(text: str) -> VerifierKey:
    """A verifier key string `name+keyid+base64`; ProofError (code bad-key) if malformed."""
    name, kid, public = _split_key(text.strip(), "verifier key")
    _check_id(name, kid, public, "verifier key")
    return VerifierKey(name, kid, public)


def parse_signer_key(text: str) -> SignerKey:
    """A signer key string `PRIVATE+KEY+name+keyid+base64`; the error never quotes it."""
    text = text.strip()
    if not text.startswith("PRIVATE+KEY+"):
        raise ProofError("malformed signer key: want PRIVATE+KEY+name+keyid+key", code="bad-key")
    name, kid, seed = _split_key(text.removeprefix("PRIVATE+KEY+"), "signer key")
    signer = SignerKey(name, kid, seed)
    _check_id(name, kid, signer.verifier().public_key, "signer key")  # the ID names the public key
    return signer


def generate_signer(name: str) -> SignerKey:
    """A new random Ed25519 signer key named `name`."""
    if not _valid_name(name):
        raise ProofError("a key name must be non-empty, without spaces or '+'", code="bad-key-name")
    _ed25519()
    from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private = _ed25519().generate()
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return SignerKey(name, key_id(name, bytes([ED25519]) + public), seed)


@attrs.frozen
class Signature:
    """One signature line: the key `name`, its `key_id`, and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id.to_bytes(4, "big") + self.signature).decode()
        return f"{_SIG_PREFIX}{self.name} {blob}\n"


@attrs.frozen
class Note:
    """A parsed signed note: the signed `text` (ending in LF) and its signatures in order."""

    text: str
    signatures: tuple[Signature, ...]

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


def _malformed(why: str) -> ProofError:
    return ProofError(f"malformed note: {why}", code="malformed-note")


def parse_note(data: bytes) -> Note:
    """Split a signed note into text and signatures; ProofError (malformed-note) if not one."""
    try:
        message = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("not UTF-8") from None
    if _CONTROL.search(message):
        raise _malformed("control character")
    split = message.rfind("\n\n")
    if split < 0:
        raise _malformed("no blank line before the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block or not block.endswith("\n"):
        raise _malformed("no signature lines ending in a newline")
    signatures: list[Signature] = []
    seen: set[str] = set()
    for count, line in enumerate(block[:-1].split("\n"), start=1):
        if count > MAX_SIGNATURES:
            raise _malformed(f"more than {MAX_SIGNATURES} signatures")
        if not line.startswith(_SIG_PREFIX):
            raise _malformed("a line after the blank line is not a signature")
        name, _, blob64 = line[len(_SIG_PREFIX) :].partition(" ")
        blob = _b64decode(blob64)
        if blob is None or not _valid_name(name) or not blob64 or len(blob) < 5:
            raise _malformed("a signature line is not '— name base64'")
        if line in seen:
            continue
        seen.add(line)
        signatures.append(Signature(name, int.from_bytes(blob[:4], "big"), blob[4:]))
    return Note(text, tuple(signatures))


@attrs.frozen
class NoteVerdict:
    """Which known keys signed the note (`verified`), which failed, which keys were unknown."""

    note: Note
    verified: tuple[str, ...]
    failed: tuple[str, ...]
    unverified: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """At least one known key verified and none failed (Go's `note.Open` succeeds)."""
        return bool(self.verified) and not self.failed

    @property
    def reason(self) -> str:
        if self.failed:
            return f"invalid signature for key {self.failed[0]}"
        if not self.verified:
            return "no signature by a known key"
        return "signed by " + ", ".join(self.verified)


def _lookup(verifiers: Sequence[VerifierKey], name: str, kid: int) -> VerifierKey | None:
    found = [v for v in verifiers if v.name == name and v.key_id == kid]
    if len(found) > 1:
        raise ProofError(f"ambiguous key {name}+{kid:08x}", code="ambiguous-key")
    return found[0] if found else None


def verify_note(note: Note | bytes, verifiers: Sequence[VerifierKey]) -> NoteVerdict:
    """Check every signature of `note` by a key in `verifiers` (the others are `unverified`)."""
    if isinstance(note, bytes):
        note = parse_note(note)
    message = note.text.encode()
    verified: list[str] = []
    failed: list[str] = []
    unverified: list[str] = []
    done: set[tuple[str, int]] = set()
    for sig in note.signatures:
        key = _lookup(verifiers, sig.name, sig.key_id)
        if key is None:
            unverified.append(sig.name)
            continue
        if (sig.name, sig.key_id) in done:
            continue
        done.add((sig.name, sig.key_id))
        if key.verify(message, sig.signature):
            verified.append(sig.name)
        else:
            failed.append(f"{sig.name}+{sig.key_id:08x}")
    return NoteVerdict(note, tuple(verified), tuple(failed), tuple(unverified))


def sign_note(text: str | Note, signers: Iterable[SignerKey]) -> bytes:
    """The signed note: `text` (a str ending in LF, or a note to add signatures to), signed."""
    note = text if isinstance(text, Note) else Note(text, ())
    if not note.text.endswith("\n") or _CONTROL.search(note.text):
        raise ProofError(
            "a note's text ends in a newline and holds no control characters",
            code="malformed-note",
        )
    message = note.text.encode()
    new = [Signature(s.name, s.key_id, s.sign(message)) for s in signers]
    return Note(note.text, note.signatures + tuple(new)).to_bytes()
