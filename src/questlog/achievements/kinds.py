"""What the rule kinds compute beyond dict operations: a streak's UTC days and its
longest run once a day is added, a repeatable's multiples. Pure; the generated steps
(achievements.steps) and the unlocks (achievements.rules) call them.
"""

from __future__ import annotations

import bisect
import math
from datetime import UTC, datetime

from questlog.events.envelope import INT64_MAX

# Days a streak remembers before its newest day, beyond its longest level: ingestion
# refuses events older than max_past_days (30 by default), so an older day can no
# longer be filled in by a late event.
STREAK_MEMORY_DAYS = 35

_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal()


def utc_day(moment: datetime) -> int:
    """Days since 1970-01-01, in UTC."""
    zone = moment.tzinfo
    # The store hands back UTC (or naive UTC): its date is the day, without the
    # utcoffset() call (a method call on the zone, half of this function's time).
    if zone is UTC or zone is None or not moment.utcoffset():
        return moment.toordinal() - _EPOCH_ORDINAL
    return int(moment.timestamp() // 86400)


def with_day(kept: int, days: list[int], at: int, day: int, value: int) -> int:
    """The longest run once `day`, which `days` lacks, is inserted in `days` at `at`
    (in place), given `value`, the longest before; the days older than `kept` before
    the newest (see memory_of) are then dropped from `days`."""
    days.insert(at, day)
    run = 1
    # Most new days lack a neighbour on one side or both: that costs no call.
    if at and days[at - 1] == day - 1:
        run += _extent(days, at, -1)
    if at + 1 < len(days) and days[at + 1] == day + 1:
        run += _extent(days, at, 1)
    horizon = days[-1] - kept
    if days[0] < horizon:
        del days[: bisect.bisect_left(days, horizon)]
    return run if run > value else value


def memory_of(top: float) -> int:
    """How many days before its newest a streak whose longest level is `top` keeps."""
    return int(top) + STREAK_MEMORY_DAYS


def _extent(days: list[int], at: int, step: int) -> int:
    """How many days in a row follow (step 1) or precede (step -1) days[at], which has
    a next day on that side.

    `days` are sorted and distinct, so days[at + k * step] == days[at] + k * step means
    every day between is there too: the extent is found by bisection, not by a walk,
    after the common answer: all of that side."""
    day, side = days[at], (len(days) - 1 - at if step > 0 else at)
    if days[at + side * step] == day + side * step:
        return side
    low, high = 1, side - 1
    while low < high:
        middle = (low + high + 1) // 2
        if days[at + middle * step] == day + middle * step:
            low = middle
        else:
            high = middle - 1
    return low


def multiples(value: float, threshold: float) -> int:
    """How many multiples of `threshold` `value` has passed, as a count MongoDB can store:
    one event may carry 1e308, and a sum of two of them is infinite."""
    if math.isinf(value):
        return INT64_MAX if value > 0 else 0
    return int(min(max(value // threshold, 0), INT64_MAX))
