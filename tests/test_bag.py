"""BagIt: the conformance suite, lossless round trips, bagit.py's verdict, and hostile bags."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.bag import is_bag, read_bag, validate_bag, write_bag
from newsarchive.bag._tagfiles import (
    decode_path,
    encode_path,
    parse_bag_info,
    parse_bagit_txt,
    parse_fetch,
    parse_manifest,
    path_problem,
)
from newsarchive.errors import BagError, InvalidBag, MissingExtra
from newsarchive.jsonld import to_jsonld
from newsarchive.record import ArchivedArticle
from newsarchive.store import ImportOptions, Store, import_paths
from newsarchive.store._importer import prepare as _prepare
from newsarchive.timestamps import Timestamp
from tests import strategies
from tests.conftest import DATA, NOW
from tests.test_cli import assert_one_line_error, cli

if TYPE_CHECKING:
    from collections.abc import Callable

SUITE = DATA / "bagit-conformance"
OPTIONS = ImportOptions(clock=lambda: NOW, agent="test-suite")


def _cases(*categories: str, versions: tuple[str, ...] = ()) -> list[Any]:
    found: list[Any] = []
    for version in sorted(SUITE.glob("v*")):
        if versions and version.name not in versions:
            continue
        for category in categories:
            found.extend(
                pytest.param(bag, id=f"{version.name}/{category}/{bag.name}")
                for bag in sorted((version / category).glob("*"))
                if bag.is_dir()
            )
    return found


def _record(i: int, content: str | None = None) -> dict[str, Any]:
    return ArchivedArticle.create(
        url=f"https://news.example/story-{i}",
        content=f"Story {i}\r\nwith ü, a ZWNJ\u200c and a CR\rend\n"
        if content is None
        else content,
        retrieved_at=f"2025-03-0{1 + i % 9}T10:00:00.5Z",
        tags=["harbour", f"t{i}"],
    ).to_dict()


def _bagit_py(bag: Path) -> subprocess.CompletedProcess[str]:
    """The reference validator, as a separate program (python -m bagit --validate)."""
    return subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(bag)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def _rehash(bag: Path) -> None:
    """Rewrite every manifest and tag manifest so a hand-edited bag is valid as a bag again."""
    payload = sorted(str(p.relative_to(bag)) for p in (bag / "data").rglob("*") if p.is_file())
    for algorithm in ("sha256", "sha512"):
        lines = "".join(
            f"{hashlib.new(algorithm, (bag / n).read_bytes()).hexdigest()}  {encode_path(n)}\n"
            for n in payload
        )
        (bag / f"manifest-{algorithm}.txt").write_text(lines, encoding="utf-8")
    octets = sum((bag / n).stat().st_size for n in payload)
    info = [
        line
        for line in (bag / "bag-info.txt").read_text("utf-8").splitlines()
        if not line.startswith("Payload-Oxum")
    ]
    (bag / "bag-info.txt").write_text(
        "\n".join([*info, f"Payload-Oxum: {octets}.{len(payload)}"]) + "\n", encoding="utf-8"
    )
    tags = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"]
    for algorithm in ("sha256", "sha512"):
        lines = "".join(
            f"{hashlib.new(algorithm, (bag / n).read_bytes()).hexdigest()}  {n}\n" for n in tags
        )
        (bag / f"tagmanifest-{algorithm}.txt").write_text(lines, encoding="utf-8")


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    target = tmp_path / "bag"
    assert write_bag(target, [_record(i) for i in range(3)], clock=lambda: NOW) == 3
    return target


def _codes(path: Path) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in validate_bag(path).errors}


# -- the Library of Congress conformance suite ---------------------------------------


@pytest.mark.parametrize("path", _cases("valid"))
def test_conformance_valid_bags_pass(path: Path) -> None:
    report = validate_bag(path)
    assert report.ok, [str(p) for p in report.errors]


@pytest.mark.parametrize("path", _cases("invalid", "linux-only", versions=("v0.97", "v1.0")))
def test_conformance_invalid_bags_fail(path: Path, tmp_path: Path) -> None:
    report = validate_bag(path)
    assert not report.ok
    # ... and importing one stores nothing.
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(path)], OPTIONS)
        assert summary.imported == 0
        assert summary.rejected
        # Even without a bagit.txt (missing-bagit.txt) it is refused as a bag, never
        # imported as loose files.
        assert is_bag(path)
        assert [r["source"] for r in summary.rejected] == [str(path)]  # one input, refused
        assert list(store.find()) == []


@pytest.mark.parametrize("path", _cases("warning"))
def test_conformance_warning_bags_pass_with_warnings(path: Path) -> None:
    report = validate_bag(path)
    assert report.ok, [str(p) for p in report.errors]
    assert report.warnings


def test_every_problem_is_reported_not_only_the_first() -> None:
    # Payload-Oxum fails here too; it must not hide which file was changed.
    found = _codes(SUITE / "v0.97/invalid/corrupt-data-file")
    assert found == {("data/bare-filename", "checksum-mismatch"), ("bag-info.txt", "oxum-mismatch")}
    tags = _codes(SUITE / "v0.97/invalid/corrupt-tag-file")
    assert {p for p, _ in tags} == {"bag-info.txt", "bagit.txt", "manifest-md5.txt"}


def test_encoded_names_are_literal_before_1_0() -> None:
    report = validate_bag(SUITE / "v0.97/valid/bag-with-encoded-names")
    assert "data/%7Etest1.txt" in report.manifests
    assert "data/%test2.txt" in report.manifests


# -- writing and round trips ----------------------------------------------------------


def test_written_bag_is_bagit_1_0_with_both_manifests(bag: Path) -> None:
    assert (bag / "bagit.txt").read_bytes() == (
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    )
    names = {p.name for p in bag.iterdir()}
    assert names == {
        "bagit.txt",
        "bag-info.txt",
        "data",
        "manifest-sha256.txt",
        "manifest-sha512.txt",
        "tagmanifest-sha256.txt",
        "tagmanifest-sha512.txt",
    }
    info = (bag / "bag-info.txt").read_text("utf-8")
    assert "Bagging-Date: 2026-01-01\n" in info
    assert "External-Description: newsarchive export: 3 archived-article records" in info
    assert "Source-Organization" not in info
    octets = sum(p.stat().st_size for p in (bag / "data").rglob("*") if p.is_file())
    assert f"Payload-Oxum: {octets}.4\n" in info
    report = validate_bag(bag)
    assert (report.ok, report.problems, report.version) == (True, (), "1.0")


def test_bagit_py_accepts_what_we_write(bag: Path) -> None:
    result = _bagit_py(bag)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stderr


def test_round_trip_is_lossless(bag: Path, tmp_path: Path) -> None:
    contents = read_bag(bag, lambda _n, _d: (None, "unused"), clock=lambda: NOW)
    assert contents.native
    assert list(contents.records) == [_record(i) for i in range(3)]


@settings(max_examples=15)
@given(st.lists(strategies.records(), max_size=4, unique_by=lambda r: r.id))
def test_round_trip_property(tmp_path_factory: pytest.TempPathFactory, records: list[Any]) -> None:
    root = tmp_path_factory.mktemp("rt")
    originals = [r.to_dict() for r in records]
    with Store.init(root / "a") as a:
        a.add([(r, False) for r in originals])
        write_bag(root / "bag", (a.get(i) for i in a.find()), clock=lambda: NOW)
    with Store.init(root / "b") as b:
        summary = import_paths(b, [str(root / "bag")], OPTIONS)
        assert (summary.imported, summary.rejected) == (len(originals), [])
        for record in originals:
            assert b.get(record["id"]) == record  # field for field, record_digest included


def test_a_record_without_content_round_trips(tmp_path: Path) -> None:
    bare = ArchivedArticle.from_dict(_record(1)).without_content().to_dict()
    write_bag(tmp_path / "bag", [bare, _record(2)], clock=lambda: NOW)
    assert not (tmp_path / f"bag/data/content/{bare['id']}.txt").exists()
    contents = read_bag(tmp_path / "bag", lambda _n, _d: (None, ""), clock=lambda: NOW)
    assert list(contents.records) == [bare, _record(2)]


def test_export_refuses_a_non_empty_target_and_fills_an_empty_one(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(BagError, match="not empty"):
        write_bag(tmp_path / "full", [_record(1)])
    (tmp_path / "empty").mkdir()
    write_bag(tmp_path / "empty", [_record(1)])
    assert validate_bag(tmp_path / "empty").ok


def test_a_failed_export_leaves_nothing(tmp_path: Path) -> None:
    bad = {**_record(1), "id": "../../escape"}
    with pytest.raises(BagError, match="64 hex digits"):
        write_bag(tmp_path / "bag", [_record(2), bad])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["two\nlines", "", "tab\there"])
def test_bag_info_values_must_be_one_line(tmp_path: Path, value: str) -> None:
    with pytest.raises(BagError, match="one non-empty line"):
        write_bag(tmp_path / "bag", [_record(1)], source_organization=value)
    assert list(tmp_path.iterdir()) == []


# -- hostile and damaged bags ---------------------------------------------------------


def _refused(bag: Path, tmp_path: Path) -> list[dict[str, str]]:
    """Import `bag`; assert nothing was stored and the bag is one rejected input; return
    every error that refused it, as `source` (the bag's file) and `reason` (code: why)."""
    with Store.init(tmp_path / "target") as store:
        summary = import_paths(store, [str(bag)], OPTIONS)
        assert summary.imported == 0
        assert list(store.find()) == []
    (rejected,) = summary.rejected
    assert rejected["source"] == str(bag)
    with pytest.raises(InvalidBag) as caught:
        read_bag(bag, lambda _name, _data: (None, "unused"), clock=lambda: NOW)
    assert rejected["reason"].startswith(caught.value.message)
    return [
        {"source": f"{bag}/{p.path}".rstrip("/"), "reason": f"{p.code}: {p.message}"}
        for p in caught.value.problems
        if p.severity == "error"
    ]


def test_tampered_content_is_refused_naming_the_file(bag: Path, tmp_path: Path) -> None:
    victim = sorted((bag / "data/content").iterdir())[1]
    victim.write_bytes(victim.read_bytes().replace(b"Story", b"Storm"))
    rejected = _refused(bag, tmp_path)
    sources = {r["source"] for r in rejected}
    assert f"{bag}/data/content/{victim.name}" in sources
    assert all("checksum-mismatch" in r["reason"] for r in rejected)


def test_missing_and_extra_files_are_each_named(bag: Path, tmp_path: Path) -> None:
    victim = min((bag / "data/content").iterdir())
    victim.unlink()
    (bag / "data/content/stray.txt").write_text("stray")
    found = _codes(bag)
    name = f"data/content/{victim.name}"
    assert (name, "missing") in found
    assert ("data/content/stray.txt", "not-in-manifest") in found
    assert ("bag-info.txt", "oxum-mismatch") in found
    _refused(bag, tmp_path)


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "~/x", "~root/x", "data/../../x", "data//x", "data\\x"],
)
def test_path_traversal_names_are_refused(bag: Path, tmp_path: Path, name: str) -> None:
    with (bag / "manifest-sha256.txt").open("a", encoding="utf-8") as f:
        f.write(f"{'0' * 64}  {name}\n")
    report = validate_bag(bag)
    assert any(p.code == "unsafe-path" and repr(name) in p.message for p in report.errors)
    _refused(bag, tmp_path)


