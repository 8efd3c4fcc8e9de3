from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import InvalidTimestamp, Timestamp, parse_timestamp
from newsarchive.timestamps import utc_now
from tests.strategies import timestamps


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("2020-01-08T06:30:00Z", "2020-01-08T06:30:00Z"),
        ("2020-01-08t06:30:00z", "2020-01-08T06:30:00Z"),
        ("2020-01-08 06:30Z", "2020-01-08T06:30:00Z"),
        ("2020-01-08T10:00:00+03:30", "2020-01-08T06:30:00Z"),
        ("2020-01-08T01:30:00-0500", "2020-01-08T06:30:00Z"),
        ("2020-01-08T06:30:00.120Z", "2020-01-08T06:30:00.120Z"),
        ("2020-01-08T06:30:00.123456789Z", "2020-01-08T06:30:00.123456789Z"),
        ("Wed, 08 Jan 2020 06:30:00 GMT", "2020-01-08T06:30:00Z"),
        ("Wed, 08 Jan 2020 07:30:00 +0100", "2020-01-08T06:30:00Z"),
        ("January 8 2020 6:30 UTC", "2020-01-08T06:30:00Z"),
        ("13/01/2020 06:30 UTC", "2020-01-13T06:30:00Z"),
        ("2020-01-08T06:30:00.25 +00:00", "2020-01-08T06:30:00.25Z"),
    ],
)
def test_lenient_input_becomes_utc_rfc3339(given_text: str, expected: str) -> None:
    assert str(parse_timestamp(given_text)) == expected


@pytest.mark.parametrize(
    ("bad", "code", "words"),
    [
        ("2020-01-08T06:30:00", "naive-timestamp", "no time zone"),
        ("January 8 2020 6:30", "naive-timestamp", "no time zone"),
        ("2020-01-08 06:30 EST", "bad-timestamp", "ambiguous or unknown"),
        ("01/02/2020 10:00 UTC", "bad-timestamp", "day/month"),
        ("2020-01-08", "bad-timestamp", "incomplete"),
        ("January 8 06:30 UTC", "bad-timestamp", "incomplete"),
        ("2020-02-30T00:00:00Z", "bad-timestamp", "not a valid date"),
        ("2016-12-31T23:59:60Z", "bad-timestamp", "leap second"),
        ("2020-01-08T06:30:00+25:00", "bad-timestamp", "offset"),
        ("next tuesday", "bad-timestamp", "not a date"),
        ("", "bad-timestamp", "not a date"),
    ],
)
def test_bad_input_is_never_guessed(bad: str, code: str, words: str) -> None:
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(bad)
    assert info.value.code == code
    assert words in str(info.value)


def test_default_zone_is_used_only_when_named() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert str(parse_timestamp("2020-01-08T07:30:00", default_tz=berlin)) == "2020-01-08T06:30:00Z"
    assert str(parse_timestamp("2020-07-08 08:30", default_tz=berlin)) == "2020-07-08T06:30:00Z"
    assert str(parse_timestamp("2020-01-08T07:30:00.5", default_tz=berlin)) == (
        "2020-01-08T06:30:00.5Z"
    )
    # An explicit zone wins over the default.
    assert str(parse_timestamp("2020-01-08T06:30:00Z", default_tz=berlin)) == "2020-01-08T06:30:00Z"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2020-01-08T06:30:00", "naive-timestamp"),
        ("2020-01-08T06:30:00+01:00", "timestamp-not-utc"),
        ("2020-01-08 06:30:00Z", "bad-timestamp"),
        ("2020-01-08T06:30:00z", "bad-timestamp"),
        ("2020-01-08T06:30:00.1234567890Z", "bad-timestamp"),
    ],
)
def test_record_form_is_strict(text: str, code: str) -> None:
    with pytest.raises(InvalidTimestamp) as info:
        Timestamp.parse(text)
    assert info.value.code == code


def test_fraction_digits_are_kept_but_the_instant_ignores_trailing_zeros() -> None:
    a, b = Timestamp.parse("2020-01-08T06:30:00Z"), Timestamp.parse("2020-01-08T06:30:00.000Z")
    assert a != b
    assert str(b) == "2020-01-08T06:30:00.000Z"
    assert a.instant_text == b.instant_text == "2020-01-08T06:30:00Z"
    assert Timestamp.parse("2020-01-08T06:30:00.12345678Z").datetime.microsecond == 123456


