"""A small mutation fuzzer: seed inputs, stacked byte mutations, outcome-guided pool.

No coverage instrumentation: an input joins the pool when its outcome (return
kind, or error class and code) has not been seen before, which is enough to
walk from a valid seed into each refusal and past it. Deterministic for a given
seed, so a short run in the default suite stays green or red for good.
"""

from __future__ import annotations

import hashlib
import random
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

#: Where the crashers of each target are kept, one file per input, replayed by the suite.
CRASHERS: Final = Path(__file__).parent.parent / "data" / "crashers"

#: Bytes that change how text parsers branch: line ends, quotes, escapes, NUL,
#: UTF-8 lead bytes without a tail, the BOM, encoded surrogates.
_INTERESTING: Final = (
    b"\x00",
    b"\n",
    b"\r",
    b"\r\n",
    b" ",
    b"\t",
    b'"',
    b"\\",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xa8",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",
    b"\xf0\x9f\x98\x80",
    b"%",
    b"%2e",
    b"..",
    b"/",
    b"?",
    b"#",
    b"@",
    b":",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"0",
    b"9",
    b"-",
    b"+",
    b".",
    b"e",
    b"-0",
    b"1e400",
    b"9007199254740993",
    b"18446744073709551616",
    b"9" * 40,
    b"\\ud800",
    b"\\udfff",
    b"\\u0000",
)


@attrs.frozen
class Crash:
    """An input that made a target fail, with what it raised."""

    target: str
    data: bytes
    error: str  # "ExceptionClass: message"
    trace: str

    @property
    def key(self) -> str:
        """Groups crashes by exception class and the innermost frame that raised."""
        last = self.trace.strip().splitlines()
        where = next(
            (line.strip() for line in reversed(last) if line.strip().startswith("File")), ""
        )
        return f"{self.error.split(':')[0]} @ {where}"

    def save(self, directory: Path = CRASHERS) -> Path:
        folder = directory / self.target
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(self.data).hexdigest()[:16]}.bin"
        path.write_bytes(self.data)
        return path


@attrs.frozen
class Target:
    """A public parser under fuzzing: `check` raises only for a crash, returns an outcome."""

    name: str
    check: Callable[[bytes], str]
    seeds: Sequence[bytes]
    tokens: Sequence[bytes] = ()


class Mutator:
    def __init__(self, rng: random.Random, tokens: Sequence[bytes]) -> None:
        self.rng = rng
        self.tokens = (*_INTERESTING, *tokens)

    def _token(self) -> bytes:
        return self.rng.choice(self.tokens)

    def once(self, data: bytes, other: bytes) -> bytes:
        rng = self.rng
        n = len(data)
        at = rng.randrange(n + 1)
        end = min(n, at + rng.choice((1, 1, 2, 4, 8, 32)))
        op = rng.randrange(10)
        if op == 0 and n:  # flip one bit
            i = rng.randrange(n)
            return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
        if op == 1 and n:  # one byte set to anything
            i = rng.randrange(n)
            return data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
        if op == 2:  # delete a run
            return data[:at] + data[end:]
        if op == 3:  # duplicate a run of the input elsewhere
            return data[:at] + data[at:end] * rng.choice((1, 2, 16)) + data[at:]
        if op == 4:  # insert a token
            return data[:at] + self._token() + data[at:]
        if op == 5:  # overwrite a run with a token
            return data[:at] + self._token() + data[end:]
        if op == 6:  # splice with another input
            cut = rng.randrange(len(other) + 1)
            return data[:at] + other[cut:] if rng.random() < 0.5 else other[:cut] + data[at:]
        if op == 7:  # a few random bytes
            return data[:at] + rng.randbytes(rng.randrange(1, 8)) + data[at:]
        if op == 8:  # truncate
            return data[:at]
        # swap ASCII case of a run (keywords, hex digits, schemes)
        return data[:at] + data[at:end].swapcase() + data[end:]

    def mutate(self, data: bytes, other: bytes) -> bytes:
        for _ in range(self.rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 8))):
            data = self.once(data, other)
        return data[:65536]


@attrs.define
class Report:
    target: str
    inputs: int = 0
    outcomes: dict[str, int] = attrs.field(factory=dict)
    crashes: dict[str, Crash] = attrs.field(factory=dict)  # one per Crash.key


def run_one(target: Target, data: bytes) -> tuple[str, Crash | None]:
    """The outcome of one input, or the crash it caused."""
    try:
        return target.check(data), None
    except Exception as exc:  # noqa: BLE001 - any escaping exception is the finding
        trace = traceback.format_exc()
        return "crash", Crash(target.name, data, f"{type(exc).__name__}: {exc}"[:300], trace)


def fuzz(
    target: Target,
    inputs: int,
    *,
    seed: int = 0,
    on_crash: Callable[[Crash], None] | None = None,
) -> Report:
    """Run `inputs` mutated inputs (the seeds themselves first) through `target`."""
    rng = random.Random(seed)
    mutator = Mutator(rng, target.tokens)
    pool = [bytes(s) for s in target.seeds]
    report = Report(target.name)
    queue = list(pool)
    while report.inputs < inputs:
        data = queue.pop() if queue else mutator.mutate(rng.choice(pool), rng.choice(pool))
        outcome, crash = run_one(target, data)
        report.inputs += 1
        if len(pool) < 4096 and (outcome not in report.outcomes or rng.random() < 0.001):
            pool.append(data)  # new behaviour, plus a trickle of others for variety
        report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
        if crash is not None and crash.key not in report.crashes:
            report.crashes[crash.key] = crash
            if on_crash is not None:
                on_crash(crash)
    return report


def saved_crashers(target: str, directory: Path = CRASHERS) -> list[Path]:
    folder = directory / target
    return sorted(folder.glob("*.bin")) if folder.is_dir() else []