def test_fetch_txt_is_never_fetched(bag: Path, tmp_path: Path) -> None:
    victim = min((bag / "data/content").iterdir())
    name = f"data/content/{victim.name}"
    (bag / "fetch.txt").write_text(f"https://evil.example/x - {name}\n", encoding="utf-8")
    victim.unlink()
    assert (name, "not-fetched") in _codes(bag)
    _refused(bag, tmp_path)


def test_symlinks_are_refused_never_followed(bag: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (bag / "data/content/link.txt").symlink_to(secret)
    assert ("data/content/link.txt", "symlink") in _codes(bag)
    _refused(bag, tmp_path)


def test_an_invalid_record_in_a_valid_bag_refuses_the_whole_bag(bag: Path, tmp_path: Path) -> None:
    lines = (bag / "data/records.jsonl").read_bytes().splitlines(keepends=True)
    record = json.loads(lines[2])
    record["title"] = "edited after the fact"  # record_digest no longer matches
    lines[2] = (json.dumps(record) + "\n").encode()
    (bag / "data/records.jsonl").write_bytes(b"".join(lines))
    _rehash(bag)
    assert validate_bag(bag).ok  # a sound bag, holding a record that fails
    with pytest.raises(InvalidBag) as caught:
        read_bag(bag, lambda _n, _d: (None, ""), clock=lambda: NOW)
    assert [p.code for p in caught.value.problems] == ["invalid-record"]
    assert "line 3" in caught.value.problems[0].message
    _refused(bag, tmp_path)


def test_content_that_differs_from_its_record_is_refused(bag: Path, tmp_path: Path) -> None:
    victim = min((bag / "data/content").iterdir())
    victim.write_bytes(b"other words")
    _rehash(bag)
    assert validate_bag(bag).ok
    rejected = _refused(bag, tmp_path)
    assert any("invalid-record" in r["reason"] for r in rejected)


def test_unexpected_payload_in_our_bag_is_refused(bag: Path, tmp_path: Path) -> None:
    (bag / "data/notes.txt").write_text("hello")
    _rehash(bag)
    rejected = _refused(bag, tmp_path)
    assert rejected == [
        {
            "source": f"{bag}/data/notes.txt",
            "reason": "unexpected-payload: no record in data/records.jsonl names this file",
        }
    ]


def test_not_a_directory_is_a_bag_error(tmp_path: Path) -> None:
    with pytest.raises(BagError, match="not a bag directory"):
        validate_bag(tmp_path / "nothing")
    assert not is_bag(tmp_path / "nothing")


# -- foreign bags ---------------------------------------------------------------------


def _foreign_bag(root: Path, files: dict[str, bytes]) -> Path:
    """A BagIt 0.97 bag with md5 manifests only, as older tools made them."""
    (root / "data").mkdir(parents=True)
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "bagit.txt").write_bytes(b"BagIt-Version: 0.97\r\nTag-File-Character-Encoding: UTF-8")
    lines = "".join(f"{hashlib.md5(d).hexdigest()} {n}\r\n" for n, d in sorted(files.items()))
    (root / "manifest-md5.txt").write_text(lines, encoding="utf-8", newline="")
    return root


