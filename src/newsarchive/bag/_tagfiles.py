"""Reading and writing BagIt tag files (RFC 8493 §2): bagit.txt, manifests, bag-info, fetch.

Pure functions over text: callers read the bytes and decode them. Each
parser returns what it understood plus the problems it met, so a validator
can report every problem of a bag at once rather than stop at the first.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from newsarchive.errors import BagProblem

__all__ = [
    "SUPPORTED_VERSIONS",
    "BagDeclaration",
    "ManifestEntry",
    "decode_path",
    "encode_path",
    "format_bag_info",
    "parse_bag_info",
    "parse_bagit_txt",
    "parse_fetch",
    "parse_manifest",
    "path_problem",
    "split_lines",
]

#: Versions whose bags we read; we write 1.0 only.
SUPPORTED_VERSIONS: Final = frozenset({(0, 93), (0, 94), (0, 95), (0, 96), (0, 97), (1, 0)})

_DECLARATION: Final = re.compile(r"(BagIt-Version|Tag-File-Character-Encoding): (\S(?:.*\S)?)")
# Bounded digit runs: int() refuses over 4,300 digits with a ValueError, not our problem.
_LENGTH: Final = re.compile(r"[0-9]{1,18}")
_VERSION: Final = re.compile(r"([0-9]{1,9})\.([0-9]{1,9})")
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_MANIFEST_LINE: Final = re.compile(r"([^ \t]+)[ \t]+(.+)")
_PERCENT: Final = re.compile(r"%(0[AaDd]|25)")
_LINE_BREAK_CODE: Final = re.compile(r"%(0[AaDd])")
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
#: `C:`, `C:/...`: a Windows drive. `a:b` is an ordinary POSIX name (RFC 8493 says nothing
#: of colons), and since only files found by walking the bag are ever opened it stays one.
_DRIVE: Final = re.compile(r"[A-Za-z]:(/|$)")
#: Python codec names (as `codecs.lookup` gives them) of real text charsets. Python also
#: registers bytes-to-bytes and str-to-str codecs (hex, base64, zlib, rot13, punycode...)
#: that `bytes.decode` refuses or misreads, so a tag-file encoding must be one of these.
_TEXT_CODEC: Final = re.compile(
    r"utf-8|utf-16(-le|-be)?|utf-32(-le|-be)?|ascii|latin-1|iso8859-[0-9]+|cp12[0-9]{2}"
    r"|cp437|cp850|cp852|cp866|koi8-[ru]|mac-roman|shift_jis|euc_jp|euc_kr|gb2312|gbk"
    r"|gb18030|big5"
)


def split_lines(text: str) -> list[str]:
    """Lines ended by LF, CRLF or CR (RFC 8493 allows all three); a final break ends, not adds."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@attrs.frozen
