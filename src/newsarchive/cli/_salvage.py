"""Reading records past damage: what `find`, `show`, `cat` and `export` share.

A record whose stored bytes fail their check (`StoreCorrupted`: a damaged
line, a lost or replaced segment file) does not stop the command: it is left
out, one warning line on stderr names it and where its bytes are, the intact
records are written as usual, and the command exits 1 at the end, pointing
to `newsarchive store verify`. So a user can always salvage what is intact.
(`show` and `cat` given several ids treat an id that is not found alike.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from newsarchive.cli._common import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from newsarchive.cli._common import Context
    from newsarchive.store import Store

__all__ = ["SALVAGE_HELP", "Salvage"]

#: What the commands' --help says about it.
SALVAGE_HELP: Final = (
    "With several ids, a record that is not found or whose stored bytes fail their check "
    "is left out with a warning naming it, and the command exits 1 at the end (with one "
    "id, that is the command's error)."
)


class Salvage:
    """Reads records for one command, warning about (and skipping) each that fails its check."""

    def __init__(self, store: Store, ctx: Context, command: str) -> None:
        self.store = store
        self.ctx = ctx
        self.command = command
        self.damaged = 0  # stored bytes that fail their check
        self.missing = 0  # not found (or, for `cat`, holding no content)

    def read(self, record_id: str, how: Callable[[str], Any]) -> Any | None:
        """`how(record_id)`, or None after a warning when it is not found or fails its check."""
        from newsarchive.errors import RecordNotFound, StoreCorrupted, printable  # noqa: PLC0415

        try:
            return how(record_id)
        except (StoreCorrupted, RecordNotFound) as exc:
            if isinstance(exc, StoreCorrupted):
                self.damaged += 1
            else:
                self.missing += 1
            # Ids may come from the index or the command line: printed with controls
            # escaped, they cannot forge lines.
            first = str(exc).splitlines()[0]
            line = f"newsarchive {self.command}: warning: record {record_id}: {first}"
            self.ctx.err(printable(line))
            return None

    def records(self, ids: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, record) for each of `ids` that is found and whose stored bytes check out."""
        for record_id in ids:
            record = self.read(record_id, self.store.get)
            if record is not None:
                yield record_id, record

    def exit_code(self) -> int:
        """1 (after a summary line) if any record was left out, else 0."""
        if self.missing:
            n = self.missing
            self.ctx.err(f"newsarchive {self.command}: {n} record{_s(n)} left out (see above)")
        if self.damaged:
            n = self.damaged
            self.ctx.err(
                f"newsarchive {self.command}: {n} record{_s(n)} left out: stored bytes fail "
                "their check; run `newsarchive store verify`"
            )
        return EXIT_FAILED if self.missing or self.damaged else EXIT_OK


def _s(n: int) -> str:
    return "" if n == 1 else "s"