def test_foreign_md5_bag_files_get_sha256_records_noting_the_md5(tmp_path: Path) -> None:
    text = b"Ferry service resumes.\n\nLINK: https://news.example/ferry\nTAGS: ferries\n"
    bag = _foreign_bag(tmp_path / "old", {"data/ferry.txt": text, "data/notes": b"no link"})
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(bag)], OPTIONS)
        assert summary.imported == 1
        assert [r["source"] for r in summary.rejected] == [f"{bag}/data/notes"]
        (record_id,) = store.find()
        record = store.get(record_id)
    assert record["content_digest"].startswith("sha256:")
    assert record["retrieval"]["method"] == "bagit-import"
    fixity = record["provenance"][-1]
    assert fixity["type"] == "fixity-check"
    assert f"md5:{hashlib.md5(text).hexdigest()}" in fixity["detail"]
    assert "manifest-md5.txt" in fixity["detail"]
    assert ArchivedArticle.from_dict(record).content == "Ferry service resumes.\n"


# -- tag-file parsing -----------------------------------------------------------------


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r", b""])
def test_bagit_txt_line_endings(ending: bytes) -> None:
    data = b"BagIt-Version: 1.0" + ending + b"Tag-File-Character-Encoding: UTF-8" + ending
    if ending == b"":
        data = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8"
    declared, problems = parse_bagit_txt(data)
    assert problems == []
    assert declared is not None
    assert (declared.version, declared.encoding) == ((1, 0), "UTF-8")


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        b"BagIt-Version:1.0\nTag-File-Character-Encoding: UTF-8\n",
        b"BagIt-Version: 1.0\n\nTag-File-Character-Encoding: UTF-8\n",
        b"BagIt-Version: 1\nTag-File-Character-Encoding: UTF-8\n",
        b"BagIt-Version: 9.9\nTag-File-Character-Encoding: UTF-8\n",
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: no-such-codec\n",
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: utf-8\x00\n",  # codecs: ValueError
        b"BagIt-Version: 1.0\nBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        b"\xff\xfe",
    ],
)
def test_bad_bagit_txt_is_refused(data: bytes) -> None:
    declared, problems = parse_bagit_txt(data)
    assert declared is None
    assert problems


def test_manifest_paths_are_percent_decoded_in_1_0() -> None:
    text = f"{'a' * 64}  data/a%25b%0Ac%0d%7E\n"
    (entry,), problems = parse_manifest("m", text, (1, 0), 64)
    assert (entry.path, problems) == ("data/a%b\nc\r%7E", [])
    assert entry.literal == "data/a%25b%0Ac%0d%7E"


@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=30))
def test_encode_then_decode_is_identity(name: str) -> None:
    assert decode_path(encode_path(name), (1, 0)) == name
    assert "\n" not in encode_path(name)
    assert "\r" not in encode_path(name)


@given(st.text(max_size=200))
def test_manifest_parser_never_raises_and_never_passes_unsafe_paths(text: str) -> None:
    entries, _problems = parse_manifest("m", text, (1, 0), 64)
    for entry in entries:
        assert path_problem(entry.path) is None
        assert not entry.path.startswith(("/", "~"))
        assert ".." not in entry.path.split("/")


