"""Politeness: at most one request at a time to a host, and a delay between two of them.

`HostGate.turn(host)` is a context manager around one request (robots.txt included): it
waits until no other request to that host is running and `delay` seconds have passed
since the last one to it ended, then holds the host until the response is read. Hosts
are independent, so several can be fetched at once (`fetch_many(..., jobs=N)`). Time is
read and waited on through the options' `monotonic` and `sleep`, so tests can fix it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["HostGate"]


class HostGate:
    """Per-host turns; thread-safe."""

    def __init__(
        self, delay: float, monotonic: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self._delay = delay
        self._monotonic = monotonic
        self._sleep = sleep
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last_end: dict[str, float] = {}

    def _lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        """Hold `host` for one request, after waiting for its turn."""
        key = host.lower()
        with self._lock(key):
            last = self._last_end.get(key)
            if last is not None:
                wait = last + self._delay - self._monotonic()
                if wait > 0:
                    self._sleep(wait)
            try:
                yield
            finally:
                self._last_end[key] = self._monotonic()
