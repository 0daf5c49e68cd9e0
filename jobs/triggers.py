"""A trigger at a set time after midnight in the bucket time zone, right on DST days.

APScheduler 3.x's CronTrigger steps days by adding 24 hours, so around a 23-hour DST
day it skips a run (agronholm/apscheduler#529; still so in 3.11.3: a Monday 00:30 run
in Europe/Berlin goes from 24 March 2025 to 7 April, a daily 00:05 run in
America/Los_Angeles skips 10 March 2025). This trigger steps calendar days instead
and finds each local midnight with zoneinfo, as the buckets themselves do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger

from questlog.stats.periods import DAY, Calendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class AfterMidnight(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 is untyped
    def __init__(self, calendar: Calendar, after: timedelta, weekday: int | None = None) -> None:
        self.calendar, self.after, self.weekday = calendar, after, weekday

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # Like CronTrigger: the first fire time at or after `now`, or right after the
        # previous one when that was missed (the scheduler then applies its grace time).
        start = now if previous_fire_time is None else min(
            now, previous_fire_time + timedelta(microseconds=1)
        )
        day = self.calendar.day_of(start) - DAY  # `after` may reach into the next day
        while True:
            fire = self.calendar.midnight(day) + self.after
            if fire >= start and self.weekday in (None, day.weekday()):
                return fire.astimezone(self.calendar.zone)
            day += DAY

    def __str__(self) -> str:
        days = "daily" if self.weekday is None else f"on {WEEKDAYS[self.weekday]}"
        return f"{days}, {self.after} after midnight {self.calendar.time_zone}"