_DECLARATIONS = st.builds(
    lambda version, encoding, ending: (
        f"BagIt-Version: {version}{ending}Tag-File-Character-Encoding: {encoding}{ending}"
    ).encode("utf-8", "surrogatepass"),
    st.one_of(st.sampled_from(["1.0", "0.97"]), st.text(max_size=12)),
    st.one_of(st.sampled_from(["UTF-8", "utf-16", "hex", "rot13", "idna"]), st.text(max_size=12)),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


@given(st.one_of(st.binary(max_size=200), _DECLARATIONS))
def test_bagit_txt_parser_never_raises(data: bytes) -> None:
    declared, problems = parse_bagit_txt(data)
    assert (declared is None) == bool(problems)


@given(st.text(max_size=200), st.sampled_from([(0, 97), (1, 0)]))
def test_bag_info_and_fetch_parsers_never_raise(text: str, version: tuple[int, int]) -> None:
    parse_bag_info("bag-info.txt", text)
    items, _ = parse_fetch("fetch.txt", text, version)
    assert all(path_problem(path) is None for _url, _length, path in items)


# -- command line ---------------------------------------------------------------------


def test_cli_export_validate_import(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    assert cli("import", "--store", store, str(DATA / "import" / "records.jsonl"))[0] == 0
    out_dir = tmp_path / "bag"
    code, _, err = cli(
        "export",
        "--store",
        store,
        "--format",
        "bagit",
        "-o",
        str(out_dir),
        "--source-organization",
        "Harbour Desk",
        "--description",
        "Two stories",
    )
    assert code == 0, err
    info = (out_dir / "bag-info.txt").read_text("utf-8")
    assert "Source-Organization: Harbour Desk\n" in info
    assert "External-Description: Two stories\n" in info
    assert _bagit_py(out_dir).returncode == 0
    code, out, _ = cli("bag", "validate", str(out_dir))
    assert code == 0
    assert out.decode().startswith("VALID:")
    code, out, _ = cli("bag", "validate", str(out_dir), "--json")
    assert (code, json.loads(out)["valid"]) == (0, True)
    other = str(tmp_path / "s2")
    code, _, err = cli("import", "--store", other, str(out_dir))
    assert (code, "2 imported, 0 duplicates, 0 rejected" in err) == (0, True)
    # Exporting again onto the bag is refused, and the bag is untouched.
    before = sorted(p.read_bytes() for p in out_dir.rglob("*") if p.is_file())
    code, _, err = cli("export", "--store", store, "--format", "bagit", "-o", str(out_dir))
    assert_one_line_error(code, err, "not empty")
    assert sorted(p.read_bytes() for p in out_dir.rglob("*") if p.is_file()) == before


def test_cli_export_bagit_needs_an_output_directory(tmp_path: Path) -> None:
    code, _, err = cli("export", "--store", str(tmp_path / "s"), "--format", "bagit")
    assert code == 2
    assert "Traceback" not in err


def test_cli_bag_validate_exit_codes(tmp_path: Path) -> None:
    code, out, _ = cli("bag", "validate", str(SUITE / "v0.97/invalid/corrupt-data-file"))
    assert code == 1
    text = out.decode()
    assert "ERROR data/bare-filename: checksum-mismatch" in text
    assert "ERROR bag-info.txt: oxum-mismatch" in text
    code, out, _ = cli("bag", "validate", str(SUITE / "v0.97/warning/relative-path"))
    assert code == 0
    assert b"warning manifest-sha512.txt: dot-slash" in out
    code, _, err = cli("bag", "validate", str(tmp_path / "missing"))
    assert_one_line_error(code, err, "not a bag directory")
    assert cli("bag")[0] == 2


def test_cli_import_of_a_refused_bag_exits_1_and_stores_nothing(tmp_path: Path) -> None:
    bag = tmp_path / "bad"
    shutil.copytree(SUITE / "v1.0/invalid/notAllManifestsListAllFiles", bag)
    code, _, err = cli("import", "--store", str(tmp_path / "s"), str(bag))
    assert code == 1
    assert f"{bag}: rejected: invalid bag: data/missingFromManifest.txt: not-in-manifest" in err
    assert "0 imported, 0 duplicates, 1 rejected" in err  # one bag, however many problems
    with Store(tmp_path / "s") as store:
        assert list(store.find()) == []


def test_export_without_the_bagit_extra_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bagit", None)  # `import bagit` now fails
    with pytest.raises(MissingExtra, match=r"pip install 'newsarchive\[bagit\]'"):
        write_bag(tmp_path / "bag", [_record(1)])
    assert list(tmp_path.iterdir()) == []
    assert validate_bag(SUITE / "v1.0/valid/basicBag").ok  # validating never needs it


# -- review fixes ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["hex", "rot13", "base64", "zlib", "punycode", "idna"])
def test_a_codec_that_is_no_charset_is_a_bad_encoding(
    bag: Path, tmp_path: Path, encoding: str
) -> None:
    (bag / "bagit.txt").write_text(
        f"BagIt-Version: 1.0\nTag-File-Character-Encoding: {encoding}\n", encoding="utf-8"
    )
    report = validate_bag(bag)
    assert ("bagit.txt", "bad-encoding") in {(p.path, p.code) for p in report.errors}
    _refused(bag, tmp_path)


@pytest.mark.parametrize("encoding", ["UTF-8", "utf-16", "ISO-8859-1", "windows-1252", "US-ASCII"])
def test_text_charsets_are_accepted_as_tag_file_encodings(encoding: str) -> None:
    data = f"BagIt-Version: 1.0\nTag-File-Character-Encoding: {encoding}\n".encode()
    declared, problems = parse_bagit_txt(data)
    assert declared is not None, problems
    assert declared.encoding == encoding


def test_missing_entries_are_excused_in_linear_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every missing entry once looked at every present file: n * m normalizations."""
    import unicodedata

    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    present, missing = 400, 400
    checksum = hashlib.sha256(b"same").hexdigest()
    for i in range(present):
        (bag / f"data/f{i}.txt").write_bytes(b"same")
    names = [f"data/f{i}.txt" for i in range(present)] + [f"data/g{i}" for i in range(missing)]
    (bag / "manifest-sha256.txt").write_text("".join(f"{checksum}  {n}\n" for n in names))
    calls = 0
    real = unicodedata.normalize

    def counting(form: Any, text: str) -> str:
        nonlocal calls
        calls += 1
        return real(form, text)

    monkeypatch.setattr(unicodedata, "normalize", counting)
    report = validate_bag(bag)
    assert sum(p.code == "missing" for p in report.errors) == missing
    assert calls <= 4 * (present + missing)  # was about 2 * present * missing


def test_a_deep_tree_is_walked_without_recursion(bag: Path) -> None:
    top = str(bag / "data")
    deep = top
    for _ in range(1100):  # Path.mkdir(parents=True) would itself recurse too deep
        deep += "/d"
        os.mkdir(deep)  # noqa: PTH102
    Path(deep, "f.txt").write_text("x")
    try:
        report = validate_bag(bag)  # RecursionError before
    finally:
        # pytest's own clean-up (shutil.rmtree) recurses: take the tree down from the bottom.
        Path(deep, "f.txt").unlink()
        while deep != top:
            os.rmdir(deep)  # noqa: PTH106
            deep = deep[: -len("/d")]
    assert any(p.code == "not-in-manifest" and p.path.endswith("/d/f.txt") for p in report.errors)


def test_an_entry_that_cannot_be_stat_ed_is_a_problem(
    bag: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path.lstat

    def failing(self: Path) -> os.stat_result:
        if self.name == "records.jsonl":
            raise OSError(36, "File name too long")
        return real(self)

    monkeypatch.setattr(Path, "lstat", failing)
    report = validate_bag(bag)
    assert ("data/records.jsonl", "unreadable") in {(p.path, p.code) for p in report.errors}


@pytest.mark.parametrize("how", ["missing", "dangling-symlink"])
def test_a_bag_without_bagit_txt_is_refused_not_imported_as_files(
    bag: Path, tmp_path: Path, how: str
) -> None:
    (bag / "bagit.txt").unlink()
    if how == "dangling-symlink":
        (bag / "bagit.txt").symlink_to(tmp_path / "nowhere")
    assert is_bag(bag)
    _refused(bag, tmp_path)


def test_a_plain_directory_with_data_is_not_a_bag(tmp_path: Path) -> None:
    (tmp_path / "d/data").mkdir(parents=True)
    (tmp_path / "d/notes.txt").write_text("x")
    assert not is_bag(tmp_path / "d")


def test_a_lost_content_file_refuses_the_bag(bag: Path, tmp_path: Path) -> None:
    victim = min((bag / "data/content").iterdir())
    victim.unlink()
    _rehash(bag)
    assert validate_bag(bag).ok  # a sound bag that lost a record's content
    with pytest.raises(InvalidBag) as caught:
        read_bag(bag, lambda _n, _d: (None, ""), clock=lambda: NOW)
    [problem] = caught.value.problems
    assert problem.code == "missing-content"
    line = next(
        n
        for n, text in enumerate((bag / "data/records.jsonl").read_text().splitlines(), 1)
        if victim.stem in text
    )
    assert f"line {line}" in problem.message
    _refused(bag, tmp_path)


def test_records_jsonl_is_json_lines_every_bad_line_named(bag: Path) -> None:
    lines = (bag / "data/records.jsonl").read_bytes().splitlines(keepends=True)
    lines[0] = lines[0][:40] + b"\n"
    lines[2] = b"{not json\n"
    (bag / "data/records.jsonl").write_bytes(b"".join(lines))
    _rehash(bag)
    with pytest.raises(InvalidBag) as caught:
        read_bag(bag, lambda _n, _d: (None, ""), clock=lambda: NOW)
    bad = [p.message for p in caught.value.problems if p.code == "bad-json"]
    assert [m.split(":")[0] for m in bad] == ["line 1", "line 3"]


def test_a_single_record_bag_reports_line_1(tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    write_bag(bag, [_record(1)], clock=lambda: NOW)
    record = json.loads((bag / "data/records.jsonl").read_text())
    record["title"] = "edited"
    (bag / "data/records.jsonl").write_text(json.dumps(record) + "\n")
    _rehash(bag)
    with pytest.raises(InvalidBag) as caught:
        read_bag(bag, lambda _n, _d: (None, ""), clock=lambda: NOW)
    assert caught.value.problems[0].message.startswith("line 1:")


@pytest.mark.parametrize("inline", [False, True])
def test_a_duplicate_record_refuses_the_bag_naming_both_lines(
    bag: Path, tmp_path: Path, *, inline: bool
) -> None:
    lines = (bag / "data/records.jsonl").read_text().splitlines()
    if inline:
        records = [json.loads(line) for line in lines]
        for r in records:
            r["content"] = (bag / f"data/content/{r['id']}.txt").read_bytes().decode()
        shutil.rmtree(bag / "data/content")
        info = (bag / "bag-info.txt").read_text().replace("Content-Files: 3", "Content-Files: 0")
        (bag / "bag-info.txt").write_text(info)
        lines = [json.dumps(r) for r in records]
    (bag / "data/records.jsonl").write_text("\n".join([*lines, lines[0]]) + "\n")
    _rehash(bag)
    with pytest.raises(InvalidBag) as caught:
        read_bag(bag, lambda _n, _d: (None, ""), clock=lambda: NOW)
    assert [p.code for p in caught.value.problems] == ["duplicate-id"]
    assert "lines 1 and 4" in caught.value.problems[0].message
    _refused(bag, tmp_path)


def test_content_files_are_read_one_record_at_a_time(
    bag: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.bag._files import read_bag_file
    from newsarchive.validation import validate

    events: list[str] = []
    real_read, real_validate = read_bag_file, validate

    def reading(root: Path, name: str) -> bytes:
        events.append("read")
        return real_read(root, name)

    def validating(value: Any) -> Any:
        events.append("record")
        return real_validate(value)

    monkeypatch.setattr("newsarchive.bag._read.read_bag_file", reading)
    monkeypatch.setattr("newsarchive.bag._read.validate", validating)
    read_bag(bag, lambda _n, _d: (None, ""), clock=lambda: NOW)
    # records.jsonl, then each content file just before its record: never all at once.
    assert events == ["read", *["read", "record"] * 3]


def test_tag_manifests_follow_rfc_8493(bag: Path) -> None:
    tagmanifest = bag / "tagmanifest-sha256.txt"
    lines = tagmanifest.read_text().splitlines()
    kept = [line for line in lines if "manifest-sha512.txt" not in line]
    other = hashlib.sha256((bag / "tagmanifest-sha512.txt").read_bytes()).hexdigest()
    tagmanifest.write_text("\n".join([*kept, kept[0], f"{other}  tagmanifest-sha512.txt"]) + "\n")
    codes = {p.code for p in validate_bag(bag).errors if p.path == "tagmanifest-sha256.txt"}
    assert codes == {"duplicate-entry", "manifest-not-in-tagmanifest", "tagmanifest-in-tagmanifest"}


def test_a_bom_in_a_manifest_is_a_warning(bag: Path) -> None:
    manifest = bag / "manifest-sha256.txt"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    _retag(bag)
    report = validate_bag(bag)
    assert report.ok, [str(p) for p in report.errors]
    assert ("manifest-sha256.txt", "bom") in {(p.path, p.code) for p in report.warnings}


def test_a_name_listed_in_nfc_found_in_nfd_is_a_warning(tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    write_bag(bag, [_record(1)], clock=lambda: NOW)
    nfd = "data/cafe\u0301.txt"
    (bag / nfd).write_text("Hello\n")
    _rehash(bag)
    for algorithm in ("sha256", "sha512"):
        manifest = bag / f"manifest-{algorithm}.txt"
        manifest.write_text(manifest.read_text().replace(nfd, "data/caf\u00e9.txt"))
    _retag(bag)
    report = validate_bag(bag)
    assert report.ok, [str(p) for p in report.errors]
    assert (nfd, "normalization-mismatch") in {(p.path, p.code) for p in report.warnings}


def _retag(bag: Path) -> None:
    tags = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"]
    for algorithm in ("sha256", "sha512"):
        lines = "".join(
            f"{hashlib.new(algorithm, (bag / n).read_bytes()).hexdigest()}  {n}\n" for n in tags
        )
        (bag / f"tagmanifest-{algorithm}.txt").write_text(lines, encoding="utf-8")


def test_control_characters_in_names_cannot_forge_output(bag: Path, tmp_path: Path) -> None:
    forged = "x\nVALID: forged (BagIt 1.0; sha256): 0 errors\x1b[8m\x9b.txt"
    (bag / "data" / forged).write_text("x\n")
    code, out, _ = cli("bag", "validate", str(bag))
    assert code == 1
    text = out.decode()
    assert "\x1b" not in text
    assert "\x9b" not in text
    assert not any(line.startswith("VALID") for line in text.splitlines())
    assert "x\\x0aVALID: forged" in text
    code, _, err = cli("import", "--store", str(tmp_path / "s"), str(bag))
    assert code == 1
    assert "\x1b" not in err
    assert not any(line.startswith("VALID") for line in err.splitlines())
    with pytest.raises(InvalidBag) as caught:
        read_bag(bag, lambda _n, _d: (None, ""), clock=lambda: NOW)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_sigterm_during_cli_export_leaves_no_temporary_bag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signame: str
) -> None:
    import signal

    signum = getattr(signal, signame)
    store_path = tmp_path / "s"
    with Store.init(store_path) as store:
        store.add([(_record(i), False) for i in range(2)])
    out = tmp_path / "out"
    out.mkdir()

    def terminated(_bagit: Any, _path: Path) -> None:
        os.kill(os.getpid(), signum)

    monkeypatch.setattr("newsarchive.bag._write._check_with_bagit", terminated)
    before = signal.getsignal(signum)
    code, _, _ = cli(
        "export", "--store", str(store_path), "--format", "bagit", "-o", str(out / "b")
    )
    assert code == 128 + signum
    assert list(out.iterdir()) == []  # the half-built bag was removed, not left hidden
    assert signal.getsignal(signum) == before


def test_export_keeps_an_empty_target_directory_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "empty"
    target.mkdir()

    def failing(_bagit: Any, _path: Path) -> None:
        raise BagError("self-check failed", code="bag-self-check")

    monkeypatch.setattr("newsarchive.bag._write._check_with_bagit", failing)
    with pytest.raises(BagError):
        write_bag(target, [_record(1)], clock=lambda: NOW)
    assert target.is_dir()
    assert list(tmp_path.iterdir()) == [target]


def test_the_bag_directory_mode_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_bag(tmp_path / "bag", [_record(1)], clock=lambda: NOW)
    finally:
        os.umask(old)
    assert (tmp_path / "bag").stat().st_mode & 0o777 == 0o750


def test_a_symlinked_bagit_txt_is_reported_once(bag: Path) -> None:
    (bag / "bagit.txt").rename(bag / "b.bak")
    (bag / "bagit.txt").symlink_to("b.bak")
    assert [p.code for p in validate_bag(bag).errors if p.path == "bagit.txt"] == ["symlink"]


@pytest.mark.parametrize(("name", "refused"), [("C:/x", True), ("c:", True), ("a:b", False)])
def test_only_a_real_drive_prefix_is_refused(name: str, *, refused: bool) -> None:
    assert (path_problem(name) == "the path names a drive") is refused


def test_a_bag_inside_a_directory_is_imported_as_a_bag(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    records = [_record(i) for i in range(3)]
    write_bag(parent / "bag1", records, clock=lambda: NOW)
    (parent / "notes").mkdir()
    (parent / "notes" / "ferry.txt").write_bytes(
        b"The ferry runs again.\n\nLINK: https://news.example.org/ferry\n"
    )
    with Store.init(tmp_path / "target") as store:
        summary = import_paths(store, [str(parent)], OPTIONS)
        assert (summary.imported, summary.rejected) == (4, [])
        for record in records:
            assert store.get(record["id"]) == record  # content included


def test_a_folder_with_a_stray_manifest_is_loose_files(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    (folder / "data").mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"A story.\n\nLINK: https://news.example.org/a\n")
    (folder / "data" / "b.txt").write_bytes(b"B story.\n\nLINK: https://news.example.org/b\n")
    (folder / "manifest-md5.txt").write_text("notes, not a manifest\n")
    assert not is_bag(folder)
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(folder)], OPTIONS)
        assert summary.imported == 2


@pytest.mark.parametrize("inside", ["data", "data/records.jsonl", "data/content"])
def test_part_of_a_bag_is_refused_not_imported_as_loose_files(
    bag: Path, tmp_path: Path, inside: str
) -> None:
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(bag / inside)], OPTIONS)
        assert summary.imported == 0
        [rejected] = summary.rejected
        assert "inside the bag" in rejected["reason"]
        assert list(store.find()) == []


@pytest.mark.parametrize("count", ["³", "9" * 5000, "-1", "2, 3"])
def test_a_bad_content_count_is_a_problem_not_a_crash(
    bag: Path, tmp_path: Path, count: str
) -> None:
    info = (bag / "bag-info.txt").read_text("utf-8")
    lines = [
        f"Newsarchive-Content-Files: {count}"
        if line.startswith("Newsarchive-Content-Files")
        else line
        for line in info.splitlines()
    ]
    (bag / "bag-info.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _rehash(bag)
    rejected = _refused(bag, tmp_path)
    assert any("bad-content-count" in r["reason"] for r in rejected)


def test_export_into_an_empty_private_directory_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir(mode=0o700)
    target.chmod(0o700)
    write_bag(target, [_record(1)], clock=lambda: NOW)
    assert (target / "bagit.txt").is_file()
    assert target.stat().st_mode & 0o777 == 0o700


def test_bagit_txt_lines_must_come_in_order(bag: Path) -> None:
    (bag / "bagit.txt").write_bytes(b"Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n")
    assert "bad-declaration" in {p.code for p in validate_bag(bag).errors}


def test_huge_numbers_in_tag_files_are_problems_not_crashes(bag: Path) -> None:
    info = (bag / "bag-info.txt").read_text("utf-8")
    lines = [
        "Payload-Oxum: " + "9" * 5000 + ".1" if line.startswith("Payload-Oxum") else line
        for line in info.splitlines()
    ]
    (bag / "bag-info.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "bad-oxum" in {p.code for p in validate_bag(bag).errors}
    (bag / "bagit.txt").write_text(
        "BagIt-Version: 1." + "9" * 5000 + "\nTag-File-Character-Encoding: UTF-8\n"
    )
    assert not validate_bag(bag).ok


# -- issue 10 -------------------------------------------------------------------------


@pytest.mark.parametrize("files", [[], ["a.txt", "b.txt"], ["notes/c.txt"]])
def test_a_directory_with_none_of_a_bags_files_is_not_a_bag(
    tmp_path: Path, files: list[str]
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("LINK: https://news.example/x\n", encoding="utf-8")
    with pytest.raises(BagError, match=r"not a bag: no bagit\.txt") as caught:
        validate_bag(folder)
    assert caught.value.code == "not-a-bag"
    assert "though the directory has" not in str(caught.value)
    code, out, err = cli("bag", "validate", str(folder))
    assert_one_line_error(code, err, "not a bag: no bagit.txt")
    assert out == b""


def test_a_bag_that_lost_bagit_txt_names_what_it_still_has(bag: Path) -> None:
    (bag / "bagit.txt").unlink()
    (missing,) = [p for p in validate_bag(bag).errors if p.code == "missing-bagit-txt"]
    assert "data/" in missing.message
    assert "bag-info.txt" in missing.message
    assert cli("bag", "validate", str(bag))[0] == 1


def _bagit_py_bag(root: Path, files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bag made by bagit-python's own `make_bag` (BagIt 0.97) from `files`."""
    bagit = pytest.importorskip("bagit")
    root.mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    monkeypatch.chdir(root.parent)  # make_bag changes directory and back; keep ours put
    bagit.make_bag(str(root), checksums=["sha256", "md5"])
    return root


_ARTICLE = b"Tide tables change.\n\nLINK: https://news.example/tides\n"


def test_a_name_with_a_line_feed_in_a_bagit_py_bag_is_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "tides\nmonday.txt"
    bag = _bagit_py_bag(tmp_path / "lf", {name: _ARTICLE, "plain.txt": b"x"}, monkeypatch)
    assert b"data/tides%0Amonday.txt" in (bag / "manifest-sha256.txt").read_bytes()
    assert _bagit_py(bag).returncode == 0  # bagit.py accepts its own bag...
    report = validate_bag(bag)  # ...and so do we
    assert (report.ok, report.problems) == (True, ())
    assert set(report.manifests) == {f"data/{name}", "data/plain.txt"}
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(bag)], OPTIONS)
        assert summary.imported == 1  # plain.txt has no LINK: line
        assert [r["source"] for r in summary.rejected] == [f"{bag}/data/plain.txt"]