def test_from_datetime() -> None:
    aware = datetime(2020, 1, 8, 9, 30, 0, 250000, tzinfo=timezone(timedelta(hours=3)))
    assert str(Timestamp.from_datetime(aware)) == "2020-01-08T06:30:00.25Z"
    with pytest.raises(InvalidTimestamp) as info:
        Timestamp.from_datetime(datetime(2020, 1, 8))  # noqa: DTZ001 - the point of the test
    assert info.value.code == "naive-timestamp"


def test_ordering_uses_the_instant() -> None:
    early = Timestamp.parse("2020-01-08T06:30:00.5Z")
    late = Timestamp.parse("2020-01-08T06:30:00.50001Z")
    assert early < late
    assert late > early
    assert early <= Timestamp.parse("2020-01-08T06:30:00.500Z")
    assert early >= Timestamp.parse("2020-01-08T06:30:00.500Z")


@given(timestamps)
def test_record_form_round_trips(stamp: Timestamp) -> None:
    assert Timestamp.parse(str(stamp)) == stamp
    assert parse_timestamp(str(stamp)) == stamp


@given(st.datetimes(timezones=st.just(UTC)))
def test_aware_datetimes_round_trip(value: datetime) -> None:
    assert Timestamp.from_datetime(value).datetime == value


@given(st.text(max_size=40))
def test_parse_raises_only_invalid_timestamp(text: str) -> None:
    for parse in (parse_timestamp, Timestamp.parse):
        with contextlib.suppress(InvalidTimestamp):
            parse(text)


# -- issue 10, defect 18: exceptions from dateutil and datetime escaped ------------------


@pytest.mark.parametrize(
    "text",
    [
        # decimal.InvalidOperation from dateutil's seconds arithmetic
        "2020-01-09T10:9007199254740993090071992547409930:00Z",
        # an offset of 24 hours: datetime refuses the tzoffset dateutil builds
        "Jan 9 2020 10:00 +24:00",
        "Jan 9 2020 10:00 -24:00",
        "Jan 9 2020 10:00 UTC+24",
        # an offset that carries the instant out of years 1-9999
        "Dec 31 9999 23:59 -05:00",
    ],
)
def test_lenient_input_that_crashed_is_an_invalid_timestamp(text: str) -> None:
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(text)
    assert info.value.code == "bad-timestamp"


def test_a_24_hour_offset_is_named_as_such() -> None:
    with pytest.raises(InvalidTimestamp, match="bad UTC offset"):
        parse_timestamp("Jan 9 2020 10:00 +24:00")


@pytest.mark.parametrize(
    ("text", "hours"),
    [("0001-01-01T00:00:00", 5), ("9999-12-31T23:59:59", -5)],
)
def test_default_zone_that_leaves_the_year_range_is_refused(text: str, hours: int) -> None:
    zone = timezone(timedelta(hours=hours))
    with pytest.raises(InvalidTimestamp, match="out of range") as info:
        parse_timestamp(text, default_tz=zone)
    assert info.value.code == "bad-timestamp"


class _NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


class _DayOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return timedelta(hours=25)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_from_datetime_refuses_a_default_zone_without_offset() -> None:
    # astimezone would silently take the machine's zone for it
    with pytest.raises(InvalidTimestamp) as info:
        Timestamp.from_datetime(datetime(2020, 1, 8), default_tz=_NoOffset())  # noqa: DTZ001
    assert info.value.code == "naive-timestamp"


def test_from_datetime_refuses_an_offset_of_a_day_or_more() -> None:
    with pytest.raises(InvalidTimestamp, match="bad UTC offset"):
        Timestamp.from_datetime(datetime(2020, 1, 8, tzinfo=_DayOffset()))
    with pytest.raises(InvalidTimestamp, match="bad UTC offset"):
        parse_timestamp("2020-01-08T10:00:00", default_tz=_DayOffset())


# -- issue 16: what the mutation run showed untested ---------------------------------------


