"""How a capture behaves: `CaptureOptions` (limits, identity, trust, politeness) and its error.

Options are plain frozen data, checked when made; the clocks are options too, so tests
fix time (`clock` for the WARC-Date and `retrieved_at`, `monotonic` and `sleep` for
timeouts and the delay between two requests to one host).
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

from newsarchive._capturedefaults import (
    DEFAULT_DELAY,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
)
from newsarchive.errors import NewsArchiveError
from newsarchive.timestamps import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

__all__ = [
    "DEFAULT_DELAY",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "CaptureError",
    "CaptureOptions",
]

_TOKEN: Final = re.compile(r"[A-Za-z_-]+")


class CaptureError(NewsArchiveError, ValueError):
    """Capture options that cannot be used (a bad number, an unreadable CA bundle).

    A page that cannot be captured is not an error: it is a `CaptureResult` whose
    outcome is `failed` or `vanished`, with a reason.
    """

    code = "capture-error"


def _positive_or_zero(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise CaptureError(
            f"{name} must be a number of seconds >= 0 (got {value!r})", code="bad-option"
        )


def _check_timeout(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise CaptureError(
            f"{attribute.name} must be a number of seconds > 0 (got {value!r})", code="bad-option"
        )


def _check_delay(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    _positive_or_zero(attribute.name, value)


def _check_count(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    minimum = 1 if attribute.name == "max_bytes" else 0
    given: object = value  # checked at run time: callers may pass anything
    if isinstance(given, bool) or not isinstance(given, int) or given < minimum:
        raise CaptureError(
            f"{attribute.name} must be a whole number >= {minimum} (got {value!r})",
            code="bad-option",
        )


def _check_user_agent(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip() or not value.isprintable() or not value.isascii():
        raise CaptureError(
            f"{attribute.name} must be printable ASCII text (got {value[:60]!r})", code="bad-option"
        )


def _to_path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


@attrs.frozen(kw_only=True)
class CaptureOptions:
    """Everything a capture needs to know besides the URL.

    `ca_bundle`: a PEM file of CA certificates trusted *in addition to* the system's
    trust store. `ignore_robots`: fetch even where robots.txt disallows it (the result
    says so). `delay`: seconds between two requests to the same host (0 allowed).
    """

    timeout: float = attrs.field(default=DEFAULT_TIMEOUT, validator=_check_timeout)
    max_bytes: int = attrs.field(default=DEFAULT_MAX_BYTES, validator=_check_count)
    user_agent: str = attrs.field(default=DEFAULT_USER_AGENT, validator=_check_user_agent)
    ca_bundle: Path | None = attrs.field(default=None, converter=_to_path)
    ignore_robots: bool = False
    delay: float = attrs.field(default=DEFAULT_DELAY, validator=_check_delay)
    max_redirects: int = attrs.field(default=DEFAULT_MAX_REDIRECTS, validator=_check_count)
    #: Wall clock for `retrieved_at` and WARC-Date (aware, UTC).
    clock: Callable[[], datetime] = utc_now
    #: Monotonic seconds and the sleep that waits on them: timeouts and politeness.
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    @property
    def robots_token(self) -> str:
        """The product token robots.txt groups are matched against (RFC 9309 section 2.2.1):
        the leading name of the User-Agent, `newsarchive` by default."""
        match = _TOKEN.match(self.user_agent.strip())
        return match.group().lower() if match else "newsarchive"
