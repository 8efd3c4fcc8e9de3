"""Reading a bag's tag files from disk: bagit.txt, manifests, fetch.txt, bag-info.txt.

`TagReader` reads and decodes each tag file in the encoding bagit.txt
declares and hands the text to the pure parsers of `_tagfiles`, adding
every problem it meets to the validator's list (one report, every problem).
"""

from __future__ import annotations

import hashlib
import re
import stat
from typing import TYPE_CHECKING, Final

from newsarchive.bag._files import MANIFEST_ALGORITHMS, bag_signs, read_bag_file
from newsarchive.bag._tagfiles import (
    BagDeclaration,
    ManifestEntry,
    parse_bag_info,
    parse_bagit_txt,
    parse_fetch,
    parse_manifest,
)
from newsarchive.errors import BagProblem

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

__all__ = ["MANIFEST_NAME", "TagReader"]

MANIFEST_NAME: Final = re.compile(r"(tag)?manifest-([A-Za-z0-9-]+)\.txt")
_BOM: Final = b"\xef\xbb\xbf"
_FALLBACK: Final = BagDeclaration((1, 0), "utf-8")


def _decode(name: str, data: bytes, encoding: str, problems: list[BagProblem]) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        problems.append(
            BagProblem(name, "bad-encoding", f"not valid {encoding}: {exc.reason} at {exc.start}")
        )
    except (UnicodeError, LookupError, ValueError) as exc:  # a codec that is no charset
        problems.append(BagProblem(name, "bad-encoding", f"cannot decode as {encoding}: {exc}"))
    return None


def _walk_reports(path: Path) -> bool:
    """Whether the walk reports `path` already: a symlink, FIFO, socket or device."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return False  # reading it says why
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


class TagReader:
    """The tag files of the bag at `root`; problems go to the shared `problems` list."""

    def __init__(self, root: Path, problems: list[BagProblem]) -> None:
        self.root = root
        self.problems = problems
        self.decl = _FALLBACK

    def problem(self, path: str, code: str, message: str, severity: str = "error") -> None:
        self.problems.append(BagProblem(path, code, message, severity))  # type: ignore[arg-type]

    def declaration(self) -> BagDeclaration | None:
        if _walk_reports(self.root / "bagit.txt"):
            return None  # one problem, not two
        try:
            data = read_bag_file(self.root, "bagit.txt")
        except FileNotFoundError:
            signs = bag_signs(self.root) or []
            named = ", ".join(signs[:3]) + (f" and {len(signs) - 3} more" if len(signs) > 3 else "")
            self.problem(
                "bagit.txt",
                "missing-bagit-txt",
                f"no bagit.txt, though the directory has {named or 'other files'}: "
                "refused as a bag",
            )
            return None
        except OSError as exc:
            self.problem("bagit.txt", "unreadable", exc.strerror or str(exc))
            return None
        declared, problems = parse_bagit_txt(data)
        self.problems.extend(problems)
        if declared is not None:
            self.decl = declared
            if declared.version >= (1, 0) and declared.encoding.lower().replace("_", "-") not in (
                "utf-8",
                "utf8",
            ):
                self.problem(
                    "bagit.txt",
                    "not-utf8",
                    f"tag files in {declared.encoding}; RFC 8493 asks for UTF-8",
                    "warning",
                )
        return declared

    def text(self, name: str) -> str | None:
        try:
            data = read_bag_file(self.root, name)
        except OSError as exc:
            self.problem(name, "unreadable", exc.strerror or str(exc))
            return None
        if data.startswith(_BOM) and self.decl.encoding.lower().replace("_", "-") in (
            "utf-8",
            "utf8",
        ):
            # RFC 8493 asks bagit.txt alone to have no BOM; elsewhere bagit.py warns and reads
            # on, and so do we (a BOM is no part of the first line's text).
            self.problem(name, "bom", "starts with a UTF-8 byte-order mark", "warning")
            data = data[len(_BOM) :]
        return _decode(name, data, self.decl.encoding, self.problems)

    def manifests(
        self, top_level: Iterable[str]
    ) -> tuple[dict[str, list[ManifestEntry]], dict[str, list[ManifestEntry]]]:
        payload: dict[str, list[ManifestEntry]] = {}
        tags: dict[str, list[ManifestEntry]] = {}
        for name in sorted(n for n in top_level if "/" not in n):
            match = MANIFEST_NAME.fullmatch(name)
            if match is None:
                continue
            algorithm = match.group(2)
            if algorithm not in MANIFEST_ALGORITHMS:
                self.problem(name, "unsupported-algorithm", f"cannot check {algorithm!r} checksums")
                continue
            text = self.text(name)
            if text is None:
                continue
            length = hashlib.new(MANIFEST_ALGORITHMS[algorithm]).digest_size * 2
            entries, problems = parse_manifest(name, text, self.decl.version, length)
            self.problems.extend(problems)
            (tags if match.group(1) else payload)[algorithm] = entries
        if not payload and not any(p.code == "unsupported-algorithm" for p in self.problems):
            self.problem("", "no-manifest", "no payload manifest (manifest-ALGORITHM.txt)")
        return payload, tags

    def fetch(self) -> list[tuple[str, str, str]]:
        """fetch.txt's (url, length, path) items; the caller knows whether the bag has one."""
        text = self.text("fetch.txt")
        if text is None:
            return []
        items, problems = parse_fetch("fetch.txt", text, self.decl.version)
        self.problems.extend(problems)
        return items

    def bag_info(self, name: str) -> list[tuple[str, str]]:
        """The `Label: value` pairs of bag-info.txt (or 0.95's package-info.txt)."""
        text = self.text(name)
        if text is None:
            return []
        pairs, problems = parse_bag_info(name, text)
        self.problems.extend(problems)
        return pairs
