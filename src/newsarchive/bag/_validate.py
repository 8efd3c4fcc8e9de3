"""Validate a bag directory (RFC 8493, and the 0.93-0.97 drafts) reporting every problem.

Our own validator, not bagit-python's, decides on import: it goes on past the
first failure (a Payload-Oxum mismatch does not hide which files differ),
never follows a symlink, never opens a path built from manifest text alone
(only files found by walking the bag are read), and treats the cases the
Library of Congress conformance suite marks as warnings as warnings.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from newsarchive.bag._tagfiles import (
    BagDeclaration,
    ManifestEntry,
    parse_bag_info,
    parse_bagit_txt,
    parse_fetch,
    parse_manifest,
)
from newsarchive.errors import BagError, BagProblem

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MANIFEST_ALGORITHMS", "BagReport", "hash_file", "read_bag_file", "validate_bag"]

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
_WEAK: Final = frozenset({"md5", "sha1"})
_MANIFEST_NAME: Final = re.compile(r"(tag)?manifest-([A-Za-z0-9-]+)\.txt")
_OXUM: Final = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})")  # bounded: int() has a digit limit
#: Files operating systems leave behind; a bag that lost one in copying is only warned about.
_SYSTEM_FILES: Final = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_CHUNK: Final = 1024 * 1024
_BOM: Final = b"\xef\xbb\xbf"
_FALLBACK: Final = BagDeclaration((1, 0), "utf-8")


@attrs.frozen
class BagReport:
    """What validating a bag found: every problem, and the checksums that vouch for each file.

    `manifests` maps each payload file (bag-relative, `data/...`) to
    {algorithm: hex} as the payload manifests list it; `info` holds the
    bag-info.txt pairs in order.
    """

    path: str
    version: str | None
    encoding: str | None
    problems: tuple[BagProblem, ...]
    algorithms: tuple[str, ...] = ()
    manifests: dict[str, dict[str, str]] = attrs.field(factory=dict)
    info: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[BagProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[BagProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def to_dict(self) -> dict[str, Any]:
        return {
            "bag": self.path,
            "valid": self.ok,
            "version": self.version,
            "encoding": self.encoding,
            "algorithms": list(self.algorithms),
            "payload_files": len(self.manifests),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
        }


def _open_nofollow(root: Path, name: str) -> int:
    """A read-only descriptor for one bag file, refusing to follow a symlink at the last step."""
    return os.open(root / name, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))


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
class _Walk:
    """The bag's tree as found on disk: regular files (relative names) and their sizes."""

    files: dict[str, int] = attrs.field(factory=dict)
    problems: list[BagProblem] = attrs.field(factory=list)