@pytest.mark.parametrize("version", ["0.97", "1.0"])
def test_a_literal_percent_name_still_matches_its_file(tmp_path: Path, version: str) -> None:
    """0.97 had no encoding, and 1.0 writers that never encode % exist: when the decoded
    name is absent but the name as written is there, the name as written is the file."""
    bag = _foreign_bag(tmp_path / "pct", {"data/a%0Ab.txt": _ARTICLE})
    (bag / "bagit.txt").write_text(
        f"BagIt-Version: {version}\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8"
    )
    report = validate_bag(bag)
    assert report.ok, report.errors
    assert set(report.manifests) == {"data/a%0Ab.txt"}
    warned = {p.code for p in report.warnings}
    assert ("percent-not-encoded" in warned) == (version == "1.0")


def test_decoding_before_1_0_is_cr_and_lf_only() -> None:
    text = f"{'a' * 64}  data/a%25b%0Ac%0d%7E\n"
    (old,), problems = parse_manifest("m", text, (0, 97), 64)
    assert (old.path, problems) == ("data/a%25b\nc\r%7E", [])
    assert decode_path("data/%7Etest1.txt", (0, 97)) == "data/%7Etest1.txt"


def test_a_refused_bag_is_one_rejected_input(tmp_path: Path) -> None:
    bag = tmp_path / "bad"
    shutil.copytree(SUITE / "v0.97/invalid/corrupt-data-file", bag)
    assert len(validate_bag(bag).errors) == 2
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(bag)], OPTIONS)
    assert summary.to_dict()["rejected"] == 1
    (rejected,) = summary.rejected
    assert rejected["source"] == str(bag)
    assert "data/bare-filename: checksum-mismatch" in rejected["reason"]
    assert "and 1 more problem" in rejected["reason"]
    assert summary.files == 1


