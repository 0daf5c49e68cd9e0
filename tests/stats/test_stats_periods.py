"""Buckets by day and ISO week in the bucket time zone, DST days included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from questlog.stats.periods import (
    Calendar,
    Rejected,
    period_starts,
    recomputable_range,
    week_of,
)
from questlog.stats.pipeline import days_of_hours

BERLIN = Calendar("Europe/Berlin")


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2025, 3, 30), 23), (date(2025, 10, 26), 25), (date(2025, 6, 1), 24)]
)
def test_a_berlin_day_lasts_from_midnight_to_midnight_dst_included(day: date, hours: int) -> None:
    start, end = BERLIN.bounds("daily", day)

    assert end - start == timedelta(hours=hours)
    assert BERLIN.day_of(start) == day
    assert BERLIN.day_of(end - timedelta(microseconds=1)) == day
    assert BERLIN.day_of(end) == day + timedelta(days=1)


def test_a_week_starts_on_monday_midnight_in_the_bucket_time_zone() -> None:
    start, end = BERLIN.bounds("weekly", date(2025, 3, 24))

    assert start == datetime(2025, 3, 23, 23, tzinfo=UTC)
    assert end == datetime(2025, 3, 30, 22, tzinfo=UTC)  # a 167-hour week: DST began
    assert week_of(date(2025, 3, 30)) == date(2025, 3, 24)


def test_weekly_periods_cover_the_weeks_the_range_touches() -> None:
    assert period_starts("weekly", date(2025, 3, 26), date(2025, 4, 7)) == [
        date(2025, 3, 24), date(2025, 3, 31), date(2025, 4, 7),
    ]


def test_an_hour_of_events_can_touch_two_days_in_a_half_hour_zone() -> None:
    kolkata = Calendar("Asia/Kolkata")  # UTC+05:30: 18:00-19:00 UTC spans local midnight

    assert days_of_hours(["2025-05-01T18", "2025-05-01T02"], kolkata) == {
        date(2025, 5, 1), date(2025, 5, 2),
    }


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        (date(2025, 5, 10), date(2025, 5, 9), "invalid_range"),
        (date(2025, 5, 10), date(2025, 5, 21), "range_in_future"),
        (date(2025, 4, 1), date(2025, 5, 9), "range_too_old"),
        (date(2025, 5, 1), date(2025, 5, 20), "range_too_long"),
    ],
)
def test_a_range_that_cannot_be_recomputed_says_why(first: date, last: date, code: str) -> None:
    with pytest.raises(Rejected) as rejected:
        recomputable_range(first, last, oldest=date(2025, 4, 20), today=date(2025, 5, 20),
                           max_days=7)

    assert rejected.value.code == code