def _walk(root: Path) -> _Walk:
    """Every entry under `root`, depth first, with a stack (a deep tree must not recurse).

    An entry that cannot be listed or stat-ed (a path too long for the OS, a
    permission) becomes a problem naming it, so the report still comes out.
    """
    found = _Walk()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            names = sorted(p.name for p in directory.iterdir())
        except OSError as exc:
            found.problems.append(
                BagProblem(_short(prefix.rstrip("/")), "unreadable", exc.strerror or str(exc))
            )
            continue
        subdirectories: list[tuple[Path, str]] = []
        for name in names:
            rel = f"{prefix}{name}"
            try:
                st = (directory / name).lstat()
            except OSError as exc:
                found.problems.append(
                    BagProblem(_short(rel), "unreadable", exc.strerror or str(exc))
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


def _short(path: str, keep: int = 60) -> str:
    """A path cut in the middle when long (a report line, not a 4 KiB name)."""
    return path if len(path) <= 2 * keep else f"{path[:keep]}...{path[-keep:]}"


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


class _Twins:
    """Why a listed-but-absent payload file is only a warning: lookups built once per manifest.

    A bag made on a case-insensitive or normalizing file system may list one
    file under two spellings with the same checksum; and files the operating
    system makes (.DS_Store, Thumbs.db) are often lost in copying. Each lookup
    is a dict from (folded name, checksum) to a present file, so checking n
    missing entries against m present files costs n + m, not n * m.
    """

    def __init__(self, entries: dict[str, ManifestEntry], present: set[str]) -> None:
        self.by_case: dict[tuple[str, str], str] = {}
        self.by_form: dict[tuple[str, str], str] = {}
        for other in sorted(present):
            entry = entries.get(other)
            if entry is not None:
                self.by_case.setdefault((other.casefold(), entry.checksum), other)
                self.by_form.setdefault(
                    (unicodedata.normalize("NFC", other), entry.checksum), other
                )

    def excuse(self, path: str, checksum: str) -> str | None:
        other = self.by_case.get((path.casefold(), checksum))
        if other is not None:
            return f"absent; {other!r} differs only in case and has the same checksum"
        other = self.by_form.get((unicodedata.normalize("NFC", path), checksum))
        if other is not None:
            return f"absent; {other!r} differs only in Unicode normalization, same checksum"
        if path.rsplit("/", 1)[-1].lower() in _SYSTEM_FILES:
            return "absent, and only a file the operating system makes"
        return None


class _Validator:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[BagProblem] = []
        self.decl = _FALLBACK
        self.walk = _Walk()
        self.refused: set[str] = set()

    def problem(self, path: str, code: str, message: str, severity: str = "error") -> None:
        self.problems.append(BagProblem(path, code, message, severity))  # type: ignore[arg-type]

    def run(self) -> BagReport:
        root = self.root
        declared = self.declaration()
        self.walk = walk = _walk(root)
        self.problems.extend(walk.problems)
        self.refused = {p.path for p in walk.problems}
        if not (root / "data").is_dir() or (root / "data").is_symlink():
            self.problem("data", "missing-payload", "no data/ payload directory")
        payload, tags = self.manifests()
        payload_files = {n for n in walk.files if n.startswith("data/")}
        listed = self.payload_entries(payload, payload_files)
        fetched = self.fetch(listed)
        excused = self.completeness(listed, payload_files, fetched)
        self.tag_completeness(tags, payload)
        self.fixity(self.fixity_entries(payload, listed), tags)
        info = self.bag_info(payload_files, excused)
        for name in sorted(payload_files):
            base = name.rsplit("/", 1)[-1]
            if base.startswith("."):
                self.problem(name, "hidden-file", "a hidden file in the payload", "warning")
            elif base.lower() in _SYSTEM_FILES:
                self.problem(name, "system-file", "a file the OS made, not content", "warning")
        manifests: dict[str, dict[str, str]] = {}
        for algorithm, entries in listed.items():
            for name, entry in entries.items():
                if name in payload_files:
                    manifests.setdefault(name, {})[algorithm] = entry.checksum
        if (
            declared is not None
            and declared.version >= (1, 0)
            and payload
            and all(a in _WEAK for a in payload)
        ):
            self.problem(
                "",
                "weak-algorithm",
                f"only {', '.join(sorted(payload))} manifests; RFC 8493 asks for sha512 or sha256",
                "warning",
            )
        return BagReport(
            path=str(root),
            version=None if declared is None else declared.version_text,
            encoding=None if declared is None else declared.encoding,
            problems=tuple(self.problems),
            algorithms=tuple(sorted(payload)),
            manifests=manifests,
            info=tuple(info),
        )

    # -- the steps ----------------------------------------------------------------------

    def declaration(self) -> BagDeclaration | None:
        if (self.root / "bagit.txt").is_symlink():
            return None  # the walk reports the symlink: one problem, not two
        try:
            data = read_bag_file(self.root, "bagit.txt")
        except FileNotFoundError:
            self.problem(
                "bagit.txt",
                "missing-bagit-txt",
                "no bagit.txt, though the directory has a bag's other files: refused as a bag",
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

    def manifests(self) -> tuple[dict[str, list[ManifestEntry]], dict[str, list[ManifestEntry]]]:
        payload: dict[str, list[ManifestEntry]] = {}
        tags: dict[str, list[ManifestEntry]] = {}
        for name in sorted(n for n in self.walk.files if "/" not in n):
            match = _MANIFEST_NAME.fullmatch(name)
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

    def payload_entries(
        self, payload: dict[str, list[ManifestEntry]], present: set[str]
    ) -> dict[str, dict[str, ManifestEntry]]:
        """Per algorithm: path -> entry, after checking scope and duplicates.

        A listed name absent from disk whose NFC form is that of exactly one
        unlisted file on disk names that file (a bag copied through a file
        system that normalizes names): accepted with a warning, as bagit.py does.
        """
        listed: dict[str, dict[str, ManifestEntry]] = {}
        for algorithm, entries in payload.items():
            name = f"manifest-{algorithm}.txt"
            seen: dict[str, ManifestEntry] = {}
            renamed = self.normalization_twins(name, entries, present)
            for entry in renamed:
                if not entry.path.startswith("data/"):
                    self.problem(
                        name,
                        "outside-payload",
                        f"line {entry.line}: {entry.path!r} is not under data/",
                    )
                    continue
                self.listed_once(name, seen, entry)
            listed[algorithm] = seen
        return listed

    def listed_once(self, name: str, seen: dict[str, ManifestEntry], entry: ManifestEntry) -> None:
        """Note `entry` in `seen`; a second listing of its path in one manifest is a problem."""
        before = seen.setdefault(entry.path, entry)
        if before is entry:
            return
        if before.checksum != entry.checksum:
            self.problem(
                name,
                "conflicting-entries",
                f"lines {before.line} and {entry.line} list {entry.path!r} with "
                "different checksums",
            )
        else:
            # RFC 8493 (1.0) forbids listing a file twice; 0.97 did not say.
            self.problem(
                name,
                "duplicate-entry",
                f"lines {before.line} and {entry.line} both list {entry.path!r}",
                "error" if self.decl.version >= (1, 0) else "warning",
            )

    def normalization_twins(
        self, name: str, entries: list[ManifestEntry], present: set[str]
    ) -> list[ManifestEntry]:
        listed = {e.path for e in entries}
        absent = [e for e in entries if e.path not in present]
        if not absent:
            return entries
        forms: dict[str, list[str]] = {}
        for path in present - listed:
            forms.setdefault(unicodedata.normalize("NFC", path), []).append(path)
        out: list[ManifestEntry] = []
        for entry in entries:
            disk = forms.get(unicodedata.normalize("NFC", entry.path), [])
            if entry.path in present or len(disk) != 1:
                out.append(entry)
                continue
            self.problem(
                disk[0],
                "normalization-mismatch",
                f"{name} line {entry.line} lists it as {entry.path!r} (another Unicode "
                "normalization of the same name)",
                "warning",
            )
            out.append(attrs.evolve(entry, path=disk[0]))
        return out

    def fixity_entries(
        self, payload: dict[str, list[ManifestEntry]], listed: dict[str, dict[str, ManifestEntry]]
    ) -> dict[str, list[ManifestEntry]]:
        """The payload entries as `listed` names them (after normalization renames)."""
        return {a: list(listed[a].values()) for a in payload}

    def fetch(self, listed: dict[str, dict[str, ManifestEntry]]) -> set[str]:
        if "fetch.txt" not in self.walk.files:
            return set()
        text = self.text("fetch.txt")
        if text is None:
            return set()
        items, problems = parse_fetch("fetch.txt", text, self.decl.version)
        self.problems.extend(problems)
        paths = set()
        for _url, _length, path in items:
            paths.add(path)
            if not any(path in entries for entries in listed.values()):
                self.problem(
                    "fetch.txt", "fetch-not-in-manifest", f"{path!r} is in no payload manifest"
                )
        return paths

    def completeness(
        self,
        listed: dict[str, dict[str, ManifestEntry]],
        present: set[str],
        fetched: set[str],
    ) -> int:
        """Check every manifest lists every payload file and each listed file is there.

        Returns how many missing entries were only warned about (see `_Twins`).
        """
        excused: set[str] = set()
        for algorithm, entries in listed.items():
            name = f"manifest-{algorithm}.txt"
            for path in sorted(present - set(entries)):
                self.problem(path, "not-in-manifest", f"a payload file {name} does not list")
            missing = sorted(set(entries) - present)
            twins = _Twins(entries, present) if missing else None
            for path in missing:
                why = None if twins is None else twins.excuse(path, entries[path].checksum)
                if why is not None:
                    if path not in excused:
                        self.problem(path, "missing-excused", why, "warning")
                    excused.add(path)
                elif path in fetched:
                    self.problem(
                        path,
                        "not-fetched",
                        f"listed in {name} and fetch.txt but not in the bag; "
                        "newsarchive never fetches",
                    )
                elif path not in self.refused:  # else already reported (a symlink, a FIFO)
                    self.problem(path, "missing", f"listed in {name} but not in the bag")
        return len(excused)

    def tag_completeness(
        self, tags: dict[str, list[ManifestEntry]], payload: dict[str, list[ManifestEntry]]
    ) -> None:
        """RFC 8493 §2.2.1: a tag manifest lists every payload manifest, no tag manifest,
        no payload file, and (as for payload manifests) no file twice."""
        manifests = {f"manifest-{a}.txt" for a in payload}
        for algorithm, entries in tags.items():
            name = f"tagmanifest-{algorithm}.txt"
            seen: dict[str, ManifestEntry] = {}
            for entry in entries:
                if entry.path.startswith("data/"):
                    self.problem(name, "payload-in-tagmanifest", f"lists payload {entry.path!r}")
                elif _MANIFEST_NAME.fullmatch(entry.path) and entry.path.startswith("tag"):
                    self.problem(
                        name, "tagmanifest-in-tagmanifest", f"lists tag manifest {entry.path!r}"
                    )
                self.listed_once(name, seen, entry)
                if entry.path not in self.walk.files and entry.path not in self.refused:
                    self.problem(entry.path, "missing", f"listed in {name} but not in the bag")
            for manifest in sorted(manifests - set(seen)):
                self.problem(
                    name,
                    "manifest-not-in-tagmanifest",
                    f"does not list payload manifest {manifest}",
                    "error" if self.decl.version >= (1, 0) else "warning",
                )

    def fixity(
        self, payload: dict[str, list[ManifestEntry]], tags: dict[str, list[ManifestEntry]]
    ) -> None:
        wanted: dict[str, dict[str, list[tuple[str, ManifestEntry]]]] = {}
        for kind, manifests in (("manifest", payload), ("tagmanifest", tags)):
            for algorithm, entries in manifests.items():
                for entry in entries:
                    if entry.path in self.walk.files:
                        wanted.setdefault(entry.path, {}).setdefault(algorithm, []).append(
                            (f"{kind}-{algorithm}.txt", entry)
                        )
        for path in sorted(wanted):
            try:
                found, _size = hash_file(self.root, path, wanted[path])
            except OSError as exc:
                self.problem(path, "unreadable", exc.strerror or str(exc))
                continue
            for algorithm, listings in wanted[path].items():
                reported: set[str] = set()
                for manifest, entry in listings:
                    if entry.checksum != found[algorithm] and entry.checksum not in reported:
                        reported.add(entry.checksum)
                        self.problem(
                            path,
                            "checksum-mismatch",
                            f"{algorithm} is {found[algorithm]}, {manifest} line {entry.line} "
                            f"says {entry.checksum}",
                        )

    def bag_info(self, present: set[str], excused: int) -> list[tuple[str, str]]:
        name = "bag-info.txt"
        if name not in self.walk.files and self.decl.version < (0, 96):
            name = "package-info.txt"
        if name not in self.walk.files:
            return []
        text = self.text(name)
        if text is None:
            return []
        pairs, problems = parse_bag_info(name, text)
        self.problems.extend(problems)
        oxums = {value for label, value in pairs if label.lower() == "payload-oxum"}
        if len(oxums) > 1:
            self.problem(name, "conflicting-oxum", f"several Payload-Oxum values: {sorted(oxums)}")
        for oxum in oxums:
            match = _OXUM.fullmatch(oxum)
            if match is None:
                self.problem(name, "bad-oxum", f"Payload-Oxum {oxum!r} is not OCTETS.FILES")
                continue
            octets, count = int(match.group(1)), int(match.group(2))
            real_octets = sum(self.walk.files[p] for p in present)
            if (octets, count) == (real_octets, len(present)):
                continue
            message = (
                f"Payload-Oxum says {count} files of {octets} bytes in all; the payload has "
                f"{len(present)} files of {real_octets} bytes"
            )
            # Files only warned about (absent twins, lost OS files) explain a shortfall.
            explained = excused and count == len(present) + excused and octets >= real_octets
            self.problem(name, "oxum-mismatch", message, "warning" if explained else "error")
        return pairs


def validate_bag(path: str | os.PathLike[str]) -> BagReport:
    """Check the bag at `path`; the report lists every problem (errors and warnings).

    Raises `BagError` only when `path` is not a directory at all.
    """
    root = Path(path)
    if root.is_symlink() or not root.is_dir():
        raise BagError("not a bag directory", code="not-a-bag", path=str(path))
    return _Validator(root).run()
