"""A day read through several cursors: its parts cover it, and no instant is in two."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from questlog.stats.pipeline import day_parts

START = datetime(2025, 3, 30, tzinfo=UTC)


def _parts_holding(instant: datetime, end: datetime, parts: int) -> int:
    return sum(q["event_time"]["$gte"] <= instant < q["event_time"]["$lt"]
               for q in day_parts(START, end, parts))


@pytest.mark.parametrize("parts", [1, 2, 3])
@pytest.mark.parametrize("hours", [23, 24, 25])  # days of a DST change are 23 or 25 hours
def test_every_instant_of_the_day_is_in_exactly_one_part(parts: int, hours: int) -> None:
    end = START + timedelta(hours=hours)
    step = timedelta(hours=hours) / 7
    instants = [START, end - timedelta(milliseconds=1)]
    instants += [START + step * i + timedelta(milliseconds=d) for i in range(1, 7)
                 for d in (-1, 0, 1)]
    bounds = {q["event_time"]["$gte"] for q in day_parts(START, end, parts)}
    instants += sorted(bounds)
    assert [_parts_holding(i, end, parts) for i in instants] == [1] * len(instants)
    assert _parts_holding(end, end, parts) == 0
