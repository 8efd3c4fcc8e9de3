"""Evidence entries: WARC records of a capture in the segments, indexed, audited, repaired."""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newsarchive.errors import RecordNotFound, StoreError
from newsarchive.store import Store
from newsarchive.store._evidence import (
    evidence_entry,
    evidence_problems,
    parse_warc_record,
    split_warc,
)
from newsarchive.store._write import write_batch
from tests.store_driver import make_record

SEGMENT = Path("segments") / "00000001.jsonl"
REQUEST = b"GET /news HTTP/1.1\r\nHost: news.example\r\nUser-Agent: t\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\n<p>hello</p"


def b32(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


def warc_record(
    kind: str,
    block: bytes,
    record_id: str,
    *,
    block_digest: str | None = None,
    payload_digest: str | None = None,
) -> bytes:
    payload = block.split(b"\r\n\r\n", 1)[1]
    headers = [
        "WARC/1.1",
        f"WARC-Type: {kind}",
        f"WARC-Record-ID: {record_id}",
        "WARC-Date: 2026-03-01T10:00:00Z",
        "WARC-Target-URI: https://news.example/news",
        f"WARC-Block-Digest: {block_digest or b32(block)}",
        f"WARC-Payload-Digest: {payload_digest or b32(payload)}",
        f"Content-Type: application/http; msgtype={kind}",
        f"Content-Length: {len(block)}",
        "",
        "",
    ]
    return "\r\n".join(headers).encode() + block + b"\r\n\r\n"


EXCHANGE = [
    warc_record("request", REQUEST, "<urn:uuid:00000000-0000-4000-8000-000000000001>"),
    warc_record("response", RESPONSE, "<urn:uuid:00000000-0000-4000-8000-000000000002>"),
]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.init(tmp_path / "main") as made:
        made.add([(make_record(0, size=300), False)])
    return Store(tmp_path / "main")


def _verify(store: Store) -> tuple[set[str], Any]:
    report = store.verify(jobs=1, record_event=False)
    return {f.code for f in report.findings if f.severity == "failure"}, report


def test_a_capture_is_one_batch_of_record_evidence_and_events(store: Store) -> None:
    record = make_record(1, size=300)
    event = {"record_id": record["id"], "type": "x-note", "at": "2026-03-01T10:00:00Z"}
    before = store.stats()["batches"]
    assert store.add_capture(record, evidence=EXCHANGE, events=[event]) == "stored"
    assert store.stats()["batches"] == before + 1
    kinds = [line.split(b'"', 2)[1] for line in (store.root / SEGMENT).read_bytes().splitlines()]
    assert kinds[-4:] == [b"record", b"evidence", b"evidence", b"commit"] or kinds[-5:] == [
        b"record",
        b"evidence",
        b"evidence",
        b"event",
        b"commit",
    ]
    found = store.evidence(record["id"])
    assert [e["warc_type"] for e in found] == ["request", "response"]
    assert found[1]["warc_record_id"] == "<urn:uuid:00000000-0000-4000-8000-000000000002>"
    assert found[1]["target_uri"] == "https://news.example/news"
    assert found[1]["digest"] == f"sha256:{hashlib.sha256(EXCHANGE[1]).hexdigest()}"
    assert store.evidence_warc(record["id"]) == b"".join(EXCHANGE)
    assert store.events(record["id"]) == [event]
    assert store.stats()["evidence"] == 2
    failures, report = _verify(store)
    assert failures == set()
    assert report.evidence == 2


def test_a_duplicate_record_writes_nothing(store: Store) -> None:
    record = make_record(0, size=300)
    size = (store.root / SEGMENT).stat().st_size
    assert store.add_capture(record, evidence=EXCHANGE) == "duplicate"
    assert (store.root / SEGMENT).stat().st_size == size


def test_evidence_for_a_stored_record_without_a_new_one(store: Store) -> None:
    rid = make_record(0, size=300)["id"]
    assert store.add_capture(None, evidence=EXCHANGE[1:], supports=rid) is None
    assert [e["warc_type"] for e in store.evidence(rid)] == ["response"]
    with pytest.raises(RecordNotFound):
        store.add_capture(None, evidence=EXCHANGE, supports="0" * 64)
    with pytest.raises(RecordNotFound):
        store.add_capture(None, events=[{"record_id": "0" * 64, "type": "x-note"}])


@pytest.mark.parametrize(
    "raw",
    [
        b"not a warc record",
        b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n",  # no id
        EXCHANGE[0] + EXCHANGE[1],  # two records
        EXCHANGE[0][:-2],  # cut short
    ],
)
def test_bytes_that_are_not_one_warc_record_are_refused(store: Store, raw: bytes) -> None:
    rid = make_record(0, size=300)["id"]
    with pytest.raises(StoreError) as caught:
        store.add_capture(None, evidence=[raw], supports=rid)
    assert caught.value.code == "bad-evidence"


def test_evidence_warc_of_an_unknown_record(store: Store) -> None:
    with pytest.raises(RecordNotFound):
        store.evidence_warc("0" * 64)
    assert store.evidence_warc(make_record(0, size=300)["id"]) == b""


def test_split_warc_reads_gzip_members_and_plain_files() -> None:
    gz = b"".join(gzip.compress(r, mtime=0) for r in EXCHANGE)
    assert split_warc(gz) == EXCHANGE
    assert split_warc(b"".join(EXCHANGE)) == EXCHANGE
    with pytest.raises(ValueError, match="cut short"):
        split_warc(gz[:-5])
    with pytest.raises(ValueError, match="no end"):
        split_warc(EXCHANGE[0] + b"WARC/1.1\r\n")


def test_parse_warc_record_names_what_is_wrong() -> None:
    assert parse_warc_record(EXCHANGE[1]).header("warc-type") == "response"
    for raw, why in [
        (b"HTTP/1.1 200 OK\r\n\r\n", "version"),
        (b"WARC/1.1\r\nno colon\r\n\r\n", "bad WARC header"),
        (b"WARC/1.1\r\nContent-Length: x\r\n\r\n", "Content-Length"),
    ]:
        with pytest.raises(ValueError, match=why):
            parse_warc_record(raw)


# -- store verify: every evidence entry is re-decoded and re-hashed --------------------


def _entry(**changes: Any) -> dict[str, Any]:
    value = evidence_entry(EXCHANGE[1], None)
    value.update(changes)
    return value


def test_a_sound_entry_has_no_problems() -> None:
    assert evidence_problems(_entry()) == []


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        (_entry(extra=1), "bad-entry", "unknown or missing"),
        ({"content": ""}, "bad-entry", "unknown or missing"),
        (_entry(content="***"), "corrupt-evidence", "not base64"),
        (_entry(content=5), "corrupt-evidence", "not base64"),
        (_entry(length=3), "corrupt-evidence", "does not match its bytes"),
        (_entry(digest="sha256:" + "0" * 64), "corrupt-evidence", "does not match its bytes"),
        (_entry(warc_type="request"), "corrupt-evidence", "warc_type is not its WARC-Type"),
        (_entry(target_uri="https://x.example/"), "corrupt-evidence", "target_uri"),
    ],
)
def test_entry_problems(value: dict[str, Any], code: str, words: str) -> None:
    problems = evidence_problems(value)
    assert problems
    assert problems[0][0] == code
    assert words in problems[0][1]