class _Ticking:
    """A clock that moves one second further on each call, as a real one would."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _in_time_order(record: dict[str, Any]) -> bool:
    retrieved = Timestamp.parse(record["retrieved_at"])
    stamps = [Timestamp.parse(e["at"]) for e in record["provenance"]]
    return all(retrieved <= s for s in stamps) and stamps == sorted(stamps)


@pytest.mark.parametrize("retrieved_at", [None, "2024-05-01T10:00:00Z"])
def test_foreign_bag_events_come_after_retrieval(tmp_path: Path, retrieved_at: str | None) -> None:
    files = {f"data/{i}.txt": _ARTICLE.replace(b"tides", f"tides-{i}".encode()) for i in range(3)}
    bag = _foreign_bag(tmp_path / "old", files)
    options = ImportOptions(retrieved_at=retrieved_at, clock=_Ticking())
    contents = read_bag(bag, lambda name, data: _prepare(name, data, options), clock=options.clock)
    assert len(contents.records) == 3
    for record in contents.records:
        assert record["provenance"][-1]["type"] == "fixity-check"
        assert _in_time_order(record), record["provenance"]


def test_imported_foreign_bag_jsonld_uses_a_record_only_after_it_is_generated(
    tmp_path: Path,
) -> None:
    """The issue's symptom, end to end: import, then JSON-LD (PROV forbids a usage before
    the generation)."""
    bag = _foreign_bag(tmp_path / "old", {"data/a.txt": _ARTICLE})
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(bag)], ImportOptions(clock=_Ticking()))
        assert summary.imported == 1
        (record_id,) = store.find()
        record = store.get(record_id)
    (node, *others) = to_jsonld(record)["@graph"]
    generated = Timestamp.parse(node["prov:qualifiedGeneration"]["prov:atTime"])
    used = [
        Timestamp.parse(o["prov:qualifiedUsage"]["prov:atTime"])
        for o in others
        if "prov:qualifiedUsage" in o
    ]
    assert used  # the fixity-check
    assert all(generated <= at for at in used)


@settings(max_examples=25)
@given(
    retrieved=st.one_of(st.none(), strategies.timestamps),
    steps=st.lists(st.integers(-3, 3), min_size=8, max_size=8),
)
def test_foreign_bag_records_are_in_time_order_property(
    tmp_path_factory: pytest.TempPathFactory, retrieved: Timestamp | None, steps: list[int]
) -> None:
    """Whatever the clock does (even step back), no event precedes retrieval or the one before."""
    moves = iter(steps * 4)
    clock_now = [NOW]

    def clock() -> datetime:
        clock_now[0] += timedelta(seconds=next(moves, 1))
        return clock_now[0]

    files = {f"data/{i}.txt": _ARTICLE.replace(b"tides", f"t{i}".encode()) for i in range(2)}
    bag = _foreign_bag(tmp_path_factory.mktemp("bag") / "b", files)
    options = ImportOptions(retrieved_at=None if retrieved is None else str(retrieved), clock=clock)
    contents = read_bag(bag, lambda name, data: _prepare(name, data, options), clock=clock)
    for record in contents.records:
        assert _in_time_order(record), record


# -- hostile input found by fuzzing bag/ ----------------------------------------------


def test_a_file_name_that_is_not_utf8_is_reported_printably(bag: Path, tmp_path: Path) -> None:
    """A name os.fsdecode gives lone surrogates must not crash the report's output."""
    (bag / os.fsdecode(b"data/\xff.txt")).write_bytes(b"stray")
    outer = Path(os.fsdecode(bytes(tmp_path) + b"/b\xfeg"))
    bag.rename(outer)
    report = validate_bag(outer)
    assert ("data/\\xff.txt", "not-in-manifest") in {(p.path, p.code) for p in report.errors}
    assert report.path.endswith("b\\xfeg")
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")  # raises on a surrogate
    code, out, err = cli("bag", "validate", str(outer))
    assert (code, err) == (1, "")
    assert "ERROR data/\\xff.txt: not-in-manifest" in out.decode("utf-8")
    code, out, err = cli("bag", "validate", "--json", str(outer))
    assert (code, err) == (1, "")
    assert json.loads(out)["valid"] is False


