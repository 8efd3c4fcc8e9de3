"""Segment files (store/_segment): batches, commit lines, damage and torn tails, byte by byte.

The layout rules of the module docstring are a contract (store layout 1): these
tests pin what `scan` yields for each kind of line, the exact ranges of every
batch, damage and tail, and the reasons `store verify` reports.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any
from unittest.mock import ANY

import pytest

from newsarchive.store._segment import (
    Batch,
    Damage,
    Entry,
    Tail,
    commit_line,
    entry_kind,
    scan,
    seal,
)

REC = b'{"record":{"a":1}}\n'
EVENT = b'{"event":{"record_id":null}}\n'
BLOB = b'{"blob":{"content":"x","digest":"d","length":1}}\n'


def _scan(data: bytes, start: int = 0, stop: int | None = None, **kw: Any) -> list[Any]:
    return list(scan(io.BytesIO(data), start, stop, **kw))


def _sha(*lines: bytes) -> str:
    return hashlib.sha256(b"".join(lines)).hexdigest()


def test_a_sealed_batch_is_its_lines_then_a_commit_line_over_their_sha256() -> None:
    lines = [REC, EVENT]
    data, digest = seal(lines, 7)
    assert digest == _sha(*lines)
    assert data == REC + EVENT + commit_line(2, 7, digest)
    assert commit_line(2, 7, digest) == (
        b'{"commit":{"entries":2,"seq":7,"sha256":"' + digest.encode() + b'"}}\n'
    )
    (batch,) = _scan(data)
    assert batch == Batch(
        0,
        len(data),
        7,
        digest,
        2,
        (
            Entry("record", {"record": {"a": 1}}, 0, REC),
            Entry("event", {"event": {"record_id": None}}, len(REC), EVENT),
        ),
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({"record": {"a": 1}}, "record"),
        ({"record": {}, "content_blob": "sha256:ab"}, "record"),
        ({"blob": {"digest": "d"}}, "blob"),
        ({"event": {}}, "event"),
        ({"record": {}, "extra": 1}, None),  # nothing beside record and content_blob
        ({"record": {}, "content_blob": "d", "event": {}}, None),
        ({"record": [1]}, None),  # a record is an object
        ({"record": {}, "content_blob": 5}, None),  # a blob digest is a string
        ({"record": "x", "content_blob": 5}, None),
        ({"blob": [1]}, None),
        ({"event": "e"}, None),
        ({"commit": {}}, None),  # a commit line is not an entry
        ({"other": {}}, None),
        ({"blob": {}, "event": {}}, None),  # one kind per line
        ({}, None),
        ([{"record": {}}], None),
        ("record", None),
        (None, None),
    ],
)
def test_entry_kind(value: Any, kind: str | None) -> None:
    assert entry_kind(value) == kind


def test_batches_follow_each_other_and_start_and_stop_select_them() -> None:
    first, d1 = seal([REC], 1)
    second, d2 = seal([EVENT, BLOB], 2)
    data = first + second
    one, two = _scan(data)
    assert (one.start, one.end, one.seq, one.sha256, one.count) == (0, len(first), 1, d1, 1)
    assert (two.start, two.end, two.seq, two.sha256, two.count) == (
        len(first),
        len(data),
        2,
        d2,
        2,
    )
    assert [e.offset for e in two.entries] == [len(first), len(first) + len(EVENT)]
    assert [e.kind for e in two.entries] == ["event", "blob"]
    assert _scan(data, len(first)) == [two]
    assert _scan(data, 0, len(first)) == [one]
    assert _scan(data, len(first), len(data)) == [two]


def test_stop_inside_a_batch_leaves_it_as_a_tail() -> None:
    first, _ = seal([REC], 1)
    second, _ = seal([EVENT, BLOB], 2)
    data = first + second
    stop = len(first) + len(EVENT) + 5
    one, tail = _scan(data, 0, stop)
    assert one.end == len(first)
    assert tail == Tail(len(first), stop, torn=True, reason="interrupted write (torn tail)")


def test_without_check_batches_are_neither_hashed_nor_parsed() -> None:
    data, digest = seal([REC, b"not json\n"], 1)
    wrong = data.replace(digest.encode(), b"0" * 64)
    (batch,) = _scan(wrong, check=False)
    assert batch == Batch(0, len(data), 1, "0" * 64, 2, checked=False)
    assert batch.entries == ()


def test_without_parse_batches_are_hashed_but_not_parsed() -> None:
    data, digest = seal([REC, b"not json\n"], 3)
    (batch,) = _scan(data, parse=False)
    assert batch == Batch(0, len(data), 3, digest, 2)
    assert batch.checked
    wrong = data.replace(digest.encode(), b"0" * 64)
    assert _scan(wrong, parse=False) == [Damage(0, len(data), "batch 3 does not match its sha256")]


def test_a_batch_whose_sha256_does_not_match_is_damage() -> None:
    data, _ = seal([REC], 4)
    altered = data.replace(b'"a":1', b'"a":2')
    assert _scan(altered) == [Damage(0, len(data), "batch 4 does not match its sha256")]


def test_a_commit_line_with_another_count_is_damage() -> None:
    good, _ = seal([REC], 1)
    bad = REC + EVENT + commit_line(3, 2, _sha(REC, EVENT))
    assert _scan(good + bad) == [
        _scan(good)[0],
        Damage(len(good), len(good) + len(bad), "batch 2 has 2 entries, commit says 3"),
    ]
    # the counts are compared before the digest: an empty batch with a count is damage too
    lone = commit_line(1, 5, _sha())
    assert _scan(lone) == [Damage(0, len(lone), "batch 5 has 0 entries, commit says 1")]


def test_an_empty_batch_with_a_matching_commit_is_a_batch() -> None:
    data, digest = seal([], 9)
    assert digest == _sha()
    assert _scan(data) == [Batch(0, len(data), 9, digest, 0)]


@pytest.mark.parametrize(
    "commit",
    [
        b'{"commit":not json}\n',
        b'{"commit":{"entries":1,"seq":1,"sha256":"x"},"more":1}\n',
        b'{"commit":[1,1,"x"]}\n',
        b'{"commit":{"entries":1,"seq":1}}\n',
        b'{"commit":{"entries":1,"seq":1,"sha256":"x","z":0}}\n',
        b'{"commit":{"entries":true,"seq":1,"sha256":"x"}}\n',
        b'{"commit":{"entries":1.0,"seq":1,"sha256":"x"}}\n',
        b'{"commit":{"entries":1,"seq":true,"sha256":"x"}}\n',
        b'{"commit":{"entries":1,"seq":"1","sha256":"x"}}\n',
        b'{"commit":{"entries":1,"seq":1,"sha256":1}}\n',
        b'{"commit":null}\n',
    ],
)
def test_a_malformed_commit_line_is_damage_up_to_it(commit: bytes) -> None:
    good, _ = seal([EVENT], 1)
    data = good + REC + commit
    after, _ = seal([BLOB], 3)
    (batch,) = _scan(data + after, len(data))
    assert (batch.start, batch.end, batch.seq) == (len(data), len(data) + len(after), 3)
    assert _scan(data + after) == [
        _scan(good)[0],
        Damage(len(good), len(data), f"bad commit line at byte {len(good) + len(REC)}"),
        batch,
    ]


def test_a_sealed_batch_with_a_line_that_is_no_entry_is_damage_naming_the_line() -> None:
    data, _ = seal([REC, b"[1,2]\n"], 6)
    assert _scan(data) == [
        Damage(0, len(data), f"batch 6: line at byte {len(REC)} is not a store entry")
    ]
    data, _ = seal([REC, EVENT, b"{nope\n"], 7)
    offset = len(REC) + len(EVENT)
    assert _scan(data) == [Damage(0, len(data), f"batch 7: line at byte {offset} is not JSON")]


def test_whole_entry_lines_after_the_last_commit_are_an_uncommitted_batch() -> None:
    good, _ = seal([REC], 1)
    data = good + EVENT + BLOB
    assert _scan(data)[1:] == [
        Tail(len(good), len(data), torn=True, reason="interrupted write (uncommitted batch)")
    ]


def test_a_partial_last_line_is_a_torn_tail() -> None:
    good, _ = seal([REC], 1)
    for cut in (1, len(EVENT) + 3):
        data = good + (EVENT + BLOB)[:cut]
        assert _scan(data)[1:] == [
            Tail(len(good), len(data), torn=True, reason="interrupted write (torn tail)")
        ]
    # a commit line cut short is a tear too: its batch was not completed
    whole, _ = seal([EVENT], 2)
    data = good + whole[:-5]
    assert _scan(data)[1:] == [
        Tail(len(good), len(data), torn=True, reason="interrupted write (torn tail)")
    ]


def test_a_complete_commit_line_whose_line_feed_was_altered_is_damage_not_a_tear() -> None:
    good, _ = seal([REC], 1)
    whole, _ = seal([EVENT, BLOB], 5)  # a seq other than the count
    data = good + whole[:-1] + b"\r"
    commit_at = len(good) + len(EVENT) + len(BLOB)
    assert _scan(data)[1:] == [
        Tail(len(good), len(data), torn=False, reason=f"commit line at byte {commit_at} altered")
    ]
    # only its line feed missing, it is a prefix of what was written: a tear
    assert _scan(good + whole[:-1])[1].torn


def test_a_commit_line_without_line_feed_that_does_not_match_is_a_tear() -> None:
    good, _ = seal([REC], 1)
    for commit in (
        commit_line(3, 2, _sha(EVENT, BLOB)),  # another count
        commit_line(2, 2, _sha(EVENT)),  # another digest
        commit_line(2, 2, _sha(EVENT + BLOB)[:-1]),  # a cut digest
    ):
        data = good + EVENT + BLOB + commit[:-1] + b"\r"
        assert _scan(data)[1] == Tail(
            len(good), len(data), torn=True, reason="interrupted write (torn tail)"
        )


def test_a_whole_line_after_the_last_commit_that_is_no_entry_is_damage() -> None:
    good, _ = seal([REC], 1)
    for junk in (b"garbage\n", b'{"other":{}}\n'):
        data = good + EVENT + junk + b'{"rec'
        assert _scan(data)[1:] == [
            Tail(
                len(good),
                len(data),
                torn=False,
                reason=f"line at byte {len(good) + len(EVENT)} is not an entry",
            )
        ]


def test_scan_reads_from_the_first_byte_by_default() -> None:
    data, _ = seal([REC], 1)
    stream = io.BytesIO(data)
    stream.seek(0, io.SEEK_END)  # wherever the stream is, scan seeks to `start`
    assert list(scan(stream)) == _scan(data, 0) == [Batch(0, len(data), 1, _sha(REC), 1, ANY)]


def test_every_batch_is_hashed_not_only_the_first() -> None:
    first, _ = seal([REC], 1)
    second, _ = seal([EVENT], 2)
    altered = second.replace(b"null", b"true")
    data = first + altered
    assert _scan(data)[1] == Damage(len(first), len(data), "batch 2 does not match its sha256")
    assert _scan(data, parse=False)[1] == Damage(
        len(first), len(data), "batch 2 does not match its sha256"
    )


def test_without_check_no_batch_is_hashed() -> None:
    first, _ = seal([REC], 1)
    second, digest = seal([EVENT], 2)
    altered = second.replace(b"null", b"true")
    data = first + altered
    assert _scan(data, check=False)[1] == Batch(len(first), len(data), 2, digest, 1, checked=False)