def test_bytes_that_are_no_warc_record_but_match_their_digest() -> None:
    raw = b"junk"
    value = _entry(
        content=base64.b64encode(raw).decode(),
        digest=f"sha256:{hashlib.sha256(raw).hexdigest()}",
        length=4,
    )
    assert evidence_problems(value)[0][1].endswith("not a WARC record: no end of the WARC header")


@pytest.mark.parametrize("header", ["block_digest", "payload_digest"])
def test_warc_digests_inside_the_record_are_rechecked(header: str) -> None:
    wrong = b32(b"something else")
    raw = warc_record("response", RESPONSE, "<urn:uuid:x>", **{header: wrong})
    value = evidence_entry(raw, None)
    name = "WARC-Block-Digest" if header == "block_digest" else "WARC-Payload-Digest"
    message = f"evidence {value['digest']}: {name} differs"
    assert evidence_problems(value) == [("corrupt-evidence", message)]


def test_hex_digests_and_other_algorithms_in_the_record() -> None:
    hexed = "sha256:" + hashlib.sha256(RESPONSE).hexdigest()
    raw = warc_record("response", RESPONSE, "<urn:uuid:x>", block_digest=hexed)
    assert evidence_problems(evidence_entry(raw, None)) == []
    raw = warc_record("response", RESPONSE, "<urn:uuid:x>", block_digest="sha1:AAAA")
    assert evidence_problems(evidence_entry(raw, None)) == []  # not ours to check


