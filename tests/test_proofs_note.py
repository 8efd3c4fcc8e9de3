"""C2SP signed notes, tlog-checkpoints and key files against every signed-note vector."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from newsarchive.errors import ProofError
from newsarchive.proofs import (
    Checkpoint,
    generate_key_file,
    generate_signer,
    load_signer_key,
    load_verifier_key,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    verify_note,
)

NOTES = Path(__file__).parent / "data" / "transparency" / "signed-note"
VECTORS = json.loads((NOTES / "vectors.json").read_text())
CHECKPOINTS = json.loads((NOTES / "checkpoints.json").read_text())
KEYS = {k["name"]: k for k in VECTORS["keys"]}


def _note_bytes(case: dict[str, str]) -> bytes:
    return bytes.fromhex(case["signed_note_hex"]) if "signed_note_hex" in case else b""


@pytest.mark.parametrize("key", VECTORS["keys"], ids=lambda k: k["name"])
def test_verifier_keys_round_trip(key: dict[str, object]) -> None:
    vkey = parse_verifier_key(str(key["vkey"]))
    assert vkey.name == key["name"]
    assert f"{vkey.key_id:08x}" == key["key_id_hex"]
    assert vkey.public_key.hex() == key["public_key_hex"]
    assert str(vkey) == key["vkey"]


@pytest.mark.parametrize(
    "key", [k for k in VECTORS["keys"] if "skey" in k], ids=lambda k: k["name"]
)
def test_signer_keys_give_their_verifier(key: dict[str, object]) -> None:
    signer = parse_signer_key(str(key["skey"]))
    assert signer.seed.hex() == key["seed_hex"]
    assert str(signer.verifier()) == key["vkey"]
    assert signer.private_string() == key["skey"]
    secret = str(key["skey"]).split("+", 4)[4]
    assert secret not in repr(signer) + str(signer)


@pytest.mark.parametrize("case", VECTORS["bad_verifier_keys"], ids=lambda c: c["why"])
def test_bad_verifier_keys_are_rejected(case: dict[str, str]) -> None:
    with pytest.raises(ProofError) as caught:
        parse_verifier_key(case["vkey"])
    assert caught.value.code == "bad-key"


@pytest.mark.parametrize(
    "text", ["", "PeterNeumann", "a+b", "PeterNeumann+c74f20a3+!!!", "PRIVATE+KEY+x+00000000+AQ=="]
)
def test_malformed_key_strings(text: str) -> None:
    with pytest.raises(ProofError, match="verifier key"):
        parse_verifier_key(text)


def test_a_signer_key_with_a_wrong_id_is_refused_without_quoting_it() -> None:
    skey = KEYS["PeterNeumann"]["skey"].replace("c74f20a3", "c74f20a4")
    with pytest.raises(ProofError) as caught:
        parse_signer_key(skey)
    assert skey.split("+", 4)[4] not in str(caught.value)
    with pytest.raises(ProofError, match="PRIVATE"):
        parse_signer_key(KEYS["PeterNeumann"]["vkey"])


@pytest.mark.parametrize("case", VECTORS["notes"], ids=lambda c: c["id"])
def test_signed_notes(case: dict[str, object]) -> None:
    data = _note_bytes(case)  # type: ignore[arg-type]
    assert data == (NOTES / "notes" / f"{case['id']}.note").read_bytes()
    verifiers = [parse_verifier_key(v) for v in case["verifier_keys"]]  # type: ignore[attr-defined]
    expect: dict[str, object] = case["expect"]  # type: ignore[assignment]
    note = parse_note(data)
    assert note.to_bytes() == data
    verdict = verify_note(note, verifiers)
    if expect.get("parse_only"):
        assert f"{note.signatures[0].key_id:08x}" == expect["key_id_hex"]
        assert len(note.signatures[0].signature) + 4 == expect["signature_bytes"]
        assert "\n\n" in note.text
        assert not verdict.ok
        return
    assert verdict.ok is expect["valid"]
    if expect["valid"]:
        assert list(verdict.verified) == expect["verified"]
        assert list(verdict.unverified) == expect["unverified"]
    else:
        want = {"note has no verifiable signatures": "no signature by a known key"}
        assert verdict.reason == want.get(str(expect["error"]), expect["error"])
        if "unverified" in expect:
            assert list(verdict.unverified) == expect["unverified"]


def test_corrupted_signature_names_the_key() -> None:
    case = next(c for c in VECTORS["notes"] if c["id"] == "peter-corrupted-signature")
    verdict = verify_note(_note_bytes(case), [parse_verifier_key(KEYS["PeterNeumann"]["vkey"])])
    assert verdict.failed == ("PeterNeumann+c74f20a3",)
    assert verdict.reason == "invalid signature for key PeterNeumann+c74f20a3"


def test_signing_reproduces_the_upstream_signatures() -> None:
    single = next(c for c in VECTORS["notes"] if c["id"] == "peter-single")
    both = next(c for c in VECTORS["notes"] if c["id"] == "peter-enoch-both-verifiers")
    peter = parse_signer_key(KEYS["PeterNeumann"]["skey"])
    enoch = parse_signer_key(KEYS["EnochRoot"]["skey"])
    assert sign_note(single["text"], [peter]) == _note_bytes(single)
    assert sign_note(parse_note(_note_bytes(single)), [enoch]) == _note_bytes(both)


@pytest.mark.parametrize("case", VECTORS["malformed_notes"], ids=lambda c: c["desc"])
def test_malformed_notes(case: dict[str, object]) -> None:
    with pytest.raises(ProofError) as caught:
        parse_note(bytes.fromhex(str(case["note_hex"])))
    assert caught.value.code == "malformed-note"


def test_sixteen_signatures_are_accepted() -> None:
    text = "hello\n"
    signers = [generate_signer(f"k{i}") for i in range(16)]
    verdict = verify_note(sign_note(text, signers), [s.verifier() for s in signers])
    assert verdict.ok
    assert len(verdict.verified) == 16


def test_verifier_list_lookup() -> None:
    lookup = VECTORS["go_verifier_list_lookup"]
    verifiers = [parse_verifier_key(v) for v in lookup["verifiers"]]
    peter = parse_signer_key(KEYS["PeterNeumann"]["skey"])
    enoch = parse_signer_key(KEYS["EnochRoot"]["skey"])
    assert verify_note(sign_note("x\n", [peter]), verifiers).verified == ("PeterNeumann",)
    with pytest.raises(ProofError, match=r"ambiguous key EnochRoot\+af0cfe78"):
        verify_note(sign_note("x\n", [enoch]), verifiers)
    wrong_id = parse_note(sign_note("x\n", [peter]))
    sig = wrong_id.signatures[0]
    renamed = type(wrong_id)(wrong_id.text, (type(sig)("PeterNeuman", sig.key_id, sig.signature),))
    assert verify_note(renamed, verifiers).unverified == ("PeterNeuman",)
    other = type(wrong_id)(wrong_id.text, (type(sig)(sig.name, 0xC74F20A4, sig.signature),))
    assert verify_note(other, verifiers).unverified == ("PeterNeumann",)


def test_a_note_signed_by_another_key_is_not_verified() -> None:
    data = sign_note("text\n", [generate_signer("PeterNeumann")])
    verdict = verify_note(data, [parse_verifier_key(KEYS["PeterNeumann"]["vkey"])])
    assert not verdict.ok
    assert verdict.unverified == ("PeterNeumann",)  # same name, other key ID


# -- checkpoints ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CHECKPOINTS["signed_checkpoints"], ids=lambda c: c["id"])
def test_signed_checkpoints(case: dict[str, object]) -> None:
    data = str(case["signed_note"]).encode()
    verifiers = [parse_verifier_key(str(case["verifier_key"]))] if case.get("verifier_key") else []
    opened = open_checkpoint(data, verifiers)
    assert opened.checkpoint.text() == case["note_text"]
    if "origin" in case:
        assert opened.checkpoint.origin == case["origin"]
        assert opened.checkpoint.size == case["tree_size"]
        assert opened.checkpoint.root.hex() == case["root_hash_hex"]
    assert opened.ok is case["verifiable"]
    if "cosignature" in case:
        cosig: dict[str, object] = case["cosignature"]  # type: ignore[assignment]
        witness = opened.verdict.note.signatures[1]
        assert f"{witness.key_id:08x}" == cosig["key_id_hex"]
        assert int.from_bytes(witness.signature[:8], "big") == cosig["timestamp"]
        assert witness.signature[8:].hex() == cosig["ed25519_signature_hex"]


def test_cosigned_go_checksum_database_checkpoint() -> None:
    data = (NOTES / "notes" / "sumdb-checkpoint-cosigned.note").read_bytes()
    names = ["sum.golang.org", "monkeys", "bananas", "witness"]
    verifiers = [parse_verifier_key(KEYS[n]["vkey"]) for n in names]
    opened = open_checkpoint(data, verifiers)
    assert opened.ok
    assert list(opened.verdict.verified) == names
    assert opened.checkpoint.size == 6476701
    # Only the witness known: still a valid note, by the witness alone.
    assert open_checkpoint(data, verifiers[3:]).verdict.unverified == tuple(names[:3])


@pytest.mark.parametrize(
    "case", CHECKPOINTS["format_vectors"]["marshal"], ids=lambda c: c["origin"]
)
def test_checkpoint_marshal(case: dict[str, object]) -> None:
    cp = Checkpoint(
        str(case["origin"]), int(str(case["tree_size"])), bytes.fromhex(str(case["root_hash_hex"]))
    )
    assert cp.text() == case["want"]


@pytest.mark.parametrize(
    "case", CHECKPOINTS["format_vectors"]["unmarshal_valid"], ids=lambda c: repr(c["input"])
)
def test_checkpoint_unmarshal_valid(case: dict[str, Any]) -> None:
    if case["rest"].startswith("\n"):
        # C2SP: extension lines MUST be non-empty; transparency-dev accepts this one, we do not.
        with pytest.raises(ProofError, match="empty extension line"):
            parse_checkpoint(case["input"], hash_size=None)
        return
    cp = parse_checkpoint(case["input"], hash_size=None)
    assert (cp.origin, cp.size, cp.root.hex()) == (
        case["origin"],
        case["tree_size"],
        case["root_hash_hex"],
    )
    assert "".join(line + "\n" for line in cp.extensions) == case["rest"]
    assert cp.text() == case["input"]
    if len(cp.root) != 32:
        with pytest.raises(ProofError, match="not 32"):
            parse_checkpoint(case["input"])


@pytest.mark.parametrize(
    "case", CHECKPOINTS["format_vectors"]["unmarshal_invalid"], ids=lambda c: c["desc"]
)
def test_checkpoint_unmarshal_invalid(case: dict[str, str]) -> None:
    with pytest.raises(ProofError) as caught:
        parse_checkpoint(case["input"])  # sumdb's corrupt root decodes to 35 bytes, not 32
    assert caught.value.code == "malformed-checkpoint"


@pytest.mark.parametrize("size", ["+5", "05", "18446744073709551616", "1e3", " 5"])
def test_checkpoint_sizes_are_plain_decimals(size: str) -> None:
    root = base64.b64encode(b"\x00" * 32).decode()
    with pytest.raises(ProofError, match="tree size"):
        parse_checkpoint(f"log\n{size}\n{root}\n")
    assert parse_checkpoint(f"log\n18446744073709551615\n{root}\n").size == 2**64 - 1


def test_checkpoint_sign_and_open() -> None:
    signer = generate_signer("example.org/log")
    cp = Checkpoint("example.org/log", 3, b"\x01" * 32, ("ext line",))
    opened = open_checkpoint(cp.sign([signer]), [signer.verifier()])
    assert opened.ok
    assert opened.checkpoint == cp
    assert not open_checkpoint(
        cp.sign([signer]), [generate_signer("example.org/log").verifier()]
    ).ok


# -- key files -----------------------------------------------------------------------


def test_key_file_is_0600_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    old_umask = os.umask(0)
    try:
        vkey = generate_key_file("example.org/log", path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("PRIVATE+KEY+example.org/log+")
    assert text.endswith("\n")
    signer = load_signer_key(path)
    assert signer.verifier() == vkey
    assert load_verifier_key(str(vkey)) == vkey
    (tmp_path / "log.pub").write_text(f"{vkey}\n")
    assert load_verifier_key(tmp_path / "log.pub") == vkey
    with pytest.raises(ProofError) as caught:
        generate_key_file("other", path)
    assert caught.value.code == "key-file-exists"
    assert path.read_text() == text


def test_a_readable_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    generate_key_file("log", path)
    path.chmod(0o644)
    with pytest.raises(ProofError, match="chmod 600") as caught:
        load_signer_key(path)
    assert caught.value.code == "key-file-permissions"
    with pytest.raises(ProofError, match="cannot read key file"):
        load_signer_key(tmp_path / "absent")


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\there"])
def test_bad_key_names(name: str) -> None:
    with pytest.raises(ProofError) as caught:
        generate_signer(name)
    assert caught.value.code == "bad-key-name"


def test_without_cryptography_signing_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from newsarchive.errors import MissingExtra

    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric.ed25519", None)
    with pytest.raises(MissingExtra) as caught:
        generate_signer("log")
    assert caught.value.message == (
        "signing and checking notes needs cryptography: pip install 'newsarchive[proofs]'"
    )
    vkey = parse_verifier_key(KEYS["PeterNeumann"]["vkey"])  # parsing needs no cryptography
    with pytest.raises(MissingExtra):
        vkey.verify(b"x", b"y")


# -- mutation gaps (issue 16): the reasons a malformed note or key is refused, edge cases --

MALFORMED_REASONS = {
    "text only, no blank line/signatures": "no blank line before the signatures",
    "text plus blank line, no signatures": "no signature lines ending in a newline",
    "signature line missing final newline": "no signature lines ending in a newline",
    "leading 0x01 control character": "control character",
    "leading 0xff byte (invalid UTF-8)": "not UTF-8",
    "key name with a space": "no signature lines ending in a newline",  # the vector has no LF
    "non-signature line after signatures": "a line after the blank line is not a signature",
}


@pytest.mark.parametrize("case", VECTORS["malformed_notes"], ids=lambda c: c["desc"])
def test_a_malformed_note_says_why(case: dict[str, object]) -> None:
    with pytest.raises(ProofError) as caught:
        parse_note(bytes.fromhex(str(case["note_hex"])))
    why = MALFORMED_REASONS.get(str(case["desc"]), "more than 100 signatures")
    assert caught.value.message == f"malformed note: {why}"


def test_a_signature_line_with_a_space_in_the_name_says_why() -> None:
    case = next(c for c in VECTORS["malformed_notes"] if c["desc"] == "key name with a space")
    with pytest.raises(ProofError) as caught:
        parse_note(bytes.fromhex(case["note_hex"]) + b"\n")
    assert caught.value.message == "malformed note: a signature line is not '— name base64'"


def test_a_note_whose_text_is_one_empty_line_parses() -> None:
    # Go's note.Open splits at the last "\n\n" even at the very start: the text is "\n".
    peter = parse_signer_key(KEYS["PeterNeumann"]["skey"])
    data = sign_note("\n", [peter])
    assert data.startswith(b"\n\n\xe2\x80\x94 PeterNeumann ")
    note = parse_note(data)
    assert note.text == "\n"
    assert verify_note(note, [peter.verifier()]).verified == ("PeterNeumann",)


def test_a_verifier_key_with_a_wrong_id_names_the_kind_of_key() -> None:
    case = next(c for c in VECTORS["bad_verifier_keys"] if "does not match" in c["why"])
    with pytest.raises(ProofError) as caught:
        parse_verifier_key(case["vkey"])
    assert caught.value.message == "malformed verifier key: the key ID does not match the key"


def test_an_ambiguous_key_has_its_code() -> None:
    enoch = parse_signer_key(KEYS["EnochRoot"]["skey"])
    verifiers = [parse_verifier_key(v) for v in VECTORS["go_verifier_list_lookup"]["verifiers"]]
    with pytest.raises(ProofError) as caught:
        verify_note(sign_note("x\n", [enoch]), verifiers)
    assert caught.value.code == "ambiguous-key"


def test_a_second_signature_by_the_same_key_is_skipped_and_the_rest_checked() -> None:
    peter = parse_signer_key(KEYS["PeterNeumann"]["skey"])
    enoch = parse_signer_key(KEYS["EnochRoot"]["skey"])
    note = parse_note(sign_note("x\n", [peter]))
    (good,) = note.signatures
    forged = type(good)(good.name, good.key_id, bytes(64))
    later = parse_note(sign_note("x\n", [enoch])).signatures
    three = type(note)(note.text, (good, forged, *later))
    verdict = verify_note(three, [peter.verifier(), enoch.verifier()])
    assert (verdict.verified, verdict.failed) == (("PeterNeumann", "EnochRoot"), ())


@pytest.mark.parametrize("text", ["no newline", "a\x01b\n", "tab\there\n"])
def test_sign_note_refuses_text_that_is_not_a_note(text: str) -> None:
    with pytest.raises(ProofError) as caught:
        sign_note(text, [generate_signer("k")])
    assert caught.value.code == "malformed-note"
    assert caught.value.message == (
        "a note's text ends in a newline and holds no control characters"
    )


def test_a_bad_key_name_says_what_a_name_is() -> None:
    with pytest.raises(ProofError) as caught:
        generate_signer("two words")
    assert caught.value.message == "a key name must be non-empty, without spaces or '+'"


def _vkey(name: str, key: bytes, kid: int | None = None) -> str:
    """A verifier key string for `key` (type byte included) with its true ID unless given."""
    from newsarchive.proofs._note import key_id

    kid = key_id(name, key) if kid is None else kid
    return f"{name}+{kid:08x}+{base64.b64encode(key).decode()}"


PETER_PUBLIC = b"\x01" + bytes.fromhex(KEYS["PeterNeumann"]["public_key_hex"])


def test_an_upper_case_key_id_is_read_as_go_reads_it() -> None:
    vkey = KEYS["PeterNeumann"]["vkey"]
    assert parse_verifier_key(vkey.replace("c74f20a3", "C74F20A3")).key_id == 0xC74F20A3


@pytest.mark.parametrize("name", ["two words", "a+b", ""])
def test_a_key_name_with_a_space_or_plus_is_refused_even_with_its_true_id(name: str) -> None:
    text = _vkey(name, PETER_PUBLIC)
    with pytest.raises(ProofError) as caught:
        parse_verifier_key(text)
    assert caught.value.code == "bad-key"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PeterNeumann", "malformed verifier key: want name+keyid+key"),
        ("PeterNeumann+c74f20a3+!!!", "malformed verifier key"),
        (
            "PeterNeumann+c74f20+" + base64.b64encode(PETER_PUBLIC).decode(),
            "malformed verifier key",
        ),
        (
            _vkey("x", b"\x65" + PETER_PUBLIC[1:]),
            "unsupported verifier key: key type 101 is not Ed25519",
        ),
        (_vkey("x", PETER_PUBLIC + b"\x00"), "malformed verifier key: an Ed25519 key is 32 bytes"),
        (_vkey("x", PETER_PUBLIC[:-1]), "malformed verifier key: an Ed25519 key is 32 bytes"),
    ],
)
def test_a_bad_verifier_key_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ProofError) as caught:
        parse_verifier_key(text)
    assert (caught.value.code, caught.value.message) == ("bad-key", message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PeterNeumann+c74f20a3+AQ==", "malformed signer key: want PRIVATE+KEY+name+keyid+key"),
        ("PRIVATE+KEY+PeterNeumann", "malformed signer key: want name+keyid+key"),
        ("PRIVATE+KEY+Peter Neumann+c74f20a3+AQ==", "malformed signer key"),
        ("PRIVATE+KEY+x+00000000+ZQ==", "unsupported signer key: key type 101 is not Ed25519"),
    ],
)
def test_a_bad_signer_key_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ProofError) as caught:
        parse_signer_key(text)
    assert (caught.value.code, caught.value.message) == ("bad-key", message)


def test_a_signer_key_with_a_wrong_id_names_the_kind_of_key() -> None:
    skey = KEYS["PeterNeumann"]["skey"].replace("c74f20a3", "c74f20a4")
    with pytest.raises(ProofError) as caught:
        parse_signer_key(skey)
    assert caught.value.message == "malformed signer key: the key ID does not match the key"


def _peter_note() -> bytes:
    return sign_note("x\n", [parse_signer_key(KEYS["PeterNeumann"]["skey"])])


def test_a_hundred_signature_lines_are_accepted_a_hundred_and_one_are_not() -> None:
    text, line = _peter_note().split(b"\n\n")
    hundred = text + b"\n\n" + line * 100
    assert len(parse_note(hundred).signatures) == 1  # repeated lines are dropped
    with pytest.raises(ProofError, match="more than 100 signatures"):
        parse_note(hundred + line)


def test_a_repeated_signature_line_is_dropped() -> None:
    data = _peter_note()
    note = parse_note(data + data.split(b"\n\n")[1])
    assert note.signatures == parse_note(data).signatures


def _sig_line(name: str, blob: bytes) -> bytes:
    return f"\u2014 {name} {base64.b64encode(blob).decode()}\n".encode()


def test_a_signature_holds_a_key_id_and_at_least_one_byte() -> None:
    note = parse_note(b"x\n\n" + _sig_line("k", bytes([0, 0, 1, 2, 9])))
    assert (note.signatures[0].key_id, note.signatures[0].signature) == (0x102, b"\x09")
    for blob in (b"\x00\x00\x01\x02", b"\x00"):
        with pytest.raises(ProofError, match="is not '— name base64'"):
            parse_note(b"x\n\n" + _sig_line("k", blob))


@pytest.mark.parametrize("name", ["a+b", ""])
def test_a_signature_line_with_a_bad_key_name_is_malformed(name: str) -> None:
    with pytest.raises(ProofError, match="is not '— name base64'"):
        parse_note(b"x\n\n" + _sig_line(name, bytes(68)))


def test_checkpoints_are_consistent_when_the_proof_shows_the_old_tree_a_prefix() -> None:
    from newsarchive.proofs import EMPTY_ROOT, MemoryTree, checkpoints_consistent, hash_leaf

    tree = MemoryTree(hash_leaf(bytes([i])) for i in range(8))
    old, new = Checkpoint("o", 3, tree.root(3)), Checkpoint("o", 8, tree.root(8))
    proof = tree.consistency_proof(3, 8)
    assert checkpoints_consistent(old, new, proof)
    assert checkpoints_consistent(new, new, [])
    assert not checkpoints_consistent(new, old, proof)
    assert not checkpoints_consistent(Checkpoint("p", 3, old.root), new, proof)
    assert not checkpoints_consistent(old, Checkpoint("o", 8, tree.root(7)), proof)
    assert not checkpoints_consistent(old, new, proof[1:])
    empty = Checkpoint("o", 0, EMPTY_ROOT)
    assert checkpoints_consistent(empty, new, [])
    assert checkpoints_consistent(empty, empty, [])
    assert not checkpoints_consistent(empty, new, proof)
    assert not checkpoints_consistent(Checkpoint("o", 0, tree.root(1)), new, [])
    assert not checkpoints_consistent(Checkpoint("p", 0, EMPTY_ROOT), new, [])
    one = Checkpoint("o", 1, tree.root(1))
    assert checkpoints_consistent(one, new, tree.consistency_proof(1, 8))
