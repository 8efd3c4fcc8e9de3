"""Soak fuzzing from the command line (documented in docs/testing.md):

    nice -n 15 .venv/bin/python -m tests.fuzz [TARGET ...] --inputs 1000000 [--seed N] [--save]

Prints per target the inputs run, the rate, the outcomes seen and each distinct
crash (by exception class and raising line); `--save` writes each crash input
to tests/data/crashers/<target>/ so that the suite replays it from then on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.fuzz.engine import fuzz
from tests.fuzz.targets import targets


def write(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("names", nargs="*", metavar="TARGET")
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", action="store_true", help="keep crash inputs as crashers")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory() as work:
        found = targets(Path(work))
        for name in args.names or list(found):
            target = found[name]
            started = time.monotonic()
            report = fuzz(target, args.inputs, seed=args.seed)
            seconds = time.monotonic() - started
            write(
                f"{name}: {report.inputs} inputs in {seconds:.0f} s "
                f"({report.inputs / max(seconds, 1e-9):.0f}/s), "
                f"{len(report.outcomes)} outcomes, {len(report.crashes)} distinct crashes"
            )
            for crash in report.crashes.values():
                failed = True
                saved = f" -> {crash.save()}" if args.save else ""
                write(f"  CRASH {crash.key}: {crash.error}\n    input {crash.data!r}{saved}")
                write("    " + crash.trace.strip().replace("\n", "\n    "))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
