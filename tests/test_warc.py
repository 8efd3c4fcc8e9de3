"""WARC 1.1 export and import: lossless round trips, warcio's own checks, foreign and bad input."""

from __future__ import annotations

import base64
import gzip as gzip_module
import hashlib
import importlib.util
import io
import json
import re
import subprocess
import sys
import zlib
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle
from newsarchive.cli import run
from newsarchive.errors import MissingExtra, WarcError
from newsarchive.store import ImportOptions, Store, import_paths
from newsarchive.warc import (
    RECORD_CONTENT_TYPE,
    WarcReading,
    looks_like_warc,
    read_warc,
    record_content_type,
    uri_form,
    write_warc,
)
from newsarchive.warc._frame import b32_digest, check_digest
from newsarchive.warc._read import _WarcImport
from tests import strategies
from tests.conftest import DATA, NOW
from tests.strategies import as_v1

WARC = DATA / "warc"
EXAMPLES = Path(__file__).parent.parent / "examples" / "articles"
OPTIONS = ImportOptions(clock=lambda: NOW, agent="test-suite")
EXPORT_DATE = "2026-01-01T12:00:00Z"


def clock() -> datetime:
    return NOW


def _records() -> list[ArchivedArticle]:
    return [
        ArchivedArticle.create(
            url="https://news.example/world/2024/river-data?utm_source=rss",
            content="Ministers agreed on Friday to share river-level data.\r\nCaf\u00e9 \u200c",
            retrieved_at="2024-05-01T10:00:00.123456789Z",
            title="River data",
            tags=["Floods", "water policy"],
            published_at="2024-04-30T22:00:00Z",
        ),
        ArchivedArticle.create(
            url="http://news.example/empty",
            content="",
            retrieved_at="2023-01-02T03:04:05Z",
            media_type="text/html; charset=utf-8",
            algorithm="sha512",
        ),
    ]


def _export(
    records: list[ArchivedArticle] | list[dict[str, object]], *, gzip: bool = True
) -> bytes:
    out = io.BytesIO()
    write_warc(records, out, gzip=gzip, date=EXPORT_DATE, filename="test.warc")
    return out.getvalue()


def _read(data: bytes) -> WarcReading:
    return read_warc(io.BytesIO(data), name="test.warc", clock=lambda: NOW)


def _warcio(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from warcio.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )


# -- export, and our exports back ------------------------------------------------------


@pytest.mark.parametrize("gzip", [True, False])
def test_round_trip_gives_the_very_records(gzip: bool) -> None:
    records = _records()
    reading = read_warc(io.BytesIO(_export(records, gzip=gzip)), clock=clock)
    assert list(reading.records) == [r.to_dict() for r in records]
    assert (reading.own, reading.refused, dict(reading.skipped)) == (2, (), {"warcinfo": 1})


def _articles_part(data: bytes) -> bytes:
    """An uncompressed export without its warcinfo record (whose id is new each time)."""
    return data[data.index(b"WARC/1.1\r\nWARC-Type: resource") :]