def test_verify_finds_evidence_whose_warc_digest_is_wrong(store: Store) -> None:
    raw = warc_record("response", RESPONSE, "<urn:uuid:x>", block_digest=b32(b"other"))
    store.add_capture(make_record(1, size=300), evidence=[raw])
    failures, _ = _verify(store)
    assert failures == {"corrupt-evidence"}


def _write_raw(store: Store, value: dict[str, Any]) -> None:
    with store._lock():
        conn = store._caught_up()
        write_batch(store.root, conn, store.index_state, [("evidence", {"evidence": value}, None)])


def test_verify_finds_dangling_and_corrupt_entries(store: Store) -> None:
    _write_raw(store, _entry(record_id="0" * 64))
    _write_raw(store, _entry(length=1))
    failures, report = _verify(store)
    assert failures == {"dangling-evidence", "corrupt-evidence"}
    assert report.evidence == 2


def test_verify_finds_an_index_row_that_disagrees(store: Store) -> None:
    rid = make_record(0, size=300)["id"]
    store.add_capture(None, evidence=EXCHANGE, supports=rid)
    store.close()
    with contextlib.closing(sqlite3.connect(store.root / "index.sqlite")) as conn:
        conn.execute("UPDATE evidence SET warc_type='resource' WHERE warc_type='request'")
        conn.commit()
    failures, _ = _verify(Store(store.root))
    assert failures == {"index-mismatch"}


def test_an_index_of_version_4_is_rebuilt_with_the_evidence(store: Store) -> None:
    rid = make_record(0, size=300)["id"]
    store.add_capture(None, evidence=EXCHANGE, supports=rid)
    store.close()
    with contextlib.closing(sqlite3.connect(store.root / "index.sqlite")) as conn:
        conn.execute("DROP TABLE evidence")
        conn.execute("UPDATE meta SET value='4' WHERE key='version'")
        conn.commit()
    with Store(store.root) as reopened:
        assert len(reopened.evidence(rid)) == 2


def test_reindex_keeps_the_evidence(store: Store) -> None:
    rid = make_record(0, size=300)["id"]
    store.add_capture(None, evidence=EXCHANGE, supports=rid)
    store.reindex()
    assert store.evidence_warc(rid) == b"".join(EXCHANGE)


def test_repair_restores_a_damaged_evidence_batch(store: Store, tmp_path: Path) -> None:
    record = make_record(1, size=300)
    store.add_capture(record, evidence=EXCHANGE)
    store.close()
    shutil.copytree(store.root, tmp_path / "replica")
    original = (store.root / SEGMENT).read_bytes()
    damaged = bytearray(original)
    damaged[original.index(b"evidence") + 60] ^= 0x04
    (store.root / SEGMENT).write_bytes(bytes(damaged))
    with Store(store.root) as main, Store(tmp_path / "replica") as replica:
        assert "damaged" in _verify(main)[0]
        report = main.repair(replica)
        assert report.unrepaired == []
        assert len(report.restored) == 1
        assert (main.root / SEGMENT).read_bytes() == original
        assert _verify(main)[0] == set()
        assert main.evidence_warc(record["id"]) == b"".join(EXCHANGE)
