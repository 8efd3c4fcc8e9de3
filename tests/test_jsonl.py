from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import JSONError, iter_jsonl, write_jsonl
from newsarchive.jsonl import dumps_line, where


def test_write_then_read() -> None:
    values: list[Any] = [{"b": 1, "a": "x\ny"}, [1, 2], "\u2028", None]
    buf = io.BytesIO()
    assert write_jsonl(buf, values) == 4
    raw = buf.getvalue()
    assert raw.count(b"\n") == 4
    assert raw.splitlines()[0] == b'{"a":"x\\ny","b":1}'
    assert [line.value for line in iter_jsonl(io.BytesIO(raw))] == values


def test_crlf_and_blank_lines_are_tolerated() -> None:
    lines = list(iter_jsonl(io.BytesIO(b'{"a":1}\r\n\r\n  \n[2]\n')))
    assert [(line.number, line.value) for line in lines] == [(1, {"a": 1}), (4, [2])]


def test_a_bad_line_raises_with_its_number() -> None:
    with pytest.raises(JSONError) as info:
        list(iter_jsonl(io.BytesIO(b'{"a":1}\n{"a":1,"a":2}\n{"ok":true}\n')))
    assert info.value.line == 2
    assert info.value.code == "duplicate-key"


def test_a_bad_line_keeps_its_column() -> None:
    # Found in review: the line number was set before the column was read from
    # the error's own (first) line, so every line but the first lost its column.
    raw = b'{"a": }\n{"a":1}\n  {"b": 1,}\n'
    lines = list(iter_jsonl(io.BytesIO(raw), keep_going=True))
    assert [(x.error.line, x.error.column) for x in lines if x.error] == [(1, 7), (3, 11)]
    assert (where("f.jsonl", 3, lines[-1].error), where("f.jsonl", 2), where("f.json", None)) == (
        "f.jsonl:3:11",
        "f.jsonl:2",
        "f.json",
    )


def test_keep_going_reports_and_continues() -> None:
    raw = b'{"a":1}\n{broken\n\xff\xfe\n[NaN]\n{"z":0}\n'
    lines = list(iter_jsonl(io.BytesIO(raw), keep_going=True))
    assert [line.number for line in lines] == [1, 2, 3, 4, 5]
    assert [line.error.code if line.error else None for line in lines] == [
        None,
        "bad-json",
        "bad-utf8",
        "non-finite-number",
        None,
    ]
    assert lines[4].value == {"z": 0}


def test_overlong_line_is_reported_without_holding_it() -> None:
    raw = b'{"a":1}\n"' + b"x" * 100 + b'"\n[3]\n'
    lines = list(iter_jsonl(io.BytesIO(raw), keep_going=True, max_line_bytes=50))
    assert [line.value for line in lines] == [{"a": 1}, None, [3]]
    assert lines[1].error is not None
    assert lines[1].error.code == "line-too-long"


def test_streaming_reads_lazily() -> None:
    class Counting(io.BytesIO):
        lines_read = 0

        def readline(self, size: int | None = -1) -> bytes:
            self.lines_read += 1
            return super().readline(size)

    stream = Counting(b"[1]\n" * 1000)
    first = next(iter(iter_jsonl(stream)))
    assert first.value == [1]
    assert stream.lines_read == 1


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(blacklist_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(blacklist_categories=["Cs"])), children, max_size=4)
    ),
    max_leaves=15,
)


@given(st.lists(json_values, max_size=10))
def test_round_trip_property(values: list[Any]) -> None:
    buf = io.BytesIO()
    write_jsonl(buf, values)
    assert [line.value for line in iter_jsonl(io.BytesIO(buf.getvalue()))] == values


@given(json_values)
def test_one_value_is_exactly_one_line(value: Any) -> None:
    line = dumps_line(value)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1


@given(st.binary(max_size=200))
def test_reader_raises_only_json_error(data: bytes) -> None:
    for line in iter_jsonl(io.BytesIO(data), keep_going=True):
        assert (line.error is None) or isinstance(line.error, JSONError)
