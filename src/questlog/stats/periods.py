"""Bucket periods: days and ISO weeks (Monday start) of the bucket time zone. Pure.

A period is named by its first local day; its bounds are the UTC instants of the local
midnights around it, so a day on which DST starts or ends lasts 23 or 25 hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Period = Literal["daily", "weekly"]
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


class Rejected(ValueError):
    """A query or range the statistics cannot serve or recompute; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Calendar:
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def day_of(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def midnight(self, day: date) -> datetime:
        """The first instant of `day`, in UTC (fold=0: the earlier one when midnight repeats,
        and the first existing instant when DST skips midnight)."""
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    def bounds(self, period: Period, start: date) -> tuple[datetime, datetime]:
        return self.midnight(start), self.midnight(start + (DAY if period == "daily" else WEEK))


def week_of(day: date) -> date:
    """The Monday that starts the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def days_from(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def weeks_of(days: Iterable[date]) -> list[date]:
    return sorted({week_of(d) for d in days})


def period_starts(period: Period, first: date, last: date) -> list[date]:
    """The starts of the periods that overlap the days first..last."""
    if period == "daily":
        return days_from(first, last)
    return days_from(week_of(first), week_of(last))[::7]


def checked_range(first: date, last: date, *, max_days: int) -> list[date]:
    """The days first..last; Rejected when they are reversed or too many."""
    if first > last:
        raise Rejected("invalid_range", f"from ({first}) is after to ({last})")
    days = (last - first).days + 1
    if days > max_days:
        raise Rejected("range_too_long", f"{days} days; at most {max_days} at once")
    return days_from(first, last)


def recomputable_range(
    first: date, last: date, *, oldest: date, today: date, max_days: int
) -> list[date]:
    """The days first..last if every one can be rebuilt from raw events that still exist."""
    if first <= last and last > today:
        raise Rejected("range_in_future", f"to ({last}) is after today ({today})")
    if first <= last and first < oldest:
        raise Rejected(
            "range_too_old",
            f"raw events before {oldest} may have expired, so days before it cannot be "
            "recomputed (their stored statistics are kept)",
        )
    return checked_range(first, last, max_days=max_days)