def test_a_payload_file_that_vanishes_after_validation_refuses_the_bag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bag = _foreign_bag(tmp_path / "old", {"data/a.txt": _ARTICLE})
    real = validate_bag

    def then_remove(path: Any) -> Any:
        report = real(path)
        (bag / "data/a.txt").unlink()  # another process, between validation and reading
        return report

    monkeypatch.setattr("newsarchive.bag._read.validate_bag", then_remove)
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(bag)], OPTIONS)
        assert list(store.find()) == []
    (rejected,) = summary.rejected
    assert rejected["source"] == str(bag)
    assert "data/a.txt: unreadable" in rejected["reason"]


def test_huge_values_and_names_make_report_lines_of_bounded_length(bag: Path) -> None:
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1" + b"0" * 100_000 + b"\n")
    (bag / "bag-info.txt").write_bytes(b"Payload-Oxum: " + b"1" * 100_000 + b"x\n")
    with (bag / "manifest-sha256.txt").open("a", encoding="utf-8") as f:
        f.write(f"{'0' * 64}  data/{'n' * 100_000}\n")
    report = validate_bag(bag)
    codes = {p.code for p in report.errors}
    assert {"bad-version", "bad-oxum", "missing"} <= codes
    for problem in report.problems:
        assert len(problem.path) <= 1003
        assert len(problem.message) <= 1003