@pytest.mark.parametrize(
    ("seconds", "fraction", "words"),
    [
        (datetime(2020, 1, 8, tzinfo=timezone.utc), "", None),  # noqa: UP017 - not the UTC object
        (datetime(2020, 1, 8, tzinfo=ZoneInfo("UTC")), "", "whole-second UTC"),
        (datetime(2020, 1, 8), "", "whole-second UTC"),  # noqa: DTZ001
        (datetime(2020, 1, 8, 0, 0, 0, 1, tzinfo=UTC), "", "whole-second UTC"),
        (datetime(2020, 1, 8, tzinfo=UTC), "1234567890", r"1-9 digits \(got '1234567890'\)"),
        (datetime(2020, 1, 8, tzinfo=UTC), "12a", "1-9 digits"),
        (datetime(2020, 1, 8, tzinfo=UTC), "\u0663", "1-9 digits"),  # a non-ASCII digit
        (datetime(2020, 1, 8, tzinfo=UTC), " 1", "1-9 digits"),
    ],
)
def test_constructor_checks_its_fields(seconds: datetime, fraction: str, words: str | None) -> None:
    if words is None:  # timezone.utc is the UTC singleton
        assert str(Timestamp(seconds, fraction)) == "2020-01-08T00:00:00Z"
        return
    with pytest.raises(InvalidTimestamp, match=words) as info:
        Timestamp(seconds, fraction)
    assert info.value.code == "bad-timestamp"


def test_constructor_accepts_nine_digits() -> None:
    stamp = Timestamp(datetime(2020, 1, 8, tzinfo=UTC), "123456789")
    assert str(stamp) == "2020-01-08T00:00:00.123456789Z"
    assert stamp.datetime == datetime(2020, 1, 8, 0, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-01-08T06:30:00+23:00", "2020-01-07T07:30:00Z"),
        ("2020-01-08T06:30:00-23:59", "2020-01-09T06:29:00Z"),
        ("2020-01-08T06:30:00+0059", "2020-01-08T05:31:00Z"),
        ("2020-01-08t06:30:00z", "2020-01-08T06:30:00Z"),
        ("2020-01-08 06:30Z", "2020-01-08T06:30:00Z"),
        ("2020-01-08T06:30:00,25Z", "2020-01-08T06:30:00.25Z"),
        ("  2020-01-08T06:30:00Z\n", "2020-01-08T06:30:00Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"),
    ],
)
def test_fast_path_offsets_and_forms(text: str, expected: str) -> None:
    assert str(parse_timestamp(text)) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2020-01-08T06:30:00+24:00", "bad UTC offset"),
        ("2020-01-08T06:30:00+00:60", "bad UTC offset"),
        ("0001-01-01T00:30:00+01:00", "out of range"),
        ("9999-12-31T23:30:00-01:00", "out of range"),
        ("2020-13-08T06:30:00Z", "not a valid date and time"),
    ],
)
def test_fast_path_refusals(text: str, words: str) -> None:
    with pytest.raises(InvalidTimestamp, match=words) as info:
        parse_timestamp(text)
    assert info.value.code == "bad-timestamp"


def test_free_form_input_with_a_default_zone_and_fractions() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert str(parse_timestamp("January 8 2020 7:30", default_tz=berlin)) == "2020-01-08T06:30:00Z"
    assert str(parse_timestamp("January 8 2020 06:30:00.250 UTC")) == "2020-01-08T06:30:00.250Z"
    # dateutil reads microseconds only; digits 7-9 were dropped
    assert str(parse_timestamp("January 8 2020 06:30:00.123456789 UTC")) == (
        "2020-01-08T06:30:00.123456789Z"
    )
    assert str(parse_timestamp("January 8 2020 07:30:00.000000001 +01:00")) == (
        "2020-01-08T06:30:00.000000001Z"
    )
    assert str(parse_timestamp("8 Jan 2020 07:30:00.5 +01:00")) == "2020-01-08T06:30:00.5Z"
    # a zone given in the text wins over the default
    assert str(parse_timestamp("January 8 2020 6:30 UTC", default_tz=berlin)) == (
        "2020-01-08T06:30:00Z"
    )


def test_free_form_without_zone_needs_a_default() -> None:
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp("January 8 2020 6:30")
    assert info.value.code == "naive-timestamp"
    assert "no time zone" in str(info.value)


