from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import InvalidTimestamp, Timestamp, parse_timestamp
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
