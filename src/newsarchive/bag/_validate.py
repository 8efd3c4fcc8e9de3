"""Validate a bag directory (RFC 8493, and the 0.93-0.97 drafts) reporting every problem.

Our own validator, not bagit-python's, decides on import: it goes on past the
first failure (a Payload-Oxum mismatch does not hide which files differ),
never follows a symlink, never opens a path built from manifest text alone
(only files found by walking the bag are read), and treats the cases the
Library of Congress conformance suite marks as warnings as warnings.

The walk and file reads are in `_files`, the reading of tag files in
`_tagread`; this module checks what they found against each other:
completeness, fixity, Payload-Oxum, and fetch.txt.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

from newsarchive.bag._files import Walk, bag_signs, hash_file, short_path, shown, walk_bag
from newsarchive.bag._report import BagReport
from newsarchive.bag._tagread import MANIFEST_NAME, TagReader
from newsarchive.errors import BagError, BagProblem

if TYPE_CHECKING:
    from newsarchive.bag._tagfiles import BagDeclaration, ManifestEntry

__all__ = ["validate_bag"]

_WEAK: Final = frozenset({"md5", "sha1"})
_OXUM: Final = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})")  # bounded: int() has a digit limit
#: A problem's path and message are cut in the middle past twice this (a hostile tag file
#: can hold a 10 MB "version" or path; one report line need not repeat it).
_MESSAGE_KEEP: Final = 500
#: Files operating systems leave behind; a bag that lost one in copying is only warned about.
_SYSTEM_FILES: Final = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


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
        self.tags = TagReader(root, self.problems)
        self.walk = Walk()
        self.refused: set[str] = set()

    @property
    def decl(self) -> BagDeclaration:
        """What bagit.txt declares (a 1.0, UTF-8 fallback when it cannot be read)."""
        return self.tags.decl

    def problem(self, path: str, code: str, message: str, severity: str = "error") -> None:
        self.problems.append(BagProblem(path, code, message, severity))  # type: ignore[arg-type]

    def run(self) -> BagReport:
        root = self.root
        declared = self.tags.declaration()
        self.walk = walk = walk_bag(root)
        self.problems.extend(walk.problems)
        self.refused = {p.path for p in walk.problems}
        if not (root / "data").is_dir() or (root / "data").is_symlink():
            self.problem("data", "missing-payload", "no data/ payload directory")
        payload, tags = self.tags.manifests(walk.files)
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
            path=shown(str(root)),
            version=None if declared is None else declared.version_text,
            encoding=None if declared is None else declared.encoding,
            problems=tuple(
                attrs.evolve(
                    p,
                    path=short_path(shown(p.path), _MESSAGE_KEEP),
                    message=short_path(shown(p.message), _MESSAGE_KEEP),
                )
                for p in self.problems
            ),
            algorithms=tuple(sorted(payload)),
            manifests=manifests,
            info=tuple(info),
        )

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
            renamed = self.normalization_twins(
                name, self.literal_names(name, entries, present), present
            )
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

    def literal_names(
        self, name: str, entries: list[ManifestEntry], present: set[str]
    ) -> list[ManifestEntry]:
        """A decoded name absent from disk whose text as written is a file there, and listed
        no other way, names that file: 0.97 had no encoding, and some 1.0 writers never
        write % as %25 (RFC 8493 asks them to: a warning then)."""
        listed = {e.path for e in entries}
        out: list[ManifestEntry] = []
        for entry in entries:
            literal = entry.literal
            if entry.path in present or literal not in present or literal in listed:
                out.append(entry)
                continue
            if self.decl.version >= (1, 0):
                self.problem(
                    literal,
                    "percent-not-encoded",
                    f"{name} line {entry.line} lists it with a bare '%' (RFC 8493 asks for %25); "
                    "read as written, since no file has the decoded name",
                    "warning",
                )
            out.append(attrs.evolve(entry, path=literal, literal=None))
        return out

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
        paths = set()
        for _url, _length, path in self.tags.fetch():
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
                elif MANIFEST_NAME.fullmatch(entry.path) and entry.path.startswith("tag"):
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
        pairs = self.tags.bag_info(name)
        oxums = {value for label, value in pairs if label.lower() == "payload-oxum"}
        if len(oxums) > 1:
            self.problem(name, "conflicting-oxum", f"several Payload-Oxum values: {sorted(oxums)}")
        for oxum in oxums:
            match = _OXUM.fullmatch(oxum)
            if match is None:
                self.problem(name, "bad-oxum", f"Payload-Oxum {oxum[:80]!r} is not OCTETS.FILES")
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

    Raises `BagError` (code `not-a-bag`) when `path` is not a directory, or is one with
    none of a bag's files: no bagit.txt, no data/, no manifest, no bag-info.txt or
    fetch.txt. A directory with some of them but no bagit.txt is an invalid bag.
    """
    root = Path(path)
    if root.is_symlink() or not root.is_dir():
        raise BagError("not a bag directory", code="not-a-bag", path=str(path))
    if not os.path.lexists(root / "bagit.txt") and bag_signs(root) == []:
        raise BagError(
            "not a bag: no bagit.txt, and none of a bag's other files (data/, a manifest)",
            code="not-a-bag",
            path=str(path),
        )
    return _Validator(root).run()