def test_strict_form_refusals_have_codes() -> None:
    cases = {
        "2020-01-08T06:30:00": "naive-timestamp",
        "2020-01-08T06:30:00+01:00": "timestamp-not-utc",
        "2020-01-08T06:30:00z": "bad-timestamp",
        "2020-01-08T06:30:00.Z": "bad-timestamp",
        "2020-01-08T06:30:00.1234567890Z": "bad-timestamp",
        "2020-01-08T06:30:60Z": "bad-timestamp",
    }
    for text, code in cases.items():
        with pytest.raises(InvalidTimestamp) as info:
            Timestamp.parse(text)
        assert info.value.code == code, text
    with pytest.raises(InvalidTimestamp, match=r"a timestamp is a string \(got int\)"):
        Timestamp.parse(1)
    with pytest.raises(InvalidTimestamp, match=r"a timestamp is a string \(got bytes\)"):
        parse_timestamp(b"2020-01-08T06:30:00Z")  # type: ignore[arg-type]


def test_half_second_written_two_ways_is_one_instant() -> None:
    short = Timestamp.parse("2020-01-08T06:30:00.5Z")
    long = Timestamp.parse("2020-01-08T06:30:00.500Z")
    assert not short < long
    assert not long < short
    assert not short > long
    assert not long > short
    assert short <= long
    assert long <= short
    assert short >= long
    assert long >= short
    assert short.instant_text == long.instant_text == "2020-01-08T06:30:00.5Z"
    assert str(long) == "2020-01-08T06:30:00.500Z"  # the digits as written
    assert Timestamp.parse("2020-01-08T06:30:00.000Z").instant_text == "2020-01-08T06:30:00Z"


def test_strict_ordering_across_seconds_and_digits() -> None:
    a = Timestamp.parse("2020-01-08T06:30:00.999999999Z")
    b = Timestamp.parse("2020-01-08T06:30:01Z")
    assert a < b
    assert b > a
    assert not a >= b
    assert not b <= a


def test_utc_now_is_aware_utc() -> None:
    before = datetime.now(UTC)
    now = utc_now()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC
    assert before <= now <= after


def test_long_input_is_shortened_in_messages() -> None:
    text = "2020-01-08T06:30:00" + "x" * 100
    with pytest.raises(InvalidTimestamp) as info:
        Timestamp.parse(text)
    assert repr(text[:57] + "...") in str(info.value)


# -- mutation survivors: fractional digits of free-form input, and messages ----------------


def test_free_form_fraction_digits_at_the_edges() -> None:
    assert str(parse_timestamp("January 8 2020 06:30:00.1234567 UTC")) == (
        "2020-01-08T06:30:00.1234567Z"
    )
    # More than 9 digits: what dateutil read (microseconds), not an error.
    assert str(parse_timestamp("January 8 2020 06:30:00.1234567891 UTC")) == (
        "2020-01-08T06:30:00.123456Z"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: Timestamp.parse("2020-01-08T06:30:00"),
            "'2020-01-08T06:30:00' has no time zone; records use UTC with 'Z'",
        ),
        (
            lambda: Timestamp.parse("2020-01-08T06:30:00+01:00"),
            (
                "'2020-01-08T06:30:00+01:00' is not in UTC; records use RFC 3339 UTC with 'Z' "
                "(e.g. 2020-01-08T06:30:00Z)"
            ),
        ),
        (
            lambda: parse_timestamp("2020-01-08T06:30:00"),
            "'2020-01-08T06:30:00' has no time zone; add one (e.g. 'Z') or name a default zone",
        ),
        (
            lambda: parse_timestamp("2020-01-08 06:30 EST"),
            (
                "'2020-01-08 06:30 EST' names a time zone that is ambiguous or unknown; "
                "use a numeric offset such as +05:00"
            ),
        ),
        (
            lambda: parse_timestamp("Jan 9 2020 10:00 +24:00"),
            "2020-01-09T10:00:00 has a bad UTC offset (an offset is less than 24 hours)",
        ),
        (
            lambda: Timestamp(datetime(2020, 1, 8), ""),  # noqa: DTZ001
            "Timestamp.seconds must be a whole-second UTC datetime",
        ),
        (
            lambda: Timestamp.from_datetime(datetime(2020, 1, 8), default_tz=_NoOffset()),  # noqa: DTZ001
            "the default zone",
        ),
        (
            lambda: parse_timestamp("x" * 60),
            f"{'x' * 60!r} is not a date and time",
        ),
        (
            lambda: parse_timestamp("x" * 61),
            f"{'x' * 57 + '...'!r} is not a date and time",
        ),
    ],
)
def test_messages_exactly(call: Any, message: str) -> None:
    with pytest.raises(InvalidTimestamp) as caught:
        call()
    assert str(caught.value).startswith(message)
    if message == "the default zone":
        assert str(caught.value).endswith("gives no UTC offset")
