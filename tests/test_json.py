"""Strict JSON reading and RFC 8785 canonical writing (`newsarchive._json`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from newsarchive._json import MAX_DEPTH, MAX_SAFE_INTEGER, canonical_dumps, loads
from newsarchive.errors import JSONError

from .conftest import DATA

SUITE = DATA / "jsontestsuite" / "test_parsing"
CASES = sorted(p for p in SUITE.iterdir() if p.suffix == ".json")

#: `y_` cases (valid JSON) that we refuse on purpose: I-JSON (RFC 7493 §2.3)
#: forbids duplicate member names, and the stdlib would silently keep the last.
REFUSED_VALID = {
    "y_object_duplicated_key.json": "duplicate-key",
    "y_object_duplicated_key_and_value.json": "duplicate-key",
}

#: Every `i_` case (implementation-defined) and what we do: None = accepted,
#: otherwise the error code. The test below checks this table covers them all.
IMPLEMENTATION_DEFINED: dict[str, str | None] = {
    "i_number_double_huge_neg_exp.json": None,  # underflows to 0.0: finite
    "i_number_real_underflow.json": None,
    "i_number_huge_exp.json": "non-finite-number",
    "i_number_neg_int_huge_exp.json": "non-finite-number",
    "i_number_pos_double_huge_exp.json": "non-finite-number",
    "i_number_real_neg_overflow.json": "non-finite-number",
    "i_number_real_pos_overflow.json": "non-finite-number",
    "i_number_too_big_neg_int.json": "integer-out-of-range",
    "i_number_too_big_pos_int.json": "integer-out-of-range",
    "i_number_very_big_negative_int.json": "integer-out-of-range",
    "i_object_key_lone_2nd_surrogate.json": "lone-surrogate",
    "i_string_1st_surrogate_but_2nd_missing.json": "lone-surrogate",
    "i_string_1st_valid_surrogate_2nd_invalid.json": "lone-surrogate",
    "i_string_incomplete_surrogate_and_escape_valid.json": "lone-surrogate",
    "i_string_incomplete_surrogate_pair.json": "lone-surrogate",
    "i_string_incomplete_surrogates_escape_valid.json": "lone-surrogate",
    "i_string_invalid_lonely_surrogate.json": "lone-surrogate",
    "i_string_invalid_surrogate.json": "lone-surrogate",
    "i_string_inverted_surrogates_U+1D11E.json": "lone-surrogate",
    "i_string_lone_second_surrogate.json": "lone-surrogate",
    "i_string_UTF-16LE_with_BOM.json": "bad-utf8",
    "i_string_UTF-8_invalid_sequence.json": "bad-utf8",
    "i_string_UTF8_surrogate_U+D800.json": "bad-utf8",
    "i_string_invalid_utf-8.json": "bad-utf8",
    "i_string_iso_latin_1.json": "bad-utf8",
    "i_string_lone_utf8_continuation_byte.json": "bad-utf8",
    "i_string_not_in_unicode_range.json": "bad-utf8",
    "i_string_overlong_sequence_2_bytes.json": "bad-utf8",
    "i_string_overlong_sequence_6_bytes.json": "bad-utf8",
    "i_string_overlong_sequence_6_bytes_null.json": "bad-utf8",
    "i_string_truncated-utf-8.json": "bad-utf8",
    "i_string_utf16BE_no_BOM.json": "bad-utf8",
    "i_string_utf16LE_no_BOM.json": "bad-utf8",
    "i_structure_500_nested_arrays.json": "too-deep",
    "i_structure_UTF-8_BOM_empty_object.json": "bom",
}


def _outcome(data: bytes) -> str | None:
    try:
        loads(data)
    except JSONError as exc:
        return exc.code
    return None


def test_the_suite_is_present_and_the_table_is_complete() -> None:
    names = {p.name for p in CASES}
    assert len(names) == 318
    assert {n for n in names if n.startswith("i_")} == set(IMPLEMENTATION_DEFINED)
    assert set(REFUSED_VALID) <= names


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_json_test_suite(case: Any) -> None:
    outcome = _outcome(case.read_bytes())
    name = case.name
    if name in REFUSED_VALID:
        assert outcome == REFUSED_VALID[name]
    elif name.startswith("y_"):
        assert outcome is None
    elif name.startswith("n_"):
        assert outcome is not None
    else:
        assert outcome == IMPLEMENTATION_DEFINED[name]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (b'{"a": 1, "a": 2}', "duplicate-key"),
        (b"[NaN]", "non-finite-number"),
        (b"[-Infinity]", "non-finite-number"),
        (b"[1e400]", "non-finite-number"),
        (str(MAX_SAFE_INTEGER + 1).encode(), "integer-out-of-range"),
        (b"9" * 5000, "integer-out-of-range"),
        (b'["\\ud800"]', "lone-surrogate"),
        (b'{"\\udc00": 1}', "lone-surrogate"),
        (b"\xef\xbb\xbf{}", "bom"),
        (b'["\xff"]', "bad-utf8"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "too-deep"),
        (b"[" * 100_000, "too-deep"),
        (b'{"a": }', "bad-json"),
        (b"", "bad-json"),
    ],
)
def test_each_refusal_has_its_code(text: bytes, code: str) -> None:
    with pytest.raises(JSONError) as caught:
        loads(text)
    assert caught.value.code == code


def test_errors_carry_line_and_column() -> None:
    with pytest.raises(JSONError) as caught:
        loads(b'{\n  "a": 1,\n  "b": ]\n}')
    assert (caught.value.line, caught.value.column) == (3, 8)
    with pytest.raises(JSONError) as caught:
        loads(b'{\n "a": "\xc3"}')
    assert (caught.value.code, caught.value.line, caught.value.column) == ("bad-utf8", 2, 8)


def test_limits_are_inclusive() -> None:
    assert loads(str(MAX_SAFE_INTEGER)) == MAX_SAFE_INTEGER
    assert loads(str(-MAX_SAFE_INTEGER)) == -MAX_SAFE_INTEGER
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(deep) is not None
    assert loads("[[[]]]", max_depth=3) == [[[]]]
    with pytest.raises(JSONError):
        loads("[[[[]]]]", max_depth=3)


def test_str_input_and_type_errors() -> None:
    assert loads('{"é": "ß"}') == {"é": "ß"}
    with pytest.raises(JSONError):
        loads("\ufeff{}")
    with pytest.raises(TypeError):
        loads(3)  # type: ignore[arg-type]


def test_canonical_examples() -> None:
    assert canonical_dumps({"b": [1, "ü\n"], "a": None}) == b'{"a":null,"b":[1,"\xc3\xbc\\n"]}'
    # RFC 8785 §3.2.3: keys sort by UTF-16 code units, so U+1F600 (D83D ...)
    # comes before U+FB01, unlike code-point order.
    assert canonical_dumps({"\ufb01": 1, "\U0001f600": 2}) == rfc8785.dumps(
        {"\ufb01": 1, "\U0001f600": 2}
    )
    assert canonical_dumps({"\ufb01": 1, "\U0001f600": 2}).index("😀".encode()) < 5
    assert canonical_dumps([1.0, 0.1, 1e21]) == b"[1,0.1,1e+21]"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ([float("nan")], JSONError),
        ([2**53], JSONError),
        ([2.0**53], JSONError),  # would be written as an integer we refuse to read
        (["\ud800"], JSONError),
        ({"\ud800": 1}, JSONError),
        ({1: 2}, TypeError),
        ([object()], TypeError),
    ],
)
def test_canonical_refuses_what_is_not_json(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        canonical_dumps(value)


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False).filter(
        # integral floats in this range are refused (see the examples above)
        lambda f: not (f.is_integer() and MAX_SAFE_INTEGER < abs(f) < 1e21)
    )
    | st.text(st.characters(blacklist_categories=["Cs"]))
)
json_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(blacklist_categories=["Cs"])), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_canonical_equals_rfc8785_and_round_trips(value: Any) -> None:
    data = canonical_dumps(value)
    assert data == rfc8785.dumps(value)
    assert loads(data) == value
    assert canonical_dumps(loads(data)) == data


CODES = {
    "bad-json",
    "bad-utf8",
    "bom",
    "duplicate-key",
    "integer-out-of-range",
    "lone-surrogate",
    "non-finite-number",
    "too-deep",
}


def _agrees_with_stdlib(data: bytes) -> None:
    """Either a documented refusal, or the same value the stdlib reads."""
    outcome = _outcome(data)
    if outcome is None:
        assert loads(data) == json.loads(data)
    else:
        assert outcome in CODES


@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_json_error(data: bytes) -> None:
    _agrees_with_stdlib(data)


@given(json_values.map(json.dumps), st.integers(0, 50), st.binary(min_size=1, max_size=3))
def test_mutated_documents_raise_only_json_error(text: str, at: int, junk: bytes) -> None:
    data = text.encode("utf-8")
    _agrees_with_stdlib(data[:at] + junk + data[at + 1 :])


@pytest.mark.parametrize(
    "value",
    [
        [1.5, "\ud800"],  # a float sends it down the rfc8785 path
        {"\U0001f600": "\udfff"},  # so does a key at or above U+D800
        [1.5, {"a": ["x", "\udc00"]}],
    ],
)
def test_lone_surrogate_is_the_same_error_on_both_writer_paths(value: Any) -> None:
    # rfc8785 raised its CanonicalizationError, re-raised as TypeError.
    with pytest.raises(JSONError) as info:
        canonical_dumps(value)
    assert info.value.code == "lone-surrogate"


def test_an_unexpected_rfc8785_refusal_stays_a_type_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only a lone surrogate becomes JSONError; anything else rfc8785 refuses is not ours to name.
    def refuse(value: Any) -> bytes:
        raise rfc8785.CanonicalizationError("something else")

    monkeypatch.setattr(rfc8785, "dumps", refuse)
    with pytest.raises(TypeError, match="something else"):
        canonical_dumps([1.5])
