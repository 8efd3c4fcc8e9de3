"""Evidence bundles: each rung checked on its own, every changed byte caught, no other record."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from newsarchive import ArchivedArticle
from newsarchive._json import canonical_dumps
from newsarchive.errors import ProofError
from newsarchive.proofs import (
    BUNDLE_FORMAT,
    Checkpoint,
    MemoryTree,
    entry_leaf_hash,
    generate_signer,
    load_tsa_trust,
    make_bundle,
    parse_signer_key,
    timestamp_request,
    verify_bundle,
)
from tests.tsa_server import OPENSSL, TestTsa

if TYPE_CHECKING:
    from collections.abc import Callable

VECTORS = json.loads(
    (Path(__file__).parent / "data/transparency/signed-note/vectors.json").read_text()
)
SIGNER = parse_signer_key(next(k["skey"] for k in VECTORS["keys"] if k["name"] == "Log"))
VKEY = SIGNER.verifier()
ORIGIN = "news.example/archive"


def _records(n: int) -> list[ArchivedArticle]:
    return [
        ArchivedArticle.create(
            url=f"https://news.example/story/{i}",
            content=f"Story {i}: the council met.\nIt rained. ✓\n",
            retrieved_at=f"2024-01-0{1 + i % 9}T10:00:00Z",
            title=f"Story {i}",
            tags=["local"],
        )
        for i in range(n)
    ]


class Log:
    """A small log in store order: records, a blob and its record, an event."""

    def __init__(self) -> None:
        self.records = _records(6)
        big = self.records[4].to_dict()
        digest = big["content_digest"]
        self.entries: list[dict[str, Any]] = [{"record": r.to_dict()} for r in self.records[:4]]
        self.entries.append(
            {"blob": {"content": big["content"], "digest": digest, "length": big["content_length"]}}
        )
        bare = {k: v for k, v in big.items() if k != "content"}
        self.entries.append({"content_blob": digest, "record": bare})
        self.entries.append({"event": {"record_id": big["id"], "type": "note", "text": "seen"}})
        self.entries.append({"record": self.records[5].to_dict()})
        self.tree = MemoryTree(entry_leaf_hash(e) for e in self.entries)
        self.checkpoint = Checkpoint(ORIGIN, self.tree.size, self.tree.root())
        self.note = self.checkpoint.sign([SIGNER])

    def bundle(
        self, index: int, *, content: bool = True, token: bytes | None = None
    ) -> dict[str, Any]:
        entry = self.entries[index]
        record = entry["record"]
        text = record.get("content") if "content" in record else self.entries[4]["blob"]["content"]
        return make_bundle(
            entry,
            text if content else None,
            index,
            self.tree.inclusion_proof(index),
            self.note,
            token,
        )


@pytest.fixture(scope="module")
def log() -> Log:
    return Log()


def test_a_good_bundle_holds_on_every_rung(log: Log) -> None:
    bundle = log.bundle(2)
    assert bundle["format"] == BUNDLE_FORMAT
    report = verify_bundle(canonical_dumps(bundle), VKEY)
    assert report.ok, report.to_dict()
    assert [(r.name, r.status) for r in report.rungs] == [
        ("content", "ok"),
        ("record", "ok"),
        ("inclusion", "ok"),
        ("checkpoint", "ok"),
        ("timestamp", "absent"),
    ]
    assert report.record_id == log.records[2].id
    assert (report.leaf_index, report.tree_size) == (2, 8)
    assert "signed by Log" in report.rung("checkpoint").detail


@pytest.mark.parametrize("index", [0, 5, 7])
def test_bundles_for_plain_and_blob_records(log: Log, index: int) -> None:
    assert verify_bundle(log.bundle(index), [VKEY]).ok


def test_no_content_still_proves_the_record(log: Log) -> None:
    bundle = log.bundle(1, content=False)
    assert "content" not in bundle
    report = verify_bundle(bundle, VKEY)
    assert report.ok
    assert report.rung("content").status == "absent"
    assert report.rung("record").status == "ok"


def test_a_bundle_shows_no_other_record(log: Log) -> None:
    text = canonical_dumps(log.bundle(2, content=False)).decode()
    for i, record in enumerate(log.records):
        if i != 2:
            assert record.id not in text
            assert f"Story {i}" not in text
    assert "Story 2" in text
    assert set(json.loads(text)) == {
        "format",
        "entry",
        "leaf_index",
        "inclusion_proof",
        "checkpoint",
        "digests",
    }
    assert SIGNER.private_string().split("+", 4)[4] not in text  # the base64 may hold "+"


def test_a_checkpoint_signed_by_another_key_fails_that_rung(log: Log) -> None:
    other = generate_signer("Log")
    bundle = log.bundle(3)
    bundle["checkpoint"] = log.checkpoint.sign([other]).decode()
    bundle["digests"].pop("checkpoint_sha256")
    report = verify_bundle(bundle, VKEY)
    assert report.failed == ("checkpoint",)
    assert report.rung("checkpoint").detail == (
        f"checkpoint of {ORIGIN}: no signature by a known key"
    )
    assert verify_bundle(bundle, other.verifier()).ok


def test_a_changed_record_fails_record_and_inclusion(log: Log) -> None:
    bundle = log.bundle(3)
    bundle["entry"]["record"]["title"] = "Another title"
    report = verify_bundle(bundle, VKEY)
    assert report.failed == ("record", "inclusion")
    assert "record_digest does not match" in report.rung("record").detail


def test_another_leaf_index_fails_inclusion(log: Log) -> None:
    bundle = log.bundle(3)
    bundle["leaf_index"] = 2
    assert verify_bundle(bundle, VKEY).failed == ("inclusion",)


@pytest.mark.parametrize(
    "data",
    [b"", b"not json", b"[]", b"{}", b'{"format": "newsarchive-evidence/v0"}', b'"x"'],
)
def test_input_that_is_not_a_bundle_is_malformed(data: bytes) -> None:
    with pytest.raises(ProofError) as caught:
        verify_bundle(data, VKEY)
    assert caught.value.code == "not-a-bundle"


def test_make_bundle_refuses_entries_that_are_not_records(log: Log) -> None:
    with pytest.raises(ProofError, match="record entry"):
        make_bundle(log.entries[4], None, 4, [], log.note)


# -- every byte ----------------------------------------------------------------------

_SWAP = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "BCDEFGHIJKLMNOPQRSTUVWXYZAbcdefghijklmnopqrstuvwxyza1234567890/+",
)


def _tampered(text: str, start: int, end: int) -> list[str]:
    """The bundle text with one character changed, for each position in [start, end)."""
    out = []
    for i in range(start, end):
        new = text[i].translate(_SWAP)
        if new != text[i]:
            out.append(text[:i] + new + text[i + 1 :])
    return out


def _span(text: str, member: str) -> tuple[int, int]:
    """Where the JSON value of a top-level member lies in canonical text."""
    key = f'"{member}":'
    start = text.index(key) + len(key)
    depth, i, in_string = 0, start, False
    while True:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
                if depth == 0:
                    return start, i + 1
        elif depth == 0 and c in ",}":
            return start, i  # a number
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return start, i + 1
        i += 1


def _check_every_byte(
    bundle: dict[str, Any], member: str, rungs: set[str], verify: Callable[[str], Any]
) -> int:
    text = canonical_dumps(bundle).decode()
    start, end = _span(text, member)
    checked = 0
    for variant in _tampered(text, start, end):
        try:
            json.loads(variant)
        except ValueError:
            continue
        report = verify(variant)
        assert not report.ok, (member, variant[start:end])
        assert set(report.failed) & rungs, (member, report.failed)
        checked += 1
    return checked


@pytest.mark.parametrize(
    ("member", "rungs"),
    [
        ("entry", {"record", "inclusion"}),
        ("content", {"content"}),
        ("leaf_index", {"inclusion"}),
        ("inclusion_proof", {"inclusion"}),
        ("checkpoint", {"checkpoint", "inclusion"}),
    ],
)
def test_every_changed_byte_fails_a_named_rung(log: Log, member: str, rungs: set[str]) -> None:
    bundle = log.bundle(5)
    checked = _check_every_byte(bundle, member, rungs, lambda t: verify_bundle(t, VKEY))
    assert checked > 0


# -- with a time-stamp ---------------------------------------------------------------


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> TestTsa:
    if OPENSSL is None:
        pytest.skip("the test TSA signs with openssl ts")
    return TestTsa(tmp_path_factory.mktemp("tsa"))


@pytest.fixture(scope="module")
def stamped(log: Log, tsa: TestTsa) -> dict[str, Any]:
    request, _ = timestamp_request(log.note)
    return log.bundle(2, token=tsa.sign(request))


def test_a_stamped_bundle(stamped: dict[str, Any], tsa: TestTsa, tmp_path: Path) -> None:
    import jsonschema

    schema_path = Path(__file__).parents[1] / "schemas" / "evidence-bundle-v1.schema.json"
    jsonschema.validate(stamped, json.loads(schema_path.read_text()))
    trust = load_tsa_trust(tsa.chain_pem)
    report = verify_bundle(stamped, VKEY, trust)
    assert report.ok, report.to_dict()
    assert report.rung("timestamp").detail.startswith("stamped at ")
    unchecked = verify_bundle(stamped, VKEY)
    assert not unchecked.ok
    assert unchecked.rung("timestamp").status == "unchecked"
    other = TestTsa(tmp_path / "other", name="Other TSA")
    untrusted = verify_bundle(stamped, VKEY, load_tsa_trust(other.chain_pem))
    assert untrusted.failed == ("timestamp",)


def test_a_stamp_of_another_checkpoint_fails(log: Log, tsa: TestTsa) -> None:
    request, _ = timestamp_request(log.note + b"x")
    bundle = log.bundle(2, token=tsa.sign(request))
    report = verify_bundle(bundle, VKEY, load_tsa_trust(tsa.chain_pem))
    assert report.failed == ("timestamp",)
    assert report.rung("timestamp").detail == "Mismatch between messages"


def test_a_stamped_bundle_with_a_changed_record(stamped: dict[str, Any], tsa: TestTsa) -> None:
    bundle = json.loads(json.dumps(stamped))
    bundle["content"] = bundle["content"].replace("rained", "snowed")
    report = verify_bundle(bundle, VKEY, load_tsa_trust(tsa.chain_pem))
    assert report.failed == ("content",)  # the leaf holds no content: record and proof still hold


def test_every_changed_token_byte_fails(stamped: dict[str, Any], tsa: TestTsa) -> None:
    trust = load_tsa_trust(tsa.chain_pem)
    checked = _check_every_byte(
        stamped, "timestamp", {"timestamp"}, lambda t: verify_bundle(t, VKEY, trust)
    )
    assert checked > 1000
    token = base64.b64decode(stamped["timestamp"])
    assert len(token) * 4 // 3 <= checked + 8


def test_token_bytes_outside_the_signature_change_nothing_it_proves(
    stamped: dict[str, Any], tsa: TestTsa
) -> None:
    # Without the bundle's digest of the token, a few bytes of a CMS token are not
    # covered by its signature (algorithm identifiers outside the signed
    # attributes). A token changed there may still verify, but only if the
    # time-stamp it carries (time, serial, imprint) is the very same.
    from newsarchive.proofs import parse_timestamp_response

    bundle = json.loads(json.dumps(stamped))
    bundle["digests"].pop("timestamp_sha256")
    trust = load_tsa_trust(tsa.chain_pem)
    original = parse_timestamp_response(base64.b64decode(bundle["timestamp"])).tst_info
    text = canonical_dumps(bundle).decode()
    start, end = _span(text, "timestamp")
    still_valid = 0
    for variant in _tampered(text, start, end):
        report = verify_bundle(variant, VKEY, trust)
        if report.ok:
            still_valid += 1
            token = base64.b64decode(json.loads(variant)["timestamp"])
            info = parse_timestamp_response(token).tst_info
            assert (info.gen_time, info.serial_number, info.message_imprint.message) == (
                original.gen_time,
                original.serial_number,
                original.message_imprint.message,
            )
        else:
            assert report.failed == ("timestamp",)
    assert still_valid < 40


def test_without_content_a_sha512_record_is_checked_by_its_digest() -> None:
    record = ArchivedArticle.create(
        url="https://news.example/a",
        content="text\n",
        retrieved_at="2024-01-01T00:00:00Z",
        algorithm="sha512",
    )
    entry = {"record": record.to_dict()}
    tree = MemoryTree([entry_leaf_hash(entry)])
    note = Checkpoint(ORIGIN, 1, tree.root()).sign([SIGNER])
    report = verify_bundle(make_bundle(entry, None, 0, [], note), VKEY)
    assert report.ok
    assert report.rung("record").detail.endswith("the id needs the content (sha512)")
    with_content = verify_bundle(make_bundle(entry, "text\n", 0, [], note), VKEY)
    assert with_content.rung("record").detail.startswith("record digest and id")
    changed = make_bundle(entry, None, 0, [], note)
    changed["entry"]["record"]["id"] = "0" * 64
    assert "record" in verify_bundle(changed, VKEY).failed


def test_bundles_match_the_published_schema(log: Log) -> None:
    import jsonschema

    schema = json.loads(
        (Path(__file__).parents[1] / "schemas" / "evidence-bundle-v1.schema.json").read_text()
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for index in (0, 5, 7):
        for content in (True, False):
            validator.validate(json.loads(canonical_dumps(log.bundle(index, content=content))))
    bad = log.bundle(0)
    bad["entry"]["record"]["content"] = "x"
    assert not validator.is_valid(bad)
