"""A bag's files on disk: the walk of its tree, and reading one file, never via a symlink.

Only names found by walking the bag are ever opened (never a path built
from manifest text alone), each with O_NOFOLLOW at the last step.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from typing import TYPE_CHECKING, Final

import attrs

from newsarchive.errors import BagProblem

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

__all__ = [
    "MANIFEST_ALGORITHMS",
    "Walk",
    "bag_signs",
    "hash_file",
    "read_bag_file",
    "short_path",
    "shown",
    "walk_bag",
]

#: Manifest algorithm names (RFC 8493 §2.4, IANA names) -> hashlib names.
MANIFEST_ALGORITHMS: Final = {
    "md5": "md5",
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
    "sha3-224": "sha3_224",
    "sha3-256": "sha3_256",
    "sha3-384": "sha3_384",
    "sha3-512": "sha3_512",
}
_CHUNK: Final = 1024 * 1024
#: No effect on a regular file's reads; makes opening a FIFO return at once.
_NONBLOCK: Final = getattr(os, "O_NONBLOCK", 0)
#: Top-level names only a bag has (besides bagit.txt); manifests are matched by pattern.
_BAG_FILES: Final = ("bag-info.txt", "package-info.txt", "fetch.txt")
_MANIFEST: Final = re.compile(r"(tag)?manifest-[A-Za-z0-9-]+\.txt")
#: Lone surrogates: what os.fsdecode makes of name bytes that are not UTF-8 (U+DC80-U+DCFF).
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _open_nofollow(root: Path, name: str) -> int:
    """A read-only descriptor for one regular bag file, refusing to follow a symlink at the
    last step. Opened non-blocking, then checked: a FIFO in the bag's place (even one put
    there after the walk) would block the open, and a device might never end."""
    path = root / name
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return fd


def read_bag_file(root: Path, name: str) -> bytes:
    """Read one regular file of the bag by its relative name, refusing to follow a symlink."""
    with os.fdopen(_open_nofollow(root, name), "rb") as f:
        return f.read()


def hash_file(root: Path, name: str, algorithms: Iterable[str]) -> tuple[dict[str, str], int]:
    """({algorithm: hex}, size) of one bag file, reading it once whatever the algorithms."""
    hashers = {a: hashlib.new(MANIFEST_ALGORITHMS[a]) for a in algorithms}
    size = 0
    with os.fdopen(_open_nofollow(root, name), "rb") as f:
        while chunk := f.read(_CHUNK):
            size += len(chunk)
            for h in hashers.values():
                h.update(chunk)
    return {a: h.hexdigest() for a, h in hashers.items()}, size


@attrs.define
class Walk:
    """The bag's tree as found on disk: regular files (relative names) and their sizes."""

    files: dict[str, int] = attrs.field(factory=dict)
    problems: list[BagProblem] = attrs.field(factory=list)


def walk_bag(root: Path) -> Walk:
    """Every entry under `root`, depth first, with a stack (a deep tree must not recurse).

    An entry that cannot be listed or stat-ed (a path too long for the OS, a
    permission) becomes a problem naming it, so the report still comes out.
    """
    found = Walk()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            names = sorted(p.name for p in directory.iterdir())
        except OSError as exc:
            found.problems.append(
                BagProblem(short_path(prefix.rstrip("/")), "unreadable", exc.strerror or str(exc))
            )
            continue
        subdirectories: list[tuple[Path, str]] = []
        for name in names:
            rel = f"{prefix}{name}"
            try:
                st = (directory / name).lstat()
            except OSError as exc:
                found.problems.append(
                    BagProblem(short_path(rel), "unreadable", exc.strerror or str(exc))
                )
                continue
            if stat.S_ISLNK(st.st_mode):
                found.problems.append(
                    BagProblem(rel, "symlink", "a symbolic link; bags may hold only plain files")
                )
            elif stat.S_ISDIR(st.st_mode):
                subdirectories.append((directory / name, f"{rel}/"))
            elif stat.S_ISREG(st.st_mode):
                found.files[rel] = st.st_size
            else:
                found.problems.append(BagProblem(rel, "not-a-file", "not a regular file"))
        stack.extend(reversed(subdirectories))  # popped in name order
    return found


def short_path(path: str, keep: int = 60) -> str:
    """A path cut in the middle when long (a report line, not a 4 KiB name)."""
    return path if len(path) <= 2 * keep else f"{path[:keep]}...{path[-keep:]}"


def bag_signs(root: Path) -> list[str] | None:
    """The files and folders at the top of `root` that only a bag has, besides bagit.txt:
    data/, a (tag) manifest, bag-info.txt, fetch.txt; None when `root` cannot be listed."""
    try:
        names = sorted(p.name for p in root.iterdir())
    except OSError:
        return None
    signs = ["data/"] if "data" in names and (root / "data").is_dir() else []
    signs += [n for n in names if n in _BAG_FILES or _MANIFEST.fullmatch(n)]
    return signs


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def shown(text: str) -> str:
    """`text` with lone surrogates as `\\xNN` (the name's original byte) or `\\uXXXX`: a file
    name that is not UTF-8 can then be printed and written as JSON, never crash output."""
    return _SURROGATE.sub(_escape, text)
