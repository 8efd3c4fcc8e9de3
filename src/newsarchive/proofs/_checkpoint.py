"""C2SP tlog-checkpoints (https://c2sp.org/tlog-checkpoint): the signed statement of a log's head.

The body is the text of a signed note:

    <origin> LF <tree size, decimal> LF <base64 root hash> LF [<extension line> LF ...]

The origin names the log; the same body bytes are what the log key signs, what
a witness cosigns and what a TSA stamps. This parser is strict where C2SP says
MUST: a non-empty origin, a plain decimal size below 2**64 (no sign, no leading
zeros), standard base64 with padding, a 32-byte SHA-256 root unless told
otherwise, and non-empty extension lines.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Final

import attrs

from newsarchive.errors import ProofError
from newsarchive.proofs._merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from newsarchive.proofs._note import NoteVerdict, parse_note, sign_note, verify_note

if TYPE_CHECKING:
    from collections.abc import Sequence

    from newsarchive.proofs._note import SignerKey, VerifierKey

__all__ = [
    "Checkpoint",
    "SignedCheckpoint",
    "checkpoints_consistent",
    "open_checkpoint",
    "parse_checkpoint",
]

_SIZE: Final = re.compile(r"0|[1-9][0-9]{0,19}")
_MAX_SIZE: Final = (1 << 64) - 1


def _bad(why: str) -> ProofError:
    return ProofError(f"malformed checkpoint: {why}", code="malformed-checkpoint")


@attrs.frozen
class Checkpoint:
    """A log's origin, its tree size and root hash, and any extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The checkpoint body: the exact text a signature covers."""
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root).decode(),
            *self.extensions,
        ]
        return "".join(line + "\n" for line in lines)

    def sign(self, signers: Sequence[SignerKey]) -> bytes:
        """The signed note of this checkpoint."""
        return sign_note(self.text(), signers)


def parse_checkpoint(text: str, *, hash_size: int | None = HASH_SIZE) -> Checkpoint:
    """Read a checkpoint body; `hash_size=None` accepts any root length (as transparency-dev)."""
    if not text.endswith("\n"):
        raise _bad("it does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise _bad("fewer than three lines")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise _bad("empty origin")
    if not _SIZE.fullmatch(size_text) or int(size_text) > _MAX_SIZE:
        raise _bad("the tree size is not a decimal number below 2**64")
    try:
        root = base64.b64decode(root_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _bad("the root hash is not base64") from None
    if hash_size is not None and len(root) != hash_size:
        raise _bad(f"the root hash is {len(root)} bytes, not {hash_size}")
    if any(not line for line in extensions):
        raise _bad("an empty extension line")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


@attrs.frozen
class SignedCheckpoint:
    """A checkpoint read from a signed note, with the verdict on its signatures."""

    checkpoint: Checkpoint
    verdict: NoteVerdict

    @property
    def ok(self) -> bool:
        return self.verdict.ok


def open_checkpoint(note: bytes, verifiers: Sequence[VerifierKey]) -> SignedCheckpoint:
    """Parse a signed checkpoint and check its signatures (a failed signature is in the verdict)."""
    parsed = parse_note(note)
    return SignedCheckpoint(parse_checkpoint(parsed.text), verify_note(parsed, verifiers))


def checkpoints_consistent(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> bool:
    """Does `proof` show that `new` extends `old` (same log, old entries unchanged)?

    A checkpoint of the empty log is consistent with any later one of the same
    origin whose proof is empty; otherwise RFC 9162 section 2.1.4.2 decides.
    """
    if old.origin != new.origin or old.size > new.size:
        return False
    if old.size == 0:
        return old.root == EMPTY_ROOT and not proof
    return verify_consistency(old.size, new.size, old.root, new.root, proof)