def test_folded_bag_info_values_are_joined_once(bag: Path) -> None:
    """Continuation lines join with one space, however many there are (the parser now
    joins each value once; adding line by line took 5.7 s for 40,000 lines)."""
    text = "External-Description: a\n  b\n\tc\nBagging-Date: 2026-01-01\n" + " d\n" * 50_000
    pairs, problems = parse_bag_info("bag-info.txt", text)
    assert problems == []
    assert pairs[0] == ("External-Description", "a b c")
    assert pairs[1] == ("Bagging-Date", "2026-01-01" + " d" * 50_000)
    _, orphan = parse_bag_info("bag-info.txt", " x\nL: v\n")
    assert [p.code for p in orphan] == ["bad-tag-line"]


def _without_hanging(fifo: Path, work: Callable[[], Any]) -> Any:
    """Run `work`; if it blocks opening `fifo` (as it did), let it go and fail the test."""
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(30)  # a guard against a hang, not a speed test: it returns at once
    if thread.is_alive():  # blocked in open(): a writer end releases it
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join()
        pytest.fail(f"blocked opening the FIFO {fifo.name}")
    return done[0] if done else None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_bagit_txt_is_one_problem_never_a_hang(bag: Path) -> None:
    (bag / "bagit.txt").unlink()
    os.mkfifo(bag / "bagit.txt")
    report = _without_hanging(bag / "bagit.txt", lambda: validate_bag(bag))
    assert [(p.path, p.code) for p in report.errors] == [("bagit.txt", "not-a-file")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_put_in_after_validation_refuses_the_bag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bag = _foreign_bag(tmp_path / "old", {"data/a.txt": _ARTICLE})
    real = validate_bag

    def then_swap(path: Any) -> Any:
        report = real(path)
        (bag / "data/a.txt").unlink()
        os.mkfifo(bag / "data/a.txt")
        return report

    monkeypatch.setattr("newsarchive.bag._read.validate_bag", then_swap)

    def reading() -> str:
        with pytest.raises(InvalidBag) as caught:
            read_bag(bag, lambda _n, _d: (None, "unused"), clock=lambda: NOW)
        return str(caught.value)

    assert "data/a.txt: unreadable" in _without_hanging(bag / "data/a.txt", reading)
