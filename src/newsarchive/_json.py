"""Strict JSON in (I-JSON, RFC 7493), canonical JSON out (RFC 8785).

Reading refuses what the standard library lets through: duplicate keys (it
keeps the last), NaN and Infinity (it accepts them), numbers that overflow to
infinity, integers beyond ±(2**53 - 1) that other readers would round, lone
surrogates (escaped `\\ud800` becomes a str that cannot be encoded), a UTF-8
BOM or invalid UTF-8, and nesting deeper than `MAX_DEPTH` (the stdlib raises
RecursionError). Every refusal is a `JSONError` with a stable code.

Canonical bytes (a hashing contract; changing them is a format version change):
RFC 8785. For values without floats whose object keys have no code point at or
above U+D800, RFC 8785 output equals `json.dumps(value, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)` encoded as UTF-8 — same escapes
(`\\b \\t \\n \\f \\r \\" \\\\`, other controls as lower-case `\\u00xx`, all else
literal) and code-point key order equal to UTF-16 order there — so that fast
path is used; anything else goes through the `rfc8785` package.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, Final

import orjson

from newsarchive.errors import JSONError

__all__ = ["MAX_DEPTH", "MAX_SAFE_INTEGER", "canonical_dumps", "loads"]

#: Deepest nesting accepted: records need 4 levels; 128 leaves room for any
#: sane document and stays far below the interpreter's recursion limit.
MAX_DEPTH: Final = 128
MAX_SAFE_INTEGER: Final = 2**53 - 1
_SURROGATES: Final = range(0xD800, 0xE000)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONError(f"duplicate key {key[:80]!r} in an object", code="duplicate-key")
            seen.add(key)
    return result


def _constant(name: str) -> Any:
    raise JSONError(f"{name} is not a JSON number", code="non-finite-number")


def _int(text: str) -> int:
    # Bounded by length first: int() on a 5,000-digit string raises ValueError
    # (the interpreter's int/str conversion limit) rather than our error.
    if len(text.lstrip("-")) > 16 or abs(value := int(text)) > MAX_SAFE_INTEGER:
        raise JSONError(
            f"integer {text[:40]}{'...' if len(text) > 40 else ''} is outside ±(2**53-1)",
            code="integer-out-of-range",
        )
    return value


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JSONError(f"number {text[:40]} overflows to infinity", code="non-finite-number")
    return value


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_int, parse_float=_float
)


def has_lone_surrogate(text: str) -> bool:
    """True when `text` holds a surrogate code point: a str that is not Unicode text."""
    return not text.isascii() and any(ord(c) in _SURROGATES for c in text)


def _check_tree(value: Any, max_depth: int) -> None:
    """Depth and lone surrogates, walked iteratively (no Python recursion on input depth)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                raise JSONError(
                    "string holds a lone surrogate (not Unicode text)", code="lone-surrogate"
                )
        elif isinstance(item, dict):
            if depth > max_depth:
                raise JSONError(f"nested deeper than {max_depth} levels", code="too-deep")
            for key, child in item.items():
                if has_lone_surrogate(key):
                    raise JSONError("object key holds a lone surrogate", code="lone-surrogate")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > max_depth:
                raise JSONError(f"nested deeper than {max_depth} levels", code="too-deep")
            stack.extend((child, depth + 1) for child in item)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        raise JSONError("JSON text starts with a byte order mark (I-JSON forbids it)", code="bom")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise JSONError(
            f"invalid UTF-8 at byte {exc.start}", code="bad-utf8", line=line, column=column
        ) from None