def test_export_is_deterministic_and_names_what_it_holds() -> None:
    data = _export(_records(), gzip=False)
    again = _export(_records(), gzip=False)
    assert _articles_part(data) == _articles_part(again)
    assert _articles_part(data) == _articles_part(
        _export([r.to_dict() for r in _records()], gzip=False)
    )
    # The warcinfo record ids are unique per export.
    assert data.split(b"WARC-Record-ID: ")[1][:45] != again.split(b"WARC-Record-ID: ")[1][:45]
    assert data.startswith(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")
    head = data.split(b"WARC/1.1\r\nWARC-Type: resource\r\n")[1].split(b"\r\n\r\n")[0].decode()
    assert "WARC-Date: 2024-05-01T10:00:00.123456789Z" in head
    assert "WARC-Target-URI: https://news.example/world/2024/river-data?utm_source=rss" in head
    assert "Content-Type: text/plain; charset=utf-8" in head
    body = _records()[0].content.encode()  # type: ignore[union-attr]
    assert f"WARC-Block-Digest: {b32_digest(body)}" in head
    assert f"WARC-Payload-Digest: {b32_digest(body)}" in head
    assert f"Content-Type: {record_content_type(2)}".encode() in data
    assert RECORD_CONTENT_TYPE.encode() not in data  # no v1 record was exported
    assert data.count(b"WARC-Refers-To: <urn:uuid:") == 2
    # WARC 1.1: a metadata record has no payload, so no WARC-Payload-Digest.
    for metadata in data.split(b"WARC-Type: metadata\r\n")[1:]:
        meta_head = metadata.split(b"\r\n\r\n")[0]
        assert b"WARC-Payload-Digest" not in meta_head
        assert b"WARC-Block-Digest: sha256:" in meta_head


@pytest.mark.parametrize("gzip", [True, False])
def test_warcio_check_and_index_accept_our_output(tmp_path: Path, gzip: bool) -> None:
    path = tmp_path / ("out.warc.gz" if gzip else "out.warc")
    path.write_bytes(_export(_records(), gzip=gzip))
    check = _warcio("check", "-v", str(path))
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 5  # warcinfo + 2 x (resource, metadata)
    assert "digest fail" not in check.stdout
    index = _warcio("index", "-f", "warc-type,warc-target-uri,offset,length", str(path))
    assert index.returncode == 0, index.stderr
    kinds = [json.loads(line)["warc-type"] for line in index.stdout.splitlines()]
    assert kinds == ["warcinfo", "resource", "metadata", "resource", "metadata"]


@given(st.lists(strategies.records(), max_size=3), st.booleans())
def test_any_records_round_trip(records: list[ArchivedArticle], gzip: bool) -> None:
    reading = _read(_export(records, gzip=gzip))
    # A record given twice is written once (its WARC-Record-IDs would repeat).
    once = {(r.id, str(r.record_digest)): r.to_dict() for r in records}
    assert list(reading.records) == list(once.values())
    assert reading.refused == ()


def test_a_record_without_content_is_refused_before_anything_is_written() -> None:
    bare = _records()[0].without_content()
    out = io.BytesIO()
    with pytest.raises(WarcError) as info:
        write_warc([_records()[1], bare], out)
    assert info.value.code == "no-content"
    assert bare.id in str(info.value)
    assert out.getvalue() == b""  # a list is checked whole first


def test_export_to_stdout_of_a_record_without_content_writes_nothing(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    lines = [json.dumps(r.to_dict()) for r in (_records()[1], _records()[0].without_content())]
    source = tmp_path / "r.jsonl"
    source.write_text("\n".join(lines) + "\n")
    assert _cli("import", "--store", store, str(source))[0] == 0
    code, out, err = _cli("export", "--store", store, "--format", "warc")
    assert (code, out) == (2, b"")
    assert "holds no content" in err
    assert err.count("\n") == 1


def test_missing_warcio_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "warcio.warcwriter", None)
    with pytest.raises(MissingExtra, match=r"pip install 'newsarchive\[warc\]'"):
        _export(_records())


# -- tampering ------------------------------------------------------------------------


def _tamper(data: bytes, old: bytes, new: bytes, *, fix_digests: bool) -> bytes:
    """Replace `old` content by `new` (same length) in an uncompressed export."""
    assert len(old) == len(new)
    out = data.replace(old, new)
    if fix_digests:
        out = out.replace(b32_digest(old).encode(), b32_digest(new).encode())
    return out


def test_a_tampered_resource_with_fixed_warc_digests_is_caught_by_the_record() -> None:
    records = _records()
    content = records[0].content.encode()  # type: ignore[union-attr]
    data = _tamper(_export(records, gzip=False), content, content.upper(), fix_digests=True)
    reading = _read(data)
    assert [r["id"] for r in reading.records] == [records[1].id]
    resource, metadata = reading.refused  # the pair goes together, both named
    assert (resource.code, metadata.code) == ("metadata-refused", "invalid-record")
    assert "content" in metadata.reason
    assert str(resource.record_id) in metadata.reason
    assert str(metadata.record_id) in resource.reason
    assert metadata.target_uri == records[0].url


def test_a_wrong_warc_digest_refuses_the_pair_and_keeps_the_rest() -> None:
    records = _records()
    content = records[0].content.encode()  # type: ignore[union-attr]
    data = _tamper(_export(records, gzip=False), content, content.upper(), fix_digests=False)
    reading = _read(data)
    assert [r["id"] for r in reading.records] == [records[1].id]
    codes = [r.code for r in reading.refused]
    assert codes == ["block-digest-mismatch", "resource-refused"]
    assert str(reading.refused[0].record_id) in reading.refused[1].reason


def test_tampered_metadata_is_refused_with_its_resource() -> None:
    records = _records()
    data = _export(records, gzip=False).replace(b'"title":"River data"', b'"title":"River dat!"')
    reading = _read(data)
    assert len(reading.records) == 1
    assert [r.code for r in reading.refused] == [
        "metadata-refused",
        "block-digest-mismatch",
    ]


def _split_records(data: bytes) -> list[bytes]:
    return [b"WARC/1.1\r\n" + r for r in data.split(b"WARC/1.1\r\n")[1:]]


def test_a_reordered_export_still_gives_the_very_records() -> None:
    records = _records()
    parts = _split_records(_export(records, gzip=False))
    reordered = b"".join([parts[4], parts[2], parts[0], parts[3], parts[1]])
    reading = _read(reordered)
    assert reading.refused == ()
    assert reading.own == 2
    # In file order of the resources: the second record's resource comes first here.
    assert list(reading.records) == [records[1].to_dict(), records[0].to_dict()]


def test_our_metadata_without_its_resource_is_refused_and_named() -> None:
    parts = _split_records(_export(_records()[:1], gzip=False))
    reading = _read(parts[0] + parts[2])
    (refusal,) = reading.refused
    assert refusal.code == "no-resource"
    refers = parts[2].split(b"WARC-Refers-To: ")[1].split(b"\r\n")[0].decode()
    assert refers in refusal.reason
    assert reading.records == ()


# -- foreign WARC files ---------------------------------------------------------------


def test_foreign_records_become_new_records() -> None:
    reading = read_warc(WARC / "foreign.warc", name="foreign.warc", clock=clock)
    by_url = {r["url"]: r for r in reading.records}
    assert list(by_url) == [
        "https://news.example/latin",
        "https://news.example/gzip",
        "https://news.example/river",
    ]
    latin = by_url["https://news.example/latin"]
    assert latin["content"] == "<p>Caf\u00e9 owners protest</p>"
    assert latin["media_type"] == "text/html; charset=utf-8"
    assert latin["retrieved_at"] == "2024-03-05T08:15:00Z"
    assert latin["retrieval"]["method"] == "warc-import"
    assert latin["schema_version"] == 2  # records made from foreign WARC files are format v2
    assert latin["retrieval"]["agent"] == "TestCrawler/1.0"  # from the warcinfo record
    notes = latin["retrieval"]["notes"]
    assert "HTTP status: HTTP/1.1 200 OK" in notes
    assert any("Content-Type: text/html; charset=ISO-8859-1" in n for n in notes)
    (event,) = latin["provenance"]
    assert event["type"] == "import"
    assert event["at"] == "2026-01-01T12:00:00Z"
    assert "foreign.warc" in event["detail"]
    assert "<urn:uuid:00000000-0000-4000-8000-000000000003>" in event["detail"]
    assert "WARC-Payload-Digest sha1:" in event["detail"]
    assert event["source_digest"].startswith("sha256:")
    gz = by_url["https://news.example/gzip"]
    assert gz["content"] == "Flood gauges \u2191 12 cm"
    # The payload digest was SHA-256 in hex, so it equals our digest of the payload bytes.
    assert gz["provenance"][0]["source_digest"] in gz["provenance"][0]["detail"]
    assert by_url["https://news.example/river"]["content"].endswith("\u2014 officials.")
    for record in reading.records:
        assert ArchivedArticle.from_dict(record, now=NOW).to_dict() == record


def test_foreign_refusals_name_the_record_and_the_reason() -> None:
    reading = read_warc(WARC / "foreign.warc", clock=clock)
    refused = {r.target_uri: r for r in reading.refused}
    assert {k: r.code for k, r in refused.items()} == {
        "https://news.example/tampered": "payload-digest-mismatch",
        "https://news.example/badutf8": "bad-charset",
        "https://news.example/binary": "binary-content",
        "https://news.example/unknown": "bad-charset",
    }
    where = refused["https://news.example/tampered"].where()
    assert where == (
        "record <urn:uuid:00000000-0000-4000-8000-000000000009> (https://news.example/tampered)"
    )
    assert "utf-8" in refused["https://news.example/badutf8"].reason
    assert dict(reading.skipped) == {
        "non-text": 1,
        "not-http": 1,  # the ftp: resource
        "request": 1,
        "revisit": 1,
        "warcinfo": 1,
    }


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("truncated.warc.gz", "truncated"),
        ("truncated.warc", "truncated"),
        ("bad-crc.warc.gz", "bad-gzip"),
        ("not-warc.warc", "not-warc"),
    ],
)
def test_a_broken_file_is_refused_whole(name: str, code: str, tmp_path: Path) -> None:
    with pytest.raises(WarcError) as info:
        read_warc(WARC / name, clock=clock)
    assert info.value.code == code
    assert info.value.path is not None
    assert name in info.value.path
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(WARC / name)], OPTIONS)
        assert (summary.imported, len(summary.rejected), len(store)) == (0, 1, 0)


