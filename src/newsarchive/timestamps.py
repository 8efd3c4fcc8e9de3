"""Timestamps: exact UTC instants written as RFC 3339 with `Z`.

Rules (format v1):

1. A record's timestamps are `YYYY-MM-DDTHH:MM:SS[.F]Z`: UTC, upper-case `T`
   and `Z`, 1 to 9 fractional digits only when the input had them. The digits
   are kept as given (`.500` stays `.500`), so a record round-trips exactly;
   Python's `datetime` holds microseconds, so `Timestamp` keeps the text.
2. Input may be any form python-dateutil understands, with a time of day (hours
   and minutes at least) and a full date. A missing date part is an error, not
   today's date; an unknown zone name (`EST` means different things in different
   places) is an error, not dropped. A timestamp with no zone is an error
   (`naive-timestamp`) unless the caller names a default zone: never guessed.
3. For identity (the record `id`), an instant is written with trailing zeros of
   the fraction removed, so `06:30:00Z` and `06:30:00.000Z` are the same time.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

import attrs

from newsarchive.errors import InvalidTimestamp

__all__ = ["Timestamp", "parse_timestamp", "utc_now"]

_RECORD_FORM: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z"
)
# RFC 3339 with any offset (or none), the fast path for well-formed input.
_ISO_FORM: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"\s*([Zz]|[+-]\d{2}:?\d{2})?"
)
_FRACTION_IN_TEXT: Final = re.compile(r"\d:\d\d[.,](\d+)")
# Two defaults that differ in every field dateutil could fill in silently:
# a field taken from the default shows up as a difference between two parses.
_DEFAULTS: Final = (datetime(2000, 1, 1, 0, 0), datetime(2003, 2, 2, 1, 1))  # noqa: DTZ001


def utc_now() -> datetime:
    """The current time, aware, in UTC: the default clock wherever one can be passed in."""
    return datetime.now(UTC)


def _shorten(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


@attrs.frozen(order=False)
class Timestamp:
    """An exact UTC instant: whole-second `datetime` plus the fractional digits as written."""

    seconds: dt.datetime  # aware, UTC, microsecond == 0
    fraction: str = ""  # "" or 1-9 decimal digits

    def __attrs_post_init__(self) -> None:
        if self.seconds.tzinfo is not UTC or self.seconds.microsecond:
            raise InvalidTimestamp("Timestamp.seconds must be a whole-second UTC datetime")
        if self.fraction and not (
            len(self.fraction) <= 9 and self.fraction.isdigit() and self.fraction.isascii()
        ):
            raise InvalidTimestamp(f"fraction must be 1-9 digits (got {self.fraction!r})")

    @classmethod
    def parse(cls, text: object) -> Timestamp:
        """Parse the strict record form (rule 1); other forms raise with a code saying why."""
        if not isinstance(text, str) or (match := _RECORD_FORM.fullmatch(text)) is None:
            raise _explain_non_record_form(text)
        y, mo, d, h, mi, s, fraction = match.groups()
        seconds = _utc_datetime(text, int(y), int(mo), int(d), int(h), int(mi), int(s))
        # The pattern already guarantees what __attrs_post_init__ checks: skip it,
        # since this is the hot path of validation.
        stamp = object.__new__(cls)
        object.__setattr__(stamp, "seconds", seconds)
        object.__setattr__(stamp, "fraction", fraction or "")
        return stamp

    @classmethod
    def from_datetime(cls, value: dt.datetime, *, default_tz: tzinfo | None = None) -> Timestamp:
        """Convert an aware datetime (or a naive one with `default_tz`) to UTC."""
        if value.tzinfo is None or _offset(value) is None:
            if default_tz is None:
                raise InvalidTimestamp(
                    f"{value.isoformat()} has no time zone; give one or name a default zone",
                    code="naive-timestamp",
                )
            value = value.replace(tzinfo=default_tz)
            if _offset(value) is None:  # else astimezone would take the machine's zone
                raise InvalidTimestamp(
                    f"the default zone {default_tz!r} gives no UTC offset", code="naive-timestamp"
                )
        try:
            utc = value.astimezone(UTC)
        except OverflowError:
            # Within a day of year 1 or 9999, an offset can carry the instant outside.
            raise InvalidTimestamp(f"{value.isoformat()} is out of range") from None
        fraction = f"{utc.microsecond:06d}".rstrip("0") if utc.microsecond else ""
        return cls(utc.replace(microsecond=0), fraction)

    @property
    def datetime(self) -> dt.datetime:
        """The instant as an aware datetime (digits past microseconds are truncated)."""
        micro = int((self.fraction + "000000")[:6]) if self.fraction else 0
        return self.seconds.replace(microsecond=micro)

    @property
    def instant_text(self) -> str:
        """The instant without trailing fractional zeros (rule 3): equal instants, equal text."""
        fraction = self.fraction.rstrip("0")
        return _seconds_text(self.seconds) + (f".{fraction}Z" if fraction else "Z")

    def sort_key(self) -> tuple[dt.datetime, int]:
        return self.seconds, int(self.fraction.ljust(9, "0") or "0")

    def __lt__(self, other: Timestamp) -> bool:
        return self.sort_key() < other.sort_key()

    def __le__(self, other: Timestamp) -> bool:
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: Timestamp) -> bool:
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: Timestamp) -> bool:
        return self.sort_key() >= other.sort_key()

    def __str__(self) -> str:
        base = _seconds_text(self.seconds)
        return f"{base}.{self.fraction}Z" if self.fraction else f"{base}Z"


def _offset(value: dt.datetime) -> timedelta | None:
    try:
        return value.utcoffset()
    except ValueError:
        # dateutil builds a tzoffset of +24:00 or more, which datetime then refuses to use.
        raise InvalidTimestamp(
            f"{value.replace(tzinfo=None).isoformat()} has a bad UTC offset "
            "(an offset is less than 24 hours)"
        ) from None


def _seconds_text(value: datetime) -> str:
    # An f-string, not strftime: several times faster, and strftime pads years
    # below 1000 differently across platforms.
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )


def _utc_datetime(text: str, *fields: int) -> datetime:
    year, month, day, hour, minute, second = fields
    if second == 60:
        raise InvalidTimestamp(
            f"leap second in {_shorten(text)!r} cannot be represented exactly", code="bad-timestamp"
        )
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise InvalidTimestamp(f"{_shorten(text)!r} is not a valid date and time: {exc}") from None


def _explain_non_record_form(text: object) -> InvalidTimestamp:
    if not isinstance(text, str):
        return InvalidTimestamp(f"a timestamp is a string (got {type(text).__name__})")
    match = _ISO_FORM.fullmatch(text)
    if match is not None and match.group(8) is None:
        return InvalidTimestamp(
            f"{_shorten(text)!r} has no time zone; records use UTC with 'Z'", code="naive-timestamp"
        )
    if match is not None and match.group(8) not in {"Z", "z"}:
        return InvalidTimestamp(
            f"{_shorten(text)!r} is not in UTC; records use RFC 3339 UTC with 'Z' "
            "(e.g. 2020-01-08T06:30:00Z)",
            code="timestamp-not-utc",
        )
    return InvalidTimestamp(
        f"{_shorten(text)!r} is not an RFC 3339 UTC timestamp (e.g. 2020-01-08T06:30:00Z)"
    )


def parse_timestamp(text: str, *, default_tz: tzinfo | None = None) -> Timestamp:
    """Parse a timestamp typed by a person or another program (rule 2) into UTC.

    RFC 3339 input takes a fast path; anything else goes through
    `dateutil.parser.parse`, guarded so that nothing is filled in silently.
    """
    if not isinstance(text, str):
        raise InvalidTimestamp(f"a timestamp is a string (got {type(text).__name__})")
    stripped = text.strip()
    match = _ISO_FORM.fullmatch(stripped)
    if match is not None:
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        base = _utc_datetime(
            stripped, int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
        )
        if zone is None:
            if default_tz is None:
                raise InvalidTimestamp(
                    f"{_shorten(stripped)!r} has no time zone; add one (e.g. 'Z') "
                    "or name a default zone",
                    code="naive-timestamp",
                )
            local = base.replace(tzinfo=None).replace(tzinfo=default_tz)
            return _with_fraction(Timestamp.from_datetime(local), fraction)
        if zone not in {"Z", "z"}:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                raise InvalidTimestamp(f"bad UTC offset in {_shorten(stripped)!r}")
            offset = timedelta(hours=hours, minutes=minutes) * sign
            try:  # a datetime is within years 1-9999, or this raises
                base = base - offset
            except OverflowError:
                raise InvalidTimestamp(f"{_shorten(stripped)!r} is out of range") from None
        return Timestamp(base, fraction or "")
    return _parse_lenient(stripped, default_tz)


def _with_fraction(stamp: Timestamp, fraction: str | None) -> Timestamp:
    return attrs.evolve(stamp, fraction=fraction or "")


def _parse_lenient(text: str, default_tz: tzinfo | None) -> Timestamp:
    from dateutil import parser  # noqa: PLC0415 - slow import, only for non-RFC 3339 input

    try:
        with warnings.catch_warnings():
            # dateutil warns (and drops the zone) on names it does not know, such as EST.
            warnings.simplefilter("error", parser.UnknownTimezoneWarning)
            first, second = (parser.parse(text, default=d) for d in _DEFAULTS)
            day_first = parser.parse(text, default=_DEFAULTS[0], dayfirst=True)
    except parser.UnknownTimezoneWarning:
        raise InvalidTimestamp(
            f"{_shorten(text)!r} names a time zone that is ambiguous or unknown; "
            "use a numeric offset such as +05:00",
        ) from None
    except (ValueError, ArithmeticError, TypeError):
        # ArithmeticError: OverflowError, and decimal.InvalidOperation from dateutil's
        # seconds arithmetic on a minute field of dozens of digits.
        raise InvalidTimestamp(f"{_shorten(text)!r} is not a date and time") from None
    _offset(first)  # raises for an offset of 24 hours or more, before any comparison uses it
    if first.replace(tzinfo=None) != second.replace(tzinfo=None):
        raise InvalidTimestamp(
            f"{_shorten(text)!r} is incomplete: a timestamp needs a full date and a time of day"
        )
    if day_first != first:
        raise InvalidTimestamp(
            f"{_shorten(text)!r} is ambiguous (day/month order); write the date as YYYY-MM-DD"
        )
    stamp = Timestamp.from_datetime(first, default_tz=default_tz)
    digits = _FRACTION_IN_TEXT.search(text)
    if digits is None:
        return stamp
    # Keep as many fractional digits as the input had. dateutil stops at
    # microseconds; a zone offset moves whole minutes only, so digits 7-9 as
    # written are still the instant's when the first six are what dateutil read.
    written, micro = digits[1], f"{stamp.datetime.microsecond:06d}"
    if 6 < len(written) <= 9 and written.startswith(micro):
        return attrs.evolve(stamp, fraction=written)
    return attrs.evolve(stamp, fraction=micro[: len(written)])