def loads(data: bytes | bytearray | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse strict I-JSON; raise `JSONError` (never anything else) for any bad input."""
    if isinstance(data, (bytes, bytearray)):
        text = _decode(bytes(data))
    elif isinstance(data, str):
        text = data
        if text.startswith("\ufeff"):
            raise JSONError(
                "JSON text starts with a byte order mark (I-JSON forbids it)", code="bom"
            )
    else:
        raise TypeError(f"expected bytes or str, not {type(data).__name__}")
    try:
        value = _DECODER.decode(text)
    except JSONError:
        raise  # from our hooks: duplicate keys, NaN, integer range
    except json.JSONDecodeError as exc:
        raise JSONError(exc.msg, code="bad-json", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise JSONError(f"nested deeper than {max_depth} levels", code="too-deep") from None
    except ValueError as exc:  # int/str conversion limits and similar
        raise JSONError(str(exc), code="bad-json") from None
    _check_tree(value, max_depth)
    return value


_ONLY_STR: Final = frozenset({str})
_CLOSE: Final = object()
_LEAVES: Final = frozenset({str, bool, type(None)})


def _fast_path_ok(value: Any) -> bool:
    """Check `value` is writable JSON; True when the stdlib writer gives RFC 8785 bytes.

    Lone surrogates in strings are not looked for here: encoding the output as
    UTF-8 refuses them, in C, which is what keeps this walk cheap.
    """
    fast = True
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    depth = 0  # containers open above the item popped; _CLOSE marks where one ends
    while stack:
        item = pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if item is _CLOSE:
            depth -= 1
            continue
        if (kind is dict or kind is list) and depth >= MAX_DEPTH:
            # What `loads` refuses is not written (and orjson stops at 255 levels).
            raise JSONError(f"nested deeper than {MAX_DEPTH} levels", code="too-deep")
        if kind is dict:
            # Type checks over whole containers run in C (set/map): most of a
            # record is strings, which then never enter this Python loop.
            if not _ONLY_STR.issuperset(map(type, item)):
                bad = next(k for k in item if type(k) is not str)
                raise TypeError(f"object keys must be str, not {type(bad).__name__}")
            if not "".join(item).isascii():
                for key in item:
                    if not key.isascii() and max(key) >= "\ud800":
                        if has_lone_surrogate(key):
                            raise JSONError(
                                "object key holds a lone surrogate", code="lone-surrogate"
                            )
                        fast = False  # RFC 8785 sorts keys by UTF-16 code units
            values = item.values()
            if not _LEAVES.issuperset(map(type, values)):
                push(_CLOSE)
                depth += 1
                extend(values)
        elif kind is list:
            if not _LEAVES.issuperset(map(type, item)):
                push(_CLOSE)
                depth += 1
                extend(item)
        elif kind is int:
            if abs(item) > MAX_SAFE_INTEGER:
                raise JSONError(
                    f"integer {item} is outside \u00b1(2**53-1)", code="integer-out-of-range"
                )
        elif kind is float:
            # RFC 8785 writes an integral float below 1e21 as digits (2.0**53 as
            # "9007199254740992"), which `loads` then refuses as an unsafe
            # integer: refuse it here so everything we write reads back.
            if item.is_integer() and MAX_SAFE_INTEGER < abs(item) < 1e21:
                raise JSONError(
                    f"float {item!r} would be written as an integer outside \u00b1(2**53-1)",
                    code="integer-out-of-range",
                )
            fast = False
        else:
            # A subclass of a JSON type (an IntEnum, say) is checked as its base.
            for base in (int, float, str, dict, list):
                if isinstance(item, base):
                    push(base(item))  # type: ignore[arg-type]
                    break
            else:
                raise TypeError(f"{kind.__name__} is not JSON data")
    return fast


def canonical_dumps(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of `value` (see the module docstring)."""
    if _fast_path_ok(value):
        # orjson writes the same bytes as RFC 8785 for strings, integers, true,
        # false, null and keys sorted below U+D800 (what the fast path admits),
        # several times faster than json.dumps; a differential test holds it
        # equal to the rfc8785 package.
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError as exc:
            if "surrogates" in str(exc):
                raise JSONError(
                    "string holds a lone surrogate (not Unicode text)", code="lone-surrogate"
                ) from None
            raise TypeError(str(exc)) from None
    import rfc8785  # noqa: PLC0415 - only values with floats or astral keys need it

    try:
        return bytes(rfc8785.dumps(value))
    except rfc8785.FloatDomainError as exc:
        raise JSONError(str(exc), code="non-finite-number") from None
    except rfc8785.CanonicalizationError as exc:
        # `_fast_path_ok` has refused integers out of range, keys that are not
        # str and types that are not JSON; rfc8785 reports a string it cannot
        # encode ("non-UTF-8 codepoints") this way, which must be the same
        # lone-surrogate error as on the fast path.
        _check_tree(value, max_depth=sys.maxsize)
        raise TypeError(str(exc)) from None
