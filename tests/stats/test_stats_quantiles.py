"""Property: a bucket's percentiles are within the sketch's relative error of the exact
quantiles, and merged sketches answer exactly what one sketch of all the values does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from questlog.stats.quantiles import (
    RELATIVE_ACCURACY,
    decode_sketch,
    encode_sketch,
    merge_sketches,
    sketch_of,
)

values = st.one_of(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.integers(min_value=-10_000, max_value=10_000).map(float),
    st.just(0.0),
)
quantiles = st.sampled_from([0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 1.0])


def exact(numbers: list[float], q: float) -> float:
    """The value of rank floor(q * (n - 1)) among the numbers sorted."""
    return sorted(numbers)[int(q * (len(numbers) - 1))]


@given(st.lists(values, min_size=1, max_size=300), quantiles)
def test_a_quantile_is_within_the_relative_error_of_the_exact_one(
    numbers: list[float], q: float
) -> None:
    answer, truth = sketch_of(numbers).quantile(q), exact(numbers, q)

    assert answer is not None
    # Below the smallest value the mapping indexes (about 1e-308) a value counts as 0.
    assert abs(answer - truth) <= RELATIVE_ACCURACY * abs(truth) + 1e-300


@given(st.lists(st.lists(values, max_size=50), min_size=1, max_size=8), quantiles)
def test_merged_days_answer_as_the_week_built_from_every_value(
    days: list[list[float]], q: float
) -> None:
    week = [x for day in days for x in day]

    merged = merge_sketches(decode_sketch(encode_sketch(sketch_of(day))) for day in days)

    assert merged == sketch_of(week)
    assert merged.quantile(q) == sketch_of(week).quantile(q)


def test_no_values_have_no_percentiles() -> None:
    assert sketch_of([]).percentiles() == {"p50": None, "p90": None, "p99": None}
