"""WARC 1.1 export and import: lossless round trips, warcio's own checks, foreign and bad input."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle
from newsarchive._warcframe import b32_digest, check_digest
from newsarchive.cli import run
from newsarchive.errors import MissingExtra, WarcError
from newsarchive.store import ImportOptions, Store, import_paths
from newsarchive.warc import (
    RECORD_CONTENT_TYPE,
    WarcReading,
    looks_like_warc,
    read_warc,
    write_warc,
)
from tests import strategies
from tests.conftest import DATA, NOW

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


def test_export_is_deterministic_and_names_what_it_holds() -> None:
    data = _export(_records(), gzip=False)
    assert data == _export(_records(), gzip=False)
    assert data == _export([r.to_dict() for r in _records()], gzip=False)
    assert data.startswith(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")
    head = data.split(b"WARC/1.1\r\nWARC-Type: resource\r\n")[1].split(b"\r\n\r\n")[0].decode()
    assert "WARC-Date: 2024-05-01T10:00:00.123456789Z" in head
    assert "WARC-Target-URI: https://news.example/world/2024/river-data?utm_source=rss" in head
    assert "Content-Type: text/plain; charset=utf-8" in head
    body = _records()[0].content.encode()  # type: ignore[union-attr]
    assert f"WARC-Block-Digest: {b32_digest(body)}" in head
    assert f"WARC-Payload-Digest: {b32_digest(body)}" in head
    assert f"Content-Type: {RECORD_CONTENT_TYPE}".encode() in data
    assert data.count(b"WARC-Refers-To: <urn:uuid:") == 2


@pytest.mark.parametrize("gzip", [True, False])
def test_warcio_check_and_index_accept_our_output(tmp_path: Path, gzip: bool) -> None:
    path = tmp_path / ("out.warc.gz" if gzip else "out.warc")
    path.write_bytes(_export(_records(), gzip=gzip))
    check = _warcio("check", "-v", str(path))
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 5  # warcinfo + 2 x (resource, metadata)
    index = _warcio("index", "-f", "warc-type,warc-target-uri,offset,length", str(path))
    assert index.returncode == 0, index.stderr
    kinds = [json.loads(line)["warc-type"] for line in index.stdout.splitlines()]
    assert kinds == ["warcinfo", "resource", "metadata", "resource", "metadata"]


@given(st.lists(strategies.records(), max_size=3), st.booleans())
def test_any_records_round_trip(records: list[ArchivedArticle], gzip: bool) -> None:
    reading = _read(_export(records, gzip=gzip))
    assert list(reading.records) == [r.to_dict() for r in records]
    assert reading.refused == ()


def test_a_record_without_content_is_refused() -> None:
    bare = _records()[0].without_content()
    with pytest.raises(WarcError) as info:
        _export([bare])
    assert info.value.code == "no-content"
    assert bare.id in str(info.value)


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
    (refusal,) = reading.refused
    assert refusal.code == "invalid-record"
    assert "content" in refusal.reason
    assert refusal.target_uri == records[0].url


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


def test_metadata_away_from_its_resource_is_refused() -> None:
    data = _export(_records()[:1], gzip=False)
    _, info, resource, metadata = data.split(b"WARC/1.1\r\n")
    swapped = b"".join(b"WARC/1.1\r\n" + r for r in (info, metadata, resource))
    reading = _read(swapped)
    assert [r.code for r in reading.refused] == ["no-resource"]
    # The resource alone is an ordinary foreign resource record.
    (record,) = reading.records
    assert record["retrieval"]["method"] == "warc-import"


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
        "ftp://files.example/a.txt": "bad-url",
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
    assert dict(reading.skipped) == {"non-text": 1, "request": 1, "revisit": 1, "warcinfo": 1}


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
    assert "unknown digest algorithm" in (check_digest("whirlpool:AAAA", data) or "")
    assert check_digest("sha1:not base anything!", data) is not None


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
    assert (summary["imported"], summary["rejected"], summary["skipped"]) == (3, 5, 4)
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