class BagDeclaration:
    """What bagit.txt declares: the version as (major, minor) and the tag-file encoding."""

    version: tuple[int, int]
    encoding: str

    @property
    def version_text(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def parse_bagit_txt(data: bytes) -> tuple[BagDeclaration | None, list[BagProblem]]:
    """Check bagit.txt byte for byte: UTF-8, no BOM, exactly the two declaration lines."""
    name = "bagit.txt"
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [BagProblem(name, "bom", "bagit.txt must not start with a byte-order mark")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [BagProblem(name, "bad-encoding", f"bagit.txt is not UTF-8: {exc.reason}")]
    problems: list[BagProblem] = []
    found: dict[str, str] = {}
    order = ("BagIt-Version", "Tag-File-Character-Encoding")  # RFC 8493 2.1.1: this order
    for number, line in enumerate(split_lines(text), 1):
        match = _DECLARATION.fullmatch(line)
        if match is None or match.group(1) in found or order[min(number, 2) - 1] != match.group(1):
            problems.append(
                BagProblem(
                    name,
                    "bad-declaration",
                    f"line {number} is not 'BagIt-Version: M.N' or "
                    f"'Tag-File-Character-Encoding: ENCODING' exactly (got {line[:80]!r})",
                )
            )
            continue
        found[match.group(1)] = match.group(2)
    version: tuple[int, int] | None = None
    if "BagIt-Version" not in found:
        problems.append(BagProblem(name, "missing-version", "no BagIt-Version line"))
    else:
        vmatch = _VERSION.fullmatch(found["BagIt-Version"])
        if vmatch is None:
            problems.append(
                BagProblem(
                    name,
                    "bad-version",
                    f"BagIt-Version must be MAJOR.MINOR (got {found['BagIt-Version'][:80]!r})",
                )
            )
        else:
            version = (int(vmatch.group(1)), int(vmatch.group(2)))
            if version not in SUPPORTED_VERSIONS:
                problems.append(
                    BagProblem(
                        name,
                        "unsupported-version",
                        f"BagIt-Version {found['BagIt-Version']} is not one we read "
                        "(0.93 to 0.97, 1.0)",
                    )
                )
                version = None
    encoding = found.get("Tag-File-Character-Encoding")
    if encoding is None:
        problems.append(BagProblem(name, "missing-encoding", "no Tag-File-Character-Encoding line"))
    else:
        import codecs  # noqa: PLC0415 - only here

        try:
            codec = codecs.lookup(encoding).name
        except (LookupError, ValueError):  # ValueError: a NUL in the name
            problems.append(
                BagProblem(name, "unknown-encoding", f"unknown tag-file encoding {encoding!r}")
            )
            encoding = None
        else:
            if not _TEXT_CODEC.fullmatch(codec):
                problems.append(
                    BagProblem(
                        name, "bad-encoding", f"{encoding!r} is not a text character encoding"
                    )
                )
                encoding = None
    if version is None or encoding is None or problems:
        return None, problems
    return BagDeclaration(version, encoding), problems


def decode_path(raw: str, version: tuple[int, int]) -> str:
    """A manifest or fetch file path as a name: BagIt 1.0 percent-encodes CR, LF and % only.

    RFC 8493 §2.1.3 (1.0): CR, LF and % MUST be written %0D, %0A and %25. The 0.97 draft
    had no encoding, so a name with a line break could not be listed at all; bagit-python,
    which writes 0.97 bags, writes CR and LF as %0D and %0A (never % as %25) and reads
    them back so. Before 1.0 we decode those two and leave every other `%` as written.
    """
    pattern = _PERCENT if version >= (1, 0) else _LINE_BREAK_CODE
    return pattern.sub(lambda m: chr(int(m.group(1), 16)), raw)


def encode_path(name: str) -> str:
    """The RFC 8493 §2.1.3 form of a path: %, CR and LF percent-encoded, nothing else."""
    return name.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def path_problem(path: str) -> str | None:
    """Why `path` may not name a file inside a bag, or None when it is a safe relative path.

    A bag's file names are data, never trusted as paths: absolute paths, `~`
    shortcuts, `..` or `.` segments, empty segments, backslashes (Windows
    separators) and NUL are all refused, so no name can point outside the bag.
    """
    if not path:
        return "the path is empty"
    if "\x00" in path:
        return "the path contains NUL"
    if path.startswith("/"):
        return "the path is absolute"
    if path.startswith("~"):
        return "the path starts with ~ (a home-directory shortcut)"
    if "\\" in path:
        return "the path contains a backslash"
    if _DRIVE.match(path):
        return "the path names a drive"
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            return f"the path has a {segment or 'empty'!r} segment"
    return None


@attrs.frozen
class ManifestEntry:
    """One manifest line: the checksum (lower-case hex), the decoded path, and its line.

    `literal` is the path exactly as written when decoding changed it (and it is safe):
    the name a writer that never percent-encodes meant, tried when `path` is absent.
    """

    checksum: str
    path: str
    line: int
    literal: str | None = None


def parse_manifest(
    name: str, text: str, version: tuple[int, int], hex_length: int
) -> tuple[list[ManifestEntry], list[BagProblem]]:
    """Every `CHECKSUM  PATH` line of a (tag) manifest, with problems for the lines that fail.

    Leading `./` and md5sum's binary-mode `*` marker are accepted with a
    warning (bags made by hand carry them); unsafe paths are errors.
    """
    entries: list[ManifestEntry] = []
    problems: list[BagProblem] = []
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        match = _MANIFEST_LINE.fullmatch(line)
        if match is None:
            problems.append(
                BagProblem(
                    name, "bad-manifest-line", f"line {number}: not 'CHECKSUM PATH' ({line[:80]!r})"
                )
            )
            continue
        checksum, raw = match.group(1), match.group(2)
        if not _HEX.fullmatch(checksum) or len(checksum) != hex_length:
            problems.append(
                BagProblem(
                    name,
                    "bad-checksum",
                    f"line {number}: {checksum[:80]!r} is not {hex_length} hex digits",
                )
            )
            continue
        if raw.startswith("*") and len(raw) > 1 and raw[1] != "*":
            problems.append(
                BagProblem(
                    name,
                    "md5sum-marker",
                    f"line {number}: '*' before {raw[1:81]!r} read as md5sum's binary-mode mark",
                    "warning",
                )
            )
            raw = raw[1:]
        if raw.startswith("./"):
            problems.append(
                BagProblem(
                    name, "dot-slash", f"line {number}: leading './' in {raw[:80]!r}", "warning"
                )
            )
            raw = raw[2:]
        path = _safe_path(name, number, raw, version, problems)
        if path is None:
            continue
        literal = raw if raw != path and path_problem(raw) is None else None
        entries.append(ManifestEntry(checksum.lower(), path, number, literal))
    return entries, problems


def _safe_path(
    name: str, number: int, raw: str, version: tuple[int, int], problems: list[BagProblem]
) -> str | None:
    """The decoded path of a manifest or fetch.txt line, or None (with a problem) if unsafe."""
    path = decode_path(raw, version)
    why = path_problem(path)
    if why is None:
        return path
    problems.append(
        BagProblem(name, "unsafe-path", f"line {number}: {path[:80]!r}: {why}; refused")
    )
    return None


def parse_bag_info(name: str, text: str) -> tuple[list[tuple[str, str]], list[BagProblem]]:
    """The `Label: value` pairs of bag-info.txt in order; indented lines continue a value.

    A value's parts are joined once at the end: adding each continuation line to
    the string so far would take quadratic time on a long folded value.
    """
    labels: list[str] = []
    parts: list[list[str]] = []
    problems: list[BagProblem] = []
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        if line[0] in " \t":
            if not parts:
                problems.append(
                    BagProblem(name, "bad-tag-line", f"line {number}: continues no label")
                )
                continue
            parts[-1].append(line.strip())
            continue
        label, colon, value = line.partition(":")
        if not colon or not label.strip():
            problems.append(
                BagProblem(
                    name, "bad-tag-line", f"line {number}: not 'Label: value' ({line[:80]!r})"
                )
            )
            continue
        labels.append(label.strip())
        parts.append([value.strip()])
    return [(label, " ".join(p)) for label, p in zip(labels, parts, strict=True)], problems


def format_bag_info(pairs: list[tuple[str, str]]) -> bytes:
    """bag-info.txt bytes: one `Label: value` line each, LF-terminated, UTF-8."""
    return "".join(f"{label}: {value}\n" for label, value in pairs).encode("utf-8")


def parse_fetch(
    name: str, text: str, version: tuple[int, int]
) -> tuple[list[tuple[str, str, str]], list[BagProblem]]:
    """fetch.txt lines as (url, length, path); unsafe paths are errors, never fetched."""
    items: list[tuple[str, str, str]] = []
    problems: list[BagProblem] = []
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        parts = line.split(None, 2)
        if len(parts) != 3 or not (parts[1] == "-" or _LENGTH.fullmatch(parts[1])):
            problems.append(
                BagProblem(
                    name, "bad-fetch-line", f"line {number}: not 'URL LENGTH PATH' ({line[:80]!r})"
                )
            )
            continue
        url, length, raw = parts
        path = _safe_path(name, number, raw, version, problems)
        if path is None:
            continue
        items.append((url, length, path))
    return items, problems
