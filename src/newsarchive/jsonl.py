"""JSON Lines: one strict JSON value per line, streamed in constant memory.

Writing uses RFC 8785 canonical JSON, which never contains a raw newline
(control characters are escaped), so each value is exactly one line ending in
LF. Reading accepts LF or CRLF line ends and skips blank lines; each line is
parsed with the strict I-JSON reader. A bad line is reported with its number;
with `keep_going=True` it is yielded as an error and reading continues.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Final

import attrs

from newsarchive._json import canonical_dumps, loads
from newsarchive.errors import JSONError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = [
    "MAX_LINE_BYTES",
    "Line",
    "dumps_line",
    "iter_jsonl",
    "iter_values",
    "records_of",
    "where",
    "write_jsonl",
]

#: A longer line is reported as an error without being held in memory whole.
MAX_LINE_BYTES: Final = 64 * 1024 * 1024
_SKIP_CHUNK: Final = 1 << 20


@attrs.frozen
class Line:
    """One line read from JSON Lines: its 1-based number and either a value or an error."""

    number: int
    value: Any = None
    error: JSONError | None = None


def dumps_line(value: Any) -> bytes:
    """One JSON Lines line: canonical JSON plus LF."""
    return canonical_dumps(value) + b"\n"


def write_jsonl(stream: BinaryIO, values: Iterable[Any]) -> int:
    """Write each value as one canonical line; return how many were written."""
    count = 0
    for value in values:
        stream.write(dumps_line(value))
        count += 1
    return count


def iter_jsonl(
    stream: BinaryIO,
    *,
    keep_going: bool = False,
    max_line_bytes: int = MAX_LINE_BYTES,
    first_line: int = 1,
) -> Iterator[Line]:
    """Yield each non-blank line of a binary stream, parsed.

    Without `keep_going` the first bad line raises `JSONError` (with `line`
    set); with it, bad lines are yielded with `error` set.
    """
    number = first_line - 1
    while True:
        raw = stream.readline(max_line_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            _skip_rest_of_line(stream)
            error = JSONError(
                f"line is longer than {max_line_bytes} bytes", code="line-too-long", line=number
            )
        else:
            if not raw.strip(b" \t\r\n"):
                continue
            try:
                yield Line(number, loads(raw))
                continue
            except JSONError as exc:
                # The column is the line's when the error is on it (its first line).
                column = exc.column if exc.line in (None, 1) else None
                error = exc
                error.line, error.column = number, column
        if not keep_going:
            raise error
        yield Line(number, error=error)


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while chunk := stream.readline(_SKIP_CHUNK):
        if chunk.endswith(b"\n"):
            return


def _next_nonblank(stream: IO[bytes], number: int) -> tuple[bytes, int]:
    line = stream.readline()
    number += 1
    while line and not line.strip():
        line = stream.readline()
        number += 1
    return line, number


def iter_values(stream: IO[bytes]) -> Iterator[tuple[int | None, Any, JSONError | None]]:
    """(line, value, error) for a JSON document or JSON Lines, streaming the latter.

    Input is JSON Lines when its first non-blank line is a complete JSON value
    and another value follows; otherwise it is one JSON document.
    """
    first, first_number = _next_nonblank(stream, 0)
    if not first:
        yield None, None, JSONError("empty input: no JSON value", code="bad-json")
        return
    try:
        value = loads(first)
    except JSONError:
        # Not one value per line: the whole input is a single JSON document.
        try:
            yield None, loads(first + stream.read()), None
        except JSONError as exc:
            yield None, None, exc
        return
    second, second_number = _next_nonblank(stream, first_number)
    if not second:
        yield None, value, None
        return
    yield first_number, value, None
    for line in iter_jsonl(io.BytesIO(second), keep_going=True, first_line=second_number):
        yield line.number, line.value, line.error
    for line in iter_jsonl(stream, keep_going=True, first_line=second_number + 1):  # type: ignore[arg-type]
        yield line.number, line.value, line.error


def where(name: str, line: int | None, error: JSONError | None = None) -> str:
    """`NAME[:LINE[:COLUMN]]`: where a value, or an error reading one, is in a file.

    `line` is a JSON Lines value's line (None for a whole document); an
    error's own line and column say the rest.
    """
    column = None
    if error is not None:
        line = error.line if line is None else line
        column = error.column
    if line is None:
        return name
    return f"{name}:{line}" if column is None else f"{name}:{line}:{column}"


def records_of(value: Any) -> Iterator[tuple[str, Any]]:
    """A top-level JSON array holds one record per item (pointer prefix `/N`)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield f"/{i}", item
    else:
        yield "", value
