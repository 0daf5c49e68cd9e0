"""Sufficient statistics: merging parts gives the figures of the whole."""

from __future__ import annotations

import itertools
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questlog.stats.merge import Aggregate, FieldStats, merge, merge_fields
from questlog.stats.sketch import users_of


def stats_of(values: list[float]) -> FieldStats:
    return FieldStats(n=len(values), total=sum(values), total_sq=sum(v * v for v in values),
                      low=min(values, default=None), high=max(values, default=None))


values = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60)


@settings(max_examples=60)
@given(values=values, cuts=st.lists(st.integers(0, 60), max_size=5))
def test_merged_parts_finalize_to_the_figures_of_all_values(
    values: list[float], cuts: list[int]
) -> None:
    bounds = sorted({0, len(values), *(c for c in cuts if c < len(values))})
    parts = [stats_of(values[a:b]) for a, b in itertools.pairwise(bounds)]

    figures = merge_fields(parts).finalize()

    assert figures["sum"] == pytest.approx(sum(values), abs=1e-6)
    assert figures["avg"] == pytest.approx(statistics.fmean(values), abs=1e-6)
    assert figures["min"] == min(values)
    assert figures["max"] == max(values)
    # Σx² - n·mean² loses about 1e-16 of Σx² to rounding: with |x| <= 1e6, ~1e-4 in variance
    assert figures["std_dev"] == pytest.approx(statistics.pstdev(values), abs=0.02)


def test_std_dev_of_equal_values_is_zero_even_when_rounding_says_otherwise() -> None:
    values = [0.1 + 1e9] * 7

    assert stats_of(values).finalize()["std_dev"] == 0.0


def test_std_dev_never_exceeds_what_min_and_max_allow() -> None:
    values = [1e9 + 0.001 * i for i in range(1000)]  # Σx² cancels catastrophically here

    std_dev = stats_of(values).finalize()["std_dev"]

    assert std_dev is not None
    assert 0.0 <= std_dev <= (max(values) - min(values)) / 2


def test_a_field_no_event_carried_has_no_average() -> None:
    assert FieldStats().finalize() == {
        "sum": 0, "avg": None, "std_dev": None, "min": None, "max": None,
        "p50": None, "p90": None, "p99": None,
    }


def test_merge_adds_counts_and_successes_and_unites_users() -> None:
    monday = Aggregate(count=3, successes=1, users=users_of(["a", "b"]),
                       fields={"spend": stats_of([1.0, 2.0, 3.0])})
    tuesday = Aggregate(count=2, successes=2, users=users_of(["b", "c"]),
                        fields={"spend": stats_of([10.0]), "moe": stats_of([4.0])})

    week = merge([monday, tuesday])

    assert (week.count, week.successes, week.users.count()) == (5, 3, 3)
    assert week.success_rate() == pytest.approx(0.6)
    assert week.fields["spend"] == stats_of([1.0, 2.0, 3.0, 10.0])
    assert week.fields["moe"] == stats_of([4.0])


def test_a_type_without_a_success_flag_has_no_success_rate() -> None:
    week = merge([Aggregate(count=4, successes=None, users=users_of([]))])

    assert week.success_rate() is None