def test_a_truncated_export_adds_nothing(tmp_path: Path) -> None:
    data = _export(_records())
    path = tmp_path / "cut.warc.gz"
    plain = _export(_records(), gzip=False)
    path.with_suffix("").write_bytes(plain + b"WARC/1.")
    with pytest.raises(WarcError, match="truncated"):
        read_warc(path.with_suffix(""), clock=clock)
    for cut in (len(data) - 1, len(data) // 2, 30):
        path.write_bytes(data[:cut])
        with pytest.raises(WarcError):
            read_warc(path, clock=clock)


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=2000), st.booleans())
def test_damaged_input_raises_only_our_errors(noise: bytes, at: int, gzip: bool) -> None:
    data = _export(_records(), gzip=gzip)
    at = min(at, len(data))
    damaged = data[:at] + noise + data[at + len(noise) :]
    try:
        reading = _read(damaged)
    except WarcError:
        return
    # Whatever was accepted is valid, and nothing was accepted twice.
    for record in reading.records:
        assert ArchivedArticle.from_dict(record, now=NOW).to_dict() == record


def test_warc_digest_encodings() -> None:
    data = b"payload"

    raw = hashlib.sha1(data).digest()  # what WARC files in the wild use
    assert check_digest("sha1:" + base64.b32encode(raw).decode(), data) is None
    assert check_digest("SHA-1:" + base64.b32encode(raw).decode().lower(), data) is None
    assert check_digest("sha1:" + raw.hex(), data) is None
    assert check_digest("sha1:" + base64.b64encode(raw).decode(), data) is None
    assert check_digest(b32_digest(data).rstrip("="), data) is None
    assert check_digest(b32_digest(b"other"), data) is not None
    unknown = check_digest("whirlpool:AAAA", data)
    assert unknown is not None
    assert unknown.code == "unknown-digest-algorithm"
    assert "unknown digest algorithm" in unknown.reason
    wrong = check_digest("sha1:not base anything!", data)
    assert wrong is not None
    assert wrong.code == "digest-mismatch"


def test_sniffing() -> None:
    data = _export(_records())
    assert looks_like_warc(data[:4096])
    assert looks_like_warc(_export(_records(), gzip=False)[:10])
    assert not looks_like_warc(b"\x1f\x8b not really")
    assert not looks_like_warc(b"Some article text\nLINK: https://a.example/")


# -- the store and the command line ----------------------------------------------------


