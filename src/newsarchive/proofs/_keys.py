"""Key files: a signer key in its own 0600 file, created once, never printed.

The file holds the Go `PRIVATE+KEY+name+keyid+base64` string and a newline,
the form `golang.org/x/mod/sumdb/note` reads. It is created with O_EXCL (an
existing key is never overwritten) and mode 0600 from the first byte, and it is
refused on loading when group or others may read it, as ssh does.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from newsarchive.errors import ProofError
from newsarchive.proofs._note import (
    SignerKey,
    VerifierKey,
    generate_signer,
    parse_signer_key,
    parse_verifier_key,
)

__all__ = ["generate_key_file", "load_signer_key", "load_verifier_key", "write_signer_key"]


def write_signer_key(path: str | os.PathLike[str], signer: SignerKey) -> None:
    """Create `path` (mode 0600, must not exist) holding the signer key."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise ProofError(
            f"{os.fspath(path)} exists; a key file is never overwritten", code="key-file-exists"
        ) from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(signer.private_string().encode() + b"\n")
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise


def generate_key_file(name: str, path: str | os.PathLike[str]) -> VerifierKey:
    """Generate an Ed25519 key named `name` into `path`; return its public verifier key."""
    signer = generate_signer(name)
    write_signer_key(path, signer)
    return signer.verifier()


def load_signer_key(path: str | os.PathLike[str]) -> SignerKey:
    """Read a signer key file; refuse one that group or others can read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise ProofError(
            f"cannot read key file {os.fspath(path)}: {exc.strerror}", code="bad-key-file"
        ) from None
    with os.fdopen(fd, "rb") as stream:
        if stat.S_IMODE(os.fstat(stream.fileno()).st_mode) & 0o077:
            raise ProofError(
                f"key file {os.fspath(path)} is readable by others; chmod 600 it",
                code="key-file-permissions",
            )
        data = stream.read(4096)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ProofError("malformed signer key: not ASCII", code="bad-key") from None
    return parse_signer_key(text)


def load_verifier_key(text_or_path: str | os.PathLike[str]) -> VerifierKey:
    """A verifier key from its string form, or from a file that holds it."""
    text = os.fspath(text_or_path)
    if "+" in text and not Path(text).exists():
        return parse_verifier_key(text)
    try:
        data = Path(text).read_bytes()[:4096].decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ProofError(
            f"{text!r} is neither a verifier key (NAME+KEYID+BASE64) nor a file holding one "
            f"({why})",
            code="bad-key",
        ) from None
    return parse_verifier_key(data)
