"""Sufficient statistics that merge, and what they finalize to. Pure.

A bucket stores, per numeric field, the count of present values, their sum, the sum
of their squares, min, max and a quantile sketch (see quantiles.py); and the event
count, successes and distinct users. Where sampled events are counted (stored with a
sample_rate below 1), it also stores the count and each sum weighted by 1 / rate: the
estimates of the unsampled totals. Merging adds or combines these exactly the same way
whatever the grouping, so a week merged from seven days equals the week computed from
the raw events, and averages, standard deviations and percentiles come out of the
merged sums and sketches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from questlog.stats.quantiles import EMPTY, QuantileSketch, merge_sketches
from questlog.stats.sketch import DistinctUsers, merge_users


@dataclass(frozen=True)
class FieldStats:
    n: int = 0  # events where the field held a number; optional fields may be absent
    total: float = 0.0
    total_sq: float = 0.0
    low: float | None = None
    high: float | None = None
    sketch: QuantileSketch = EMPTY
    # Σ value / sample_rate; None when no value was sampled (the estimate is then total)
    weighted_total: float | None = None

    @property
    def estimated_total(self) -> float:
        return self.total if self.weighted_total is None else self.weighted_total

    def finalize(self) -> dict[str, float | None]:
        """{sum, avg, std_dev, min, max, p50, p90, p99}; std_dev is the population standard
        deviation, the percentiles within quantiles.RELATIVE_ACCURACY of the exact ones."""
        if self.n == 0:
            return {"sum": 0, "avg": None, "std_dev": None, "min": None, "max": None,
                    "p50": None, "p90": None, "p99": None}
        return {
            "sum": self.total,
            "avg": self.total / self.n,
            "std_dev": population_std_dev(self),
            "min": self.low,
            "max": self.high,
            **self.sketch.percentiles(),
        }


def population_std_dev(stats: FieldStats) -> float:
    """sqrt(E[x²] - mean²), kept inside what the data allow.

    Σx² - mean·Σx cancels badly when the spread is tiny next to the mean, and its
    rounding error can even make it negative. The true variance lies between 0 and
    ((max - min) / 2)² (Popoviciu's inequality), and is exactly 0 when min == max,
    so the result is clamped into those bounds: never absurd, and NaN (shown as null)
    only when the sums themselves overflowed. The bound is applied to the deviation, not
    squared: the square of a spread past 1.3e154 would overflow.
    """
    if stats.low is None or stats.high is None or stats.low == stats.high:
        return 0.0
    mean = stats.total / stats.n
    variance = (stats.total_sq - mean * stats.total) / stats.n
    return min(math.sqrt(max(variance, 0.0)), (stats.high - stats.low) / 2)


def exact_sum(values: Sequence[float]) -> float:
    """fsum is exact and order-free: the same buckets merge to the same bits however grouped.

    It raises past the largest double and on inf - inf, which valid events reach (two
    of 1e308): the sum is then plain addition in sorted order (±inf or nan, which the API
    shows as null), independent of the parts' order, rather than a failed rollup.
    """
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(sorted(values))


def merge_fields(parts: Sequence[FieldStats]) -> FieldStats:
    lows = [p.low for p in parts if p.low is not None]
    highs = [p.high for p in parts if p.high is not None]
    return FieldStats(
        n=sum(p.n for p in parts),
        total=exact_sum([p.total for p in parts]),
        total_sq=exact_sum([p.total_sq for p in parts]),
        low=min(lows, default=None),
        high=max(highs, default=None),
        sketch=merge_sketches(p.sketch for p in parts),
        weighted_total=weighted([(p.weighted_total, p.estimated_total) for p in parts]),
    )


def weighted(parts: Sequence[tuple[float | None, float]]) -> float | None:
    """The merged weighted figure: None while no part was sampled, else the exact sum of
    every part's estimate (its weighted figure, or its plain one)."""
    if all(w is None for w, _ in parts):
        return None
    return exact_sum([estimate for _, estimate in parts])


@dataclass(frozen=True)
class Aggregate:
    count: int
    successes: int | None  # None for a type without a success flag
    users: DistinctUsers
    fields: Mapping[str, FieldStats] = field(default_factory=dict)
    weighted_count: float | None = None  # Σ 1 / sample_rate; None when nothing was sampled

    @property
    def estimated_count(self) -> float:
        return self.count if self.weighted_count is None else self.weighted_count

    def success_rate(self) -> float | None:
        return success_rate(self.successes, self.count)


def success_rate(successes: int | None, count: int) -> float | None:
    return successes / count if successes is not None and count else None


def merge(parts: Sequence[Aggregate], extra_users: Iterable[str] = ()) -> Aggregate:
    """One aggregate for all of `parts`, plus the users in `extra_users`."""
    extra = list(extra_users)
    if len(parts) == 1 and not extra:
        return parts[0]  # most player buckets: one row of the day's $group
    extra_users = extra
    names = dict.fromkeys(name for part in parts for name in part.fields)
    successes = [p.successes for p in parts if p.successes is not None]
    return Aggregate(
        count=sum(p.count for p in parts),
        successes=sum(successes) if successes else None,
        users=merge_users((p.users for p in parts), extra=extra_users),
        fields={
            name: merge_fields([p.fields[name] for p in parts if name in p.fields])
            for name in names
        },
        weighted_count=weighted([(p.weighted_count, p.estimated_count) for p in parts]),
    )