def _cli(*args: str, stdin: bytes = b"") -> tuple[int, bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    code = run(list(args), stdin=io.BytesIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_store_to_warc_to_store_is_lossless(tmp_path: Path) -> None:
    first, second = str(tmp_path / "a"), str(tmp_path / "b")
    assert _cli("import", "--store", first, "--jobs", "1", str(EXAMPLES))[0] == 0
    target = tmp_path / "all.warc.gz"
    code, _, err = _cli("export", "--store", first, "--format", "warc", "-o", str(target))
    assert (code, err) == (0, "newsarchive export: 3 records\n")
    assert _warcio("check", str(target)).returncode == 0
    code, _, err = _cli("import", "--store", second, str(target))
    assert code == 0, err
    assert "3 imported, 0 duplicates, 0 rejected, 1 skipped" in err
    with Store(first) as a, Store(second) as b:
        ids = list(a.find())
        assert sorted(ids) == sorted(b.find())
        for record_id in ids:
            assert a.get(record_id) == b.get(record_id)
    # Standard output, sniffed back in on standard input; importing again is idempotent.
    code, data, _ = _cli("export", "--store", first, "--format", "warc", "--no-gzip")
    assert data.startswith(b"WARC/1.1\r\n")
    code, _, err = _cli("import", "--store", second, "-", stdin=data)
    assert code == 0
    assert "0 imported, 3 duplicates" in err


def test_import_reports_refused_records_and_exits_1(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    code, out, err = _cli("import", "--store", store, str(WARC / "foreign.warc"), "--json")
    assert code == 1
    summary = json.loads(out)
    assert (summary["imported"], summary["rejected"], summary["skipped"]) == (3, 4, 5)
    sources = [p["source"] for p in summary["problems"]]
    assert any("<urn:uuid:00000000-0000-4000-8000-000000000009>" in s for s in sources)
    assert err == ""
    code, _, err = _cli("import", "--store", store, str(WARC / "truncated.warc.gz"))
    assert code == 1
    assert "truncated.warc.gz: rejected: truncated" in err
    assert "Traceback" not in err


def test_export_warc_to_a_file_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = str(tmp_path / "s")
    _cli("import", "--store", store, "--jobs", "1", str(EXAMPLES))
    target = tmp_path / "out.warc"
    target.write_bytes(b"old")

    def boom(*_args: object, **_kwargs: object) -> int:
        raise WarcError("simulated failure", code="test")

    monkeypatch.setattr("newsarchive.warc.write_warc", boom)
    code, _, err = _cli("export", "--store", store, "--format", "warc", "-o", str(target))
    assert code == 2
    assert err.count("\n") == 1
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- review fixes: adversarial and crawler input ----------------------------------------


def _fixture_builders() -> Any:
    spec = importlib.util.spec_from_file_location("make_fixtures", WARC / "make_fixtures.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _fixture_builders()


def _response(body: bytes, headers: str, uri: str = "https://news.example/a") -> bytes:
    record: bytes = BUILD.response(1, uri, headers, body)
    return record


def _one(data: bytes) -> WarcReading:
    return _read(data)


@pytest.mark.parametrize(
    "charset",
    [
        "base64",
        "hex",
        "rot13",
        "zlib",
        "unicode_escape",
        "idna",
        "utf-7",
        "x-user-defined",
        "utf-32",
    ],
)
def test_a_charset_that_is_not_a_web_text_encoding_is_refused(charset: str) -> None:
    body = b"PHA+aGk8L3A+\n" if charset != "zlib" else zlib.compress(b"<p>hi</p>")
    reading = _one(_response(body, f"Content-Type: text/html; charset={charset}\r\n"))
    assert reading.records == ()
    (refusal,) = reading.refused
    assert refusal.code == "bad-charset"
    assert charset in refusal.reason


@pytest.mark.parametrize(
    ("charset", "body", "text"),
    [
        ("UTF-8", "<p>h\u00e9</p>".encode(), "<p>h\u00e9</p>"),
        ('"utf-8"', "<p>h\u00e9</p>".encode(), "<p>h\u00e9</p>"),
        ("iso-8859-1", "<p>h\u00e9</p>".encode("latin-1"), "<p>h\u00e9</p>"),
        ("windows-1252", "\u201cq\u201d".encode("cp1252"), "\u201cq\u201d"),
        ("Shift_JIS", "\u65e5\u672c".encode("shift_jis"), "\u65e5\u672c"),
        ("utf-16", "h\u00e9".encode("utf-16-le"), "h\u00e9"),  # WHATWG: utf-16 is LE
        ("windows-874", "\u0e01".encode("cp874"), "\u0e01"),
        # WHATWG decoders: latin-1 and us-ascii labels mean windows-1252, and so on.
        ("iso-8859-1", b"\x93quoted\x94 \x80", "\u201cquoted\u201d \u20ac"),
        ("us-ascii", b"caf\xe9", "caf\u00e9"),
        ("gb2312", "\u9555".encode("gbk"), "\u9555"),
        ("euc-kr", "\uac02".encode("cp949"), "\uac02"),
    ],
)
def test_web_charsets_are_decoded(charset: str, body: bytes, text: str) -> None:
    reading = _one(_response(body, f"Content-Type: text/html; charset={charset}\r\n"))
    assert reading.refused == ()
    (record,) = reading.records
    assert record["content"] == text


@pytest.mark.parametrize(
    ("body", "declared", "text"),
    [
        (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "; charset=iso-8859-1", "<p>caf\u00e9</p>"),
        (b"\xef\xbb\xbf<p>bom</p>", "", "<p>bom</p>"),
        (b"\xff\xfe" + "<p>\u00e9</p>".encode("utf-16-le"), "", "<p>\u00e9</p>"),
        (b"\xfe\xff" + "<p>\u00e9</p>".encode("utf-16-be"), "; charset=utf-8", "<p>\u00e9</p>"),
    ],
)
def test_a_byte_order_mark_decides_the_encoding_and_is_removed(
    body: bytes, declared: str, text: str
) -> None:
    reading = _one(_response(body, f"Content-Type: text/html{declared}\r\n"))
    assert reading.refused == ()
    (record,) = reading.records
    assert record["content"] == text


def test_crawler_records_that_are_not_pages_are_skipped_not_refused(tmp_path: Path) -> None:
    reading = read_warc(WARC / "crawler.warc", clock=clock)
    assert reading.refused == ()
    (record,) = reading.records
    assert record["url"] == "http://news.example/"
    assert dict(reading.skipped) == {"not-http": 3, "warcinfo": 1}
    # Cookies are credentials: they are not archived in the notes.
    notes = "\n".join(record["retrieval"]["notes"])
    assert "Set-Cookie" not in notes
    assert "secret" not in notes
    assert "Content-Type: text/html; charset=UTF-8" in notes
    code, _, err = _cli("import", "--store", str(tmp_path / "s"), str(WARC / "crawler.warc"))
    assert code == 0, err
    assert "1 imported, 0 duplicates, 0 rejected, 4 skipped" in err


def _with_digests(block: bytes, *digests: str, kind: str = "resource") -> bytes:
    head = (
        f"WARC/1.1\r\nWARC-Type: {kind}\r\n"
        "WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000077>\r\n"
        "WARC-Date: 2024-03-05T08:15:00Z\r\nWARC-Target-URI: https://news.example/d\r\n"
        "Content-Type: text/plain\r\n"
        + "".join(f"{d}\r\n" for d in digests)
        + f"Content-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


@pytest.mark.parametrize("header", ["WARC-Block-Digest", "WARC-Payload-Digest"])
def test_every_repeated_digest_header_is_checked(header: str) -> None:
    block = b"River text"
    good, bad = b32_digest(block), b32_digest(b"other")
    code = "block-digest-mismatch" if header == "WARC-Block-Digest" else "payload-digest-mismatch"
    reading = _read(_with_digests(block, f"{header}: {good}", f"{header}: {bad}"))
    assert [r.code for r in reading.refused] == [code]
    assert reading.records == ()
    reading = _read(_with_digests(block, f"{header}: {good}", f"{header}: {good}"))
    assert reading.refused == ()
    assert len(reading.records) == 1


def test_an_unknown_digest_algorithm_is_not_a_mismatch() -> None:
    reading = _read(_with_digests(b"text", "WARC-Block-Digest: whirlpool:AAAA"))
    assert [r.code for r in reading.refused] == ["unknown-digest-algorithm"]


def test_a_repeated_record_id_refuses_the_later_record() -> None:
    first = _with_digests(b"one")
    second = _with_digests(b"two")
    reading = _read(first + second)
    assert [r["content"] for r in reading.records] == ["one"]
    (refusal,) = reading.refused
    assert refusal.code == "duplicate-record-id"
    assert refusal.number == 2
    assert "#1" not in refusal.reason
    assert "<urn:uuid:00000000-0000-4000-8000-000000000077>" in refusal.reason


@pytest.mark.parametrize("content", [b"", gzip_module.compress(b"", mtime=0)])
@pytest.mark.parametrize("suffix", [".warc", ".warc.gz"])
def test_an_empty_file_is_not_a_warc_file(content: bytes, suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(content)
    with pytest.raises(WarcError) as info:
        read_warc(path, clock=clock)
    assert info.value.code == "not-warc"
    code, _, err = _cli("import", "--store", str(tmp_path / "s"), str(path))
    assert code == 1
    assert "not a WARC file" in err


@pytest.mark.parametrize(
    "body",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",
        b"-5\r\nhello\r\n0\r\n\r\n",
        b"0x5\r\nhello\r\n0\r\n\r\n",
        b"+5\r\nhello\r\n0\r\n\r\n",
        b"5_0\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhelloXX0\r\n\r\n",  # no CRLF after the chunk
        b"9\r\nhello\r\n",  # truncated
        b"ffffffffff\r\nhello\r\n0\r\n\r\n",
    ],
)
def test_malformed_chunked_coding_is_refused(body: bytes) -> None:
    headers = "Content-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
    reading = _one(_response(body, headers))
    assert reading.records == ()
    (refusal,) = reading.refused
    assert refusal.code in {"bad-http", "too-large"}


def test_chunked_coding_with_extensions_is_decoded() -> None:
    headers = "Content-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
    (record,) = _one(_response(b"5;x=1\r\nhello\r\n1\r\n!\r\n0\r\n\r\n", headers)).records
    assert record["content"] == "hello!"


def test_every_gzip_member_is_decoded_and_trailing_data_refused() -> None:
    headers = "Content-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
    two = gzip_module.compress(b"<p>x</p>") + gzip_module.compress(b"<p>y</p>")
    (record,) = _one(_response(two, headers)).records
    assert record["content"] == "<p>x</p><p>y</p>"
    reading = _one(_response(gzip_module.compress(b"<p>x</p>") + b"junk", headers))
    assert reading.records == ()
    assert [r.code for r in reading.refused] == ["bad-content-encoding"]


@pytest.mark.parametrize(
    ("date", "ok"),
    [
        ("2024-03-05T08:15:00.123456789Z", True),
        ("2024-03-05T08:15:00.1234567891Z", False),
    ],
)
def test_a_warc_date_with_more_than_nine_fractional_digits_is_refused(date: str, ok: bool) -> None:
    data = _with_digests(b"text").replace(b"2024-03-05T08:15:00Z", date.encode())
    reading = _read(data)
    if ok:
        (record,) = reading.records
        assert record["retrieved_at"] == date
    else:
        assert [r.code for r in reading.refused] == ["bad-warc-date"]


def test_oversized_text_is_refused_and_other_oversized_records_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("newsarchive.warc._frame.MAX_BLOCK", 100)
    big = b"x" * 150
    text = BUILD.record("resource", 1, big, content_type="text/plain")
    image = BUILD.record("resource", 2, big, uri="https://news.example/p", content_type="image/png")
    page = BUILD.response(3, "https://news.example/r", "Content-Type: text/html\r\n", big)
    small = BUILD.record(
        "resource", 4, b"small", uri="https://news.example/s", content_type="text/plain"
    )
    reading = _read(text + image + page + small)
    assert [r["content"] for r in reading.records] == ["small"]
    assert [(r.number, r.code) for r in reading.refused] == [(1, "too-large"), (3, "too-large")]
    assert "100" in reading.refused[0].reason
    assert dict(reading.skipped) == {"non-text": 1}


def test_a_decoded_body_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newsarchive.warc._frame.MAX_BLOCK", 1000)
    headers = "Content-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
    reading = _one(_response(gzip_module.compress(b"a" * 5000), headers))
    assert [r.code for r in reading.refused] == ["too-large"]


def test_uri_form_of_urls() -> None:
    assert uri_form("https://news.example/a?b=c#d") == "https://news.example/a?b=c#d"
    assert uri_form("https://B\u00fccher.example:8080/caf\u00e9?q=\u00e9|x") == (
        "https://xn--bcher-kva.example:8080/caf%C3%A9?q=%C3%A9%7Cx"
    )
    assert uri_form('http://a.example/"<>^`{|}') == "http://a.example/%22%3C%3E%5E%60%7B%7C%7D"
    assert uri_form("http://a.example/50%25/100%/%zz") == "http://a.example/50%25/100%25/%25zz"
    assert uri_form("http://a.example/a#b#c") == "http://a.example/a#b%23c"
    assert uri_form("http://[::1]:80/[x]") == "http://[::1]:80/%5Bx%5D"


_URI: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~!$&'()*+,;=:%@\[\]-]*"
    r"[/?#][A-Za-z0-9._~!$&'()*+,;=:@/?%-]*(#[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*)?|"
    r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~!$&'()*+,;=:%@\[\]-]*"
)


@given(strategies.records())
def test_exported_target_uris_are_uris(record: ArchivedArticle) -> None:
    uri = uri_form(record.url)
    assert uri.isascii()
    assert _URI.fullmatch(uri), uri
    assert re.search(r"%(?![0-9A-Fa-f]{2})", uri) is None


def test_an_iri_record_round_trips_through_its_uri_form(tmp_path: Path) -> None:
    record = ArchivedArticle.create(
        url="https://b\u00fccher.example/caf\u00e9/100%?q=a|b",
        content="text",
        retrieved_at="2024-01-01T00:00:00Z",
    )
    data = _export([record], gzip=False)
    assert b"WARC-Target-URI: https://xn--bcher-kva.example/caf%C3%A9/100%25?q=a%7Cb\r\n" in data
    reading = _read(data)
    assert reading.refused == ()
    assert list(reading.records) == [record.to_dict()]
    path = tmp_path / "iri.warc"
    path.write_bytes(data)
    check = _warcio("check", str(path))
    assert check.returncode == 0, check.stdout + check.stderr


def test_our_metadata_naming_a_foreign_resource_refuses_both() -> None:
    parts = _split_records(_export(_records()[:1], gzip=False))
    refers = parts[2].split(b"WARC-Refers-To: ")[1].split(b"\r\n")[0]
    foreign = BUILD.record(
        "resource", 9, b"Someone else's text", content_type="text/plain"
    ).replace(b"<urn:uuid:00000000-0000-4000-8000-000000000009>", refers)
    reading = _read(parts[0] + foreign + parts[2])
    assert reading.records == ()
    resource, metadata = reading.refused
    assert resource.code == "metadata-refused"
    assert resource.record_id == refers.decode()
    assert str(metadata.record_id) in resource.reason
    assert refers.decode() in metadata.reason


def test_another_version_of_our_metadata_is_refused_with_its_resource() -> None:
    data = _export(_records()[:1], gzip=False)
    meta = data.split(b"WARC-Type: metadata")[1]
    newer = data.replace(meta, re.sub(rb"; version=[0-9]+", b"; version=3", meta))
    reading = _read(newer)
    assert reading.records == ()
    assert [r.code for r in reading.refused] == ["metadata-refused", "unsupported-version"]
    assert "unsupported version" in reading.refused[1].reason


def test_a_v1_record_travels_as_version_1_and_comes_back_unchanged() -> None:
    v1 = as_v1(_records()[0])
    data = _export([v1], gzip=False)
    assert f"Content-Type: {RECORD_CONTENT_TYPE}".encode() in data
    assert b"; version=2" not in data
    reading = _read(data)
    assert reading.records == (v1,)
    assert reading.refused == ()


def test_a_record_whose_version_differs_from_its_content_type_is_refused() -> None:
    data = _export(_records()[:1], gzip=False)
    meta = data.split(b"WARC-Type: metadata")[1]
    older = data.replace(meta, meta.replace(b"; version=2", b"; version=1"))
    reading = _read(older)
    assert reading.records == ()
    assert "version-mismatch" in [r.code for r in reading.refused]


def test_records_are_handed_on_as_they_are_built(tmp_path: Path) -> None:
    records = _records()
    path = tmp_path / "out.warc.gz"
    path.write_bytes(_export(records))
    handed: list[dict[str, Any]] = []
    reading = read_warc(path, clock=clock, on_record=handed.append)
    assert reading.records == ()
    assert handed == [r.to_dict() for r in records]
    assert (reading.own, reading.refused) == (2, ())


@pytest.mark.parametrize(
    ("data", "old", "new"),
    [
        # our export: the content changes (its digests name it)
        (_export(_records(), gzip=False), b"Ministers", b"Minesters"),
        # a foreign record: the target URI changes, same length, no digest over it
        (
            _response(b"<p>hi</p>", "Content-Type: text/html\r\n", uri="https://news.example/a"),
            b"news.example/a",
            b"news.example/b",
        ),
    ],
    ids=["content", "headers"],
)
def test_a_file_that_changes_between_the_passes_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, old: bytes, new: bytes
) -> None:
    path = tmp_path / "in.warc"
    path.write_bytes(data)
    first_pass = _WarcImport.first_pass

    def then_change(self: _WarcImport, source: IO[bytes]) -> list[Any]:
        entries = first_pass(self, source)
        path.write_bytes(data.replace(old, new))
        return entries

    monkeypatch.setattr(_WarcImport, "first_pass", then_change)
    with pytest.raises(WarcError) as info:
        read_warc(path, clock=clock)
    assert info.value.code == "changed"


def test_http_responses_are_read_without_warcio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "warcio", None)  # reading needs no extra
    headers = "Content-Type: text/html; charset=utf-8\r\nX-Folded: one\r\n two\r\n"
    reading = _one(_response("<p>h\u00e9</p>".encode(), headers))
    (record,) = reading.records
    assert record["content"] == "<p>h\u00e9</p>"
    notes = record["retrieval"]["notes"]
    assert any("200" in note for note in notes)
    assert any("X-Folded: one two" in note for note in notes)


@pytest.mark.parametrize("length", ["9" * 5000, "\u00b3", "-1"])
def test_an_absurd_content_length_is_refused_not_a_crash(length: str) -> None:
    data = f"WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: {length}\r\n\r\nx".encode()
    with pytest.raises(WarcError) as info:
        _read(data)
    assert info.value.code == "bad-warc-header"


# -- text encodings: as browsers decide them (issue 10, defect 15c) ------------------

RUSSIAN = "\u041d\u043e\u0432\u043e\u0441\u0442\u0438 \u0434\u043d\u044f"
JAPANESE = "\u4eca\u65e5\u306e\u30cb\u30e5\u30fc\u30b9"


def test_a_charset_declared_only_in_the_page_is_used_as_browsers_use_it() -> None:
    reading = read_warc(WARC / "charsets.warc", clock=clock)
    assert reading.refused == ()
    by_url = {r["url"].rsplit("/", 1)[1]: r for r in reading.records}
    assert list(by_url) == ["ru", "ja", "bom", "koi8", "late", "plain"]

    def encoding_note(name: str) -> str:
        notes = by_url[name]["retrieval"]["notes"]
        (note,) = [n for n in notes if n.startswith("Text encoding: ")]
        return str(note).removeprefix("Text encoding: ")

    assert f"<title>{RUSSIAN}</title>" in by_url["ru"]["content"]
    assert encoding_note("ru") == (
        "windows-1251 (declared as 'windows-1251' in the first 1,024 bytes)"
    )
    assert f"<title>{JAPANESE}</title>" in by_url["ja"]["content"]
    assert encoding_note("ja") == "Shift_JIS (declared as 'shift_jis' in the first 1,024 bytes)"
    assert by_url["bom"]["content"] == f"<p>{RUSSIAN}</p>"  # the BOM is removed
    assert encoding_note("bom") == "UTF-8 (by its byte order mark)"
    assert by_url["koi8"]["content"].endswith(f"<p>{RUSSIAN}</p>")
    assert encoding_note("koi8") == "KOI8-R (from the Content-Type charset 'koi8-r')"
    # Past the first 1,024 bytes a <meta> is not seen: the bytes are not UTF-8, so
    # windows-1252, as a browser shows them.
    late = by_url["late"]["content"]
    assert RUSSIAN not in late
    assert late.endswith(f"<p>{RUSSIAN.encode('cp1251').decode('cp1252')}</p>")
    assert (
        encoding_note("late") == "windows-1252 (none declared, and the bytes are not valid UTF-8)"
    )
    assert by_url["plain"]["content"] == f"<p>{RUSSIAN}</p>"
    assert encoding_note("plain") == "UTF-8 (none declared, and the bytes are valid UTF-8)"
    for record in reading.records:
        assert record["media_type"] == "text/html; charset=utf-8"


def test_a_meta_charset_is_not_read_in_plain_text() -> None:
    body = b'<meta charset="windows-1251">' + RUSSIAN.encode("cp1251")
    reading = _one(_response(body, "Content-Type: text/plain\r\n"))
    (record,) = reading.records
    assert record["content"] == body.decode("cp1252")


# -- HTTP/2 and later status lines (issue 10, defect 15a) ----------------------------


def test_an_http2_response_written_by_warcio_is_imported() -> None:
    reading = read_warc(WARC / "http2.warc.gz", clock=clock)
    assert reading.refused == ()
    (record,) = reading.records
    assert record["url"] == "https://news.example/h2"
    assert record["content"].startswith('<html><head><meta charset="utf-8">')
    assert "HTTP status: HTTP/2 200" in record["retrieval"]["notes"]
    assert dict(reading.skipped) == {"request": 1}


def _page_response(status_line: str) -> bytes:
    """A response record of the page `<p>page</p>` under this status line."""
    body = b"<p>page</p>"
    block = f"{status_line}\r\nContent-Type: text/html\r\n\r\n".encode() + body
    raw: bytes = BUILD.record(
        "response",
        1,
        block,
        uri="https://news.example/a",
        content_type="application/http; msgtype=response",
        payload=body,
    )
    return raw


@pytest.mark.parametrize("protocol", ["HTTP/2", "HTTP/2.0", "HTTP/3", "HTTP/1.0", "HTTP/1.1"])
def test_http_versions_are_recognised_so_the_payload_digest_holds(protocol: str) -> None:
    raw = _page_response(f"{protocol} 200")
    reading = _one(raw)
    assert reading.refused == ()
    (record,) = reading.records
    assert record["content"] == "<p>page</p>"


@pytest.mark.parametrize("status_line", ["HTTP/20 200", "HTTP/2.x 200", "HTTPS/2 200", "ICY 200"])
def test_what_is_not_an_http_status_line_is_still_refused(status_line: str) -> None:
    raw = _page_response(status_line)
    (refusal,) = _one(raw).refused
    assert refusal.code == "payload-digest-mismatch"


# -- error responses and truncated captures (issue 10, defect 15b, 15d) --------------


ARTICLE_START = "<html><body><p>Council votes on the rive"  # the first 40 bytes


def _statuses(*, allow_truncated: bool = False, include_errors: bool = False) -> WarcReading:
    return read_warc(
        WARC / "statuses.warc",
        name="statuses.warc",
        clock=clock,
        allow_truncated=allow_truncated,
        include_errors=include_errors,
    )


def test_error_responses_are_skipped_and_counted_by_status() -> None:
    reading = _statuses(allow_truncated=True)
    assert [r["url"] for r in reading.records] == [
        "https://news.example/ok",
        "https://news.example/long",
        "https://news.example/cut",
    ]
    assert dict(reading.skipped) == {"http-301": 1, "http-404": 1, "http-500": 1}
    assert reading.refused == ()


def test_include_errors_keeps_error_responses_with_their_status_in_the_notes() -> None:
    reading = _statuses(include_errors=True, allow_truncated=True)
    by_url = {r["url"]: r for r in reading.records}
    assert dict(reading.skipped) == {}
    gone = by_url["https://news.example/gone"]
    assert gone["content"] == "<h1>Not Found</h1>"
    assert "HTTP status: HTTP/1.1 404 Not Found" in gone["retrieval"]["notes"]
    assert "HTTP status 404 is not a success (2xx): kept on request" in gone["retrieval"]["notes"]
    assert "HTTP status 500" in " ".join(by_url["https://news.example/boom"]["retrieval"]["notes"])
    assert "https://news.example/moved" in by_url
    ok_notes = by_url["https://news.example/ok"]["retrieval"]["notes"]
    assert not any("kept on request" in n for n in ok_notes)


def test_a_truncated_capture_is_refused_by_default_and_says_why() -> None:
    reading = _statuses()
    assert [r["url"] for r in reading.records] == ["https://news.example/ok"]
    refused = {r.target_uri: r for r in reading.refused}
    assert {k: r.code for k, r in refused.items()} == {
        "https://news.example/long": "truncated",
        "https://news.example/cut": "truncated",
    }
    reason = refused["https://news.example/long"].reason
    assert "WARC-Truncated: length" in reason
    assert "40 bytes of payload of the 5,000,000 its HTTP Content-Length declares" in reason
    assert "--allow-truncated" in reason


def test_an_allowed_truncated_capture_is_imported_with_a_note_and_a_warning_event() -> None:
    reading = _statuses(allow_truncated=True)
    by_url = {r["url"]: r for r in reading.records}
    long = by_url["https://news.example/long"]
    assert long["content"] == ARTICLE_START
    (note,) = [n for n in long["retrieval"]["notes"] if n.startswith("Truncated capture")]
    assert note == (
        "Truncated capture, imported on request: WARC-Truncated: length, the response was "
        "longer than the crawler would store; the record holds 40 bytes of payload of the "
        "5,000,000 its HTTP Content-Length declares"
    )
    (event,) = long["provenance"]
    assert event["outcome"] == "warning"
    assert event["detail"].endswith("; a truncated capture (WARC-Truncated: length)")
    # A gzip body cut off mid-stream gives what it holds.
    cut = by_url["https://news.example/cut"]
    assert cut["content"] == "<html><body><p>Council votes o"
    assert "WARC-Truncated: disconnect, the connection was lost" in " ".join(
        cut["retrieval"]["notes"]
    )
    ok = by_url["https://news.example/ok"]
    assert ok["provenance"][0]["outcome"] == "success"
    assert not any("Truncated" in n for n in ok["retrieval"]["notes"])
    for record in reading.records:
        assert ArchivedArticle.from_dict(record, now=NOW).to_dict() == record


def test_a_truncated_non_text_or_error_response_is_skipped_not_refused() -> None:
    image = BUILD.response(
        1,
        "https://news.example/pic.png",
        "Content-Type: image/png\r\n",
        b"\x89PNG",
        extra=(("WARC-Truncated", "length"),),
    )
    missing = BUILD.response(
        2,
        "https://news.example/gone",
        "Content-Type: text/html\r\n",
        b"<h1>Not",
        "404 Not Found",
        extra=(("WARC-Truncated", "time"),),
    )
    reading = _one(image + missing)
    assert reading.refused == ()
    assert dict(reading.skipped) == {"http-404": 1, "non-text": 1}


@pytest.mark.parametrize("status_line", ["HTTP/1.1 OK", "HTTP/1.1 2000 OK", "HTTP/1.1"])
def test_a_response_without_a_status_code_is_refused(status_line: str) -> None:
    raw = _page_response(status_line)
    (refusal,) = _one(raw).refused
    assert refusal.code == "bad-http"


def test_a_truncated_chunked_body_and_a_cut_character_keep_what_is_whole() -> None:
    text = "caf\u00e9 \u2014 fin"
    data = text.encode()
    cut = b"5\r\n" + data[:5] + b"\r\n20\r\n" + data[5:8]  # inside the em dash
    raw = BUILD.response(
        1,
        "https://news.example/a",
        "Content-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n",
        cut,
        extra=(("WARC-Truncated", "unspecified"),),
    )
    assert _one(raw).refused[0].code == "truncated"
    reading = read_warc(io.BytesIO(raw), clock=clock, allow_truncated=True)
    (record,) = reading.records
    assert record["content"] == "caf\u00e9 "


def test_import_skips_error_pages_and_refuses_truncated_captures_by_default(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "s")
    code, _, err = _cli("import", "--store", store, str(WARC / "statuses.warc"))
    assert code == 1
    lines = err.splitlines()
    assert lines[-1] == (
        "newsarchive import: 1 imported, 0 duplicates, 2 rejected, "
        "3 skipped (http-301 1, http-404 1, http-500 1)"
    )
    rejected = [line for line in lines if ": rejected: " in line]
    assert len(rejected) == 2
    assert all("truncated capture" in line and "--allow-truncated" in line for line in rejected)


def test_import_flags_allow_truncated_and_include_errors(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    code, out, err = _cli(
        "import",
        "--store",
        store,
        str(WARC / "statuses.warc"),
        "--allow-truncated",
        "--include-errors",
        "--json",
    )
    assert (code, err) == (0, "")
    summary = json.loads(out)
    assert (summary["imported"], summary["rejected"], summary["skipped"]) == (6, 0, 0)
    assert summary["skipped_by_reason"] == {}
    warned = {w["source"].split("(")[-1].rstrip(")") for w in summary["warnings"]}
    assert warned == {"https://news.example/long", "https://news.example/cut"}
    assert all("truncated capture" in w["reason"] for w in summary["warnings"])
    # Without --json, each truncated capture is a warning line.
    code, _, err = _cli(
        "import", "--store", str(tmp_path / "t"), str(WARC / "statuses.warc"), "--allow-truncated"
    )
    assert code == 0
    assert err.count(": warning: a truncated capture (WARC-Truncated: ") == 2
    assert err.splitlines()[-1] == (
        "newsarchive import: 3 imported, 0 duplicates, 0 rejected, "
        "3 skipped (http-301 1, http-404 1, http-500 1)"
    )
