"""Strict JSON reading and RFC 8785 canonical writing (`newsarchive._json`)."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import _json
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


# -- issue 16: what the mutation run showed untested ---------------------------------------


def _nested_objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_object_nesting_depth_is_limited_like_arrays() -> None:
    assert loads(_nested_objects(MAX_DEPTH)) is not None
    with pytest.raises(JSONError) as caught:
        loads(_nested_objects(MAX_DEPTH + 1))
    assert caught.value.code == "too-deep"
    assert f"nested deeper than {MAX_DEPTH} levels" in str(caught.value)
    assert loads('{"a":{"b":{}}}', max_depth=3) == {"a": {"b": {}}}
    with pytest.raises(JSONError, match="nested deeper than 2 levels"):
        loads('{"a":{"b":{}}}', max_depth=2)
    with pytest.raises(JSONError, match="nested deeper than 2 levels"):
        loads('[{"b":[]}]', max_depth=2)


def test_recursion_beyond_the_interpreter_is_too_deep() -> None:
    with pytest.raises(JSONError) as caught:
        loads('{"a":' * 100_000)
    assert caught.value.code in {"too-deep", "bad-json"}
    with pytest.raises(JSONError) as caught:
        loads("[" * 100_000 + "]" * 100_000)
    assert caught.value.code == "too-deep"


@pytest.mark.parametrize("data", ["\ufeff{}", b"\xef\xbb\xbf{}", bytearray(b"\xef\xbb\xbf[]")])
def test_bom_has_its_own_code_for_bytes_and_str(data: str | bytes) -> None:
    with pytest.raises(JSONError) as caught:
        loads(data)
    assert caught.value.code == "bom"
    assert "byte order mark" in str(caught.value)


def test_a_bom_after_the_start_is_just_bad_json() -> None:
    with pytest.raises(JSONError) as caught:
        loads(" \ufeff{}")
    assert caught.value.code == "bad-json"


def test_integer_limits_on_reading() -> None:
    assert loads(b"9007199254740991") == 2**53 - 1
    assert loads(b"-9007199254740991") == -(2**53 - 1)
    assert loads(b"9007199254740991.0") == 9007199254740991.0
    for text in (b"9007199254740992", b"-9007199254740992", b"99999999999999999"):
        with pytest.raises(JSONError) as caught:
            loads(text)
        assert caught.value.code == "integer-out-of-range"
        assert "outside \u00b1(2**53-1)" in str(caught.value)
    long = b"1" * 60
    with pytest.raises(JSONError) as caught:
        loads(long)
    assert f"integer {'1' * 40}... is outside" in str(caught.value)


def test_integer_limits_on_writing() -> None:
    assert canonical_dumps(2**53 - 1) == b"9007199254740991"
    assert canonical_dumps(-(2**53 - 1)) == b"-9007199254740991"
    assert canonical_dumps(9007199254740991.0) == b"9007199254740991"
    assert canonical_dumps(1e21) == b"1e+21"
    for value in (2**53, -(2**53), [2**53]):
        with pytest.raises(JSONError) as caught:
            canonical_dumps(value)
        assert caught.value.code == "integer-out-of-range"
    for number in (9007199254740992.0, -9007199254740992.0, 1e20):
        with pytest.raises(JSONError) as caught:
            canonical_dumps(number)
        assert caught.value.code == "integer-out-of-range"
        assert "would be written as an integer" in str(caught.value)


class _Colour(enum.IntEnum):
    RED = 1


class _Name(str):
    __slots__ = ()


class _Ratio(float):
    pass


class _Items(list[Any]):
    pass


class _Record(dict[str, Any]):
    pass


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (_Colour.RED, b"1"),
        ({"c": _Colour.RED}, b'{"c":1}'),
        (_Name("x"), b'"x"'),
        (_Ratio(0.5), b"0.5"),
        (_Items([1, _Name("a")]), b'[1,"a"]'),
        (_Record(b=1, a=[_Colour.RED]), b'{"a":[1],"b":1}'),
        ([True, False, None], b"[true,false,null]"),
    ],
)
def test_subclasses_of_json_types_are_written_as_their_base(value: Any, expected: bytes) -> None:
    assert canonical_dumps(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({1: "a"}, "object keys must be str, not int"),
        ({"a": 1, _Colour.RED: 2}, "object keys must be str, not _Colour"),
        ([object()], "object is not JSON data"),
        ((1, 2), "tuple is not JSON data"),
        ({"a": b"x"}, "bytes is not JSON data"),
    ],
)
def test_writer_type_errors_name_the_type(value: Any, words: str) -> None:
    with pytest.raises(TypeError, match=words):
        canonical_dumps(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ([float("nan")], "non-finite-number"),
        ({"a": float("inf")}, "non-finite-number"),
        (["\ud800"], "lone-surrogate"),
        ({"\udc00": 1}, "lone-surrogate"),
        ({"\U0001f600": 1, "\ud800": 2}, "lone-surrogate"),
        ({"\U0001f600": ["\ud800"]}, "lone-surrogate"),
    ],
)
def test_writer_refusals_have_codes(value: Any, code: str) -> None:
    with pytest.raises(JSONError) as caught:
        canonical_dumps(value)
    assert caught.value.code == code


def test_astral_keys_are_sorted_by_utf16_code_units() -> None:
    # U+FF61 sorts after U+1F600 in UTF-16 (D83D DE00 < FF61), before it by code point.
    value = {"\uff61": 1, "\U0001f600": 2, "a": 3}
    assert canonical_dumps(value) == rfc8785.dumps(value)
    assert canonical_dumps(value).index("\U0001f600".encode()) < canonical_dumps(value).index(
        "\uff61".encode()
    )


def test_non_ascii_keys_below_the_surrogates_take_the_fast_path() -> None:
    value = {"\u00e9": 1, "z": 2}
    assert canonical_dumps(value) == rfc8785.dumps(value) == '{"z":2,"\u00e9":1}'.encode()


def test_loads_refuses_what_is_not_text() -> None:
    with pytest.raises(TypeError, match="expected bytes or str, not int"):
        loads(1)  # type: ignore[arg-type]


def _nested_list(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


@pytest.mark.parametrize("leaf", ["x", 1.5, 1])
def test_writer_refuses_what_the_reader_would_refuse_as_too_deep(leaf: Any) -> None:
    # canonical_dumps wrote 129-254 levels that loads refuses, raised TypeError from
    # orjson's limit at 255, and RecursionError on the rfc8785 path beyond that.
    assert loads(canonical_dumps(_nested_list(MAX_DEPTH, leaf))) == _nested_list(MAX_DEPTH, leaf)
    for depth in (MAX_DEPTH + 1, 255, 5000):
        with pytest.raises(JSONError) as caught:
            canonical_dumps(_nested_list(depth, leaf))
        assert caught.value.code == "too-deep"
    with pytest.raises(JSONError, match=f"nested deeper than {MAX_DEPTH} levels"):
        canonical_dumps(_nested_list(MAX_DEPTH, {"a": 1}))


def test_an_unexpected_orjson_refusal_stays_a_type_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import orjson

    def refuse(value: Any, option: int = 0) -> bytes:
        raise orjson.JSONEncodeError("something else")

    monkeypatch.setattr(orjson, "dumps", refuse)
    with pytest.raises(TypeError, match="something else"):
        canonical_dumps(["x"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"[NaN]", "NaN is not a JSON number"),
        (b"[-Infinity]", "-Infinity is not a JSON number"),
        (b"[1e400]", "number 1e400 overflows to infinity"),
        (b"[" + b"9" * 400 + b".0]", f"number {'9' * 40} overflows to infinity"),
        (b"9007199254740992", "integer 9007199254740992 is outside \u00b1(2**53-1)"),
        (b"9" * 40, f"integer {'9' * 40} is outside"),
        (b"9" * 41, f"integer {'9' * 40}... is outside"),
        (b'["\\ud800"]', "string holds a lone surrogate (not Unicode text)"),
        (b'{"\\udc00": 1}', "object key holds a lone surrogate"),
        (b'{"k": 1, "k": 2}', "duplicate key 'k' in an object"),
    ],
)
def test_refusal_messages_name_the_bad_input(text: bytes, message: str) -> None:
    with pytest.raises(JSONError) as caught:
        loads(text)
    assert str(caught.value) == message or str(caught.value).startswith(message + " ")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xef\xbb\xbf{}", "JSON text starts with a byte order mark (I-JSON forbids it)"),
        ("\ufeff{}", "JSON text starts with a byte order mark (I-JSON forbids it)"),
        (b'\n[\n"a",\n"\xff"\n]\n', "line 4:2: invalid UTF-8 at byte 9"),
    ],
)
def test_bom_and_utf8_messages(data: bytes | str, message: str) -> None:
    with pytest.raises(JSONError) as caught:
        loads(data)
    assert str(caught.value) == message


def test_bad_utf8_position_counts_every_line_before_it() -> None:
    # A line feed at byte 0, several before the error and more after it.
    with pytest.raises(JSONError) as caught:
        loads(b'\n[\n"a",\n"\xff"\n]\n')
    assert (caught.value.line, caught.value.column) == (4, 2)
    with pytest.raises(JSONError) as caught:
        loads(b'["\xff"]\n\n')
    assert (caught.value.line, caught.value.column) == (1, 3)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["\ud800"], "string holds a lone surrogate (not Unicode text)"),
        ([1.5, "\ud800"], "string holds a lone surrogate (not Unicode text)"),
        ({"\udc00": 1}, "object key holds a lone surrogate"),
        ({"\U0001f600": 1, "\udc00": 1}, "object key holds a lone surrogate"),
        ([2**53], "integer 9007199254740992 is outside \u00b1(2**53-1)"),
        ([float("nan")], "nan is not representable in JCS"),
        ([float("-inf")], "-inf is not representable in JCS"),
        (
            [2.0**53],
            "float 9007199254740992.0 would be written as an integer outside \u00b1(2**53-1)",
        ),
        (_nested_list(MAX_DEPTH + 1, 1), f"nested deeper than {MAX_DEPTH} levels"),
    ],
)
def test_writer_messages(value: Any, message: str) -> None:
    with pytest.raises(JSONError) as caught:
        canonical_dumps(value)
    assert str(caught.value) == message


def _sibling_first(depth: int, wrap: Any) -> Any:
    """Two levels, then a chain `depth` deep beside a small closed container.

    The small one is walked first, so a wrong count when a container closes
    shows up in the depth of the chain walked after it.
    """
    chain: Any = "x"
    for _ in range(depth):
        chain = wrap(chain)
    return wrap([chain, wrap(wrap("x"))])


@pytest.mark.parametrize("wrap", [lambda v: [v], lambda v: {"k": v}], ids=["lists", "objects"])
def test_writer_depth_counts_closed_containers(wrap: Any) -> None:
    text = json.dumps(_sibling_first(MAX_DEPTH - 2, wrap))  # MAX_DEPTH levels in all
    assert canonical_dumps(loads(text)) == canonical_dumps(json.loads(text))
    too_deep = _sibling_first(MAX_DEPTH - 1, wrap)
    with pytest.raises(JSONError):
        loads(json.dumps(too_deep))
    with pytest.raises(JSONError) as caught:
        canonical_dumps(too_deep)
    assert caught.value.code == "too-deep"
    # Many closed containers side by side are no deeper than one.
    wide = [wrap(wrap("x")) for _ in range(3 * MAX_DEPTH)]
    assert loads(canonical_dumps(wide)) == wide
    wide_object = {f"k{i}": wrap(wrap("x")) for i in range(3 * MAX_DEPTH)}
    assert loads(canonical_dumps(wide_object)) == wide_object


def test_writer_checks_everything_after_a_subclass() -> None:
    # The IntEnum is walked first; the integer after it must still be checked.
    with pytest.raises(JSONError) as caught:
        canonical_dumps([2**60, _Colour.RED])
    assert caught.value.code == "integer-out-of-range"


def test_duplicate_key_message_names_the_repeated_key() -> None:
    with pytest.raises(JSONError) as caught:
        loads(b'{"a": 1, "b": 2, "b": 3}')
    assert str(caught.value) == "duplicate key 'b' in an object"
    key = "k" * 100
    with pytest.raises(JSONError) as caught:
        loads(json.dumps({key: 1})[:-1] + f', "{key}": 2}}')
    assert str(caught.value) == f"duplicate key {key[:80]!r} in an object"


def test_syntax_and_depth_messages() -> None:
    with pytest.raises(JSONError) as caught:
        loads(b'{"a": }')
    assert str(caught.value) == "line 1:7: Expecting value"
    with pytest.raises(JSONError) as caught:
        loads("[" * 100_000 + "]" * 100_000)  # the stdlib's own RecursionError
    assert str(caught.value) == f"nested deeper than {MAX_DEPTH} levels"


def test_a_line_feed_at_byte_0_counts_for_the_column() -> None:
    with pytest.raises(JSONError) as caught:
        loads(b'\n["\xff"]')
    assert (caught.value.line, caught.value.column) == (2, 3)


def test_other_value_errors_of_the_decoder_are_bad_json(monkeypatch: pytest.MonkeyPatch) -> None:
    # Defensive: the number hooks bound every number first, so no input is known
    # to reach this; should one, it is still a JSONError with the reason.
    class Decoder:
        def decode(self, text: str) -> Any:
            raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    monkeypatch.setattr(_json, "_DECODER", Decoder())
    with pytest.raises(JSONError) as caught:
        loads("[1]")
    assert caught.value.code == "bad-json"
    assert str(caught.value) == "Exceeds the limit (4300 digits) for integer string conversion"
