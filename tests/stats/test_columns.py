"""Property: a big bucket's field statistics, computed by numpy (stats/columns.py), are
exactly those worked out plainly from the values, down to an int's staying an int and
each value's sketch key; the columns numpy leaves alone are computed as before."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from questlog.stats.columns import BIG, EXACT_SQUARE, field_of_column
from questlog.stats.merge import exact_sum
from questlog.stats.parts import Parts
from questlog.stats.quantiles import MAPPING, encode_sketch, sketch_of

# Values on and beside the sketch's bin edges (gamma ** k), where a log a hair off would
# move a value into the next bin, besides plain floats of every size.
edges = st.integers(-400, 400).map(lambda k: MAPPING.gamma ** k)
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True),
    st.floats(-1e6, 1e6), edges, edges.map(lambda x: -x),
    edges.map(lambda x: math.nextafter(x, math.inf)),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 2.0, 1e-310]))
ints = st.one_of(st.integers(-5, 5), st.integers(-EXACT_SQUARE, EXACT_SQUARE),
                 st.integers(-2 ** 40, 2 ** 40))
# Ingestion refuses infinities and NaN (events/envelope.py); NaN is still counted alike.
others = st.sampled_from([None, True, False, math.nan, "7"])


@st.composite
def columns(draw: st.DrawFn) -> list[Any]:
    """Mostly columns of one kind, as a field's values are, some with absent values or a
    stray value of another kind."""
    kind = draw(st.sampled_from([floats, ints]))
    column: list[Any] = draw(st.lists(kind, min_size=BIG, max_size=BIG + 64))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 3]))):
        column[draw(st.integers(0, len(column) - 1))] = draw(st.one_of(others, floats, ints))
    return column


def plainly(column: list[Any]) -> dict[str, Any]:
    numbers = [v for v in column if type(v) in (int, float)]
    return {"n": len(numbers), "sum": exact_sum(numbers),  # fsum, or past the largest double
            "sum_sq": exact_sum([v * v for v in numbers]),
            "min": min(numbers), "max": max(numbers),
            "q": encode_sketch(sketch_of(numbers))}


def same(got: dict[str, Any], want: dict[str, Any]) -> bool:
    """Equal, NaN included, and of the same types (1 and 1.0 are stored apart)."""
    return got.keys() == want.keys() and all(
        type(got[k]) is type(want[k]) and (got[k] == want[k] or both_nan(got[k], want[k]))
        for k in want)


def both_nan(a: Any, b: Any) -> bool:
    return a != a and b != b


@given(columns())
def test_numpy_gives_the_plain_statistics_of_every_column_it_takes(column: list[Any]) -> None:
    stored = field_of_column(column)
    if stored is not None:
        assert same(stored, plainly(column))


@given(columns())
def test_a_bucket_stores_the_plain_statistics_of_each_field(column: list[Any]) -> None:
    """Whichever way Parts computes a big column (numpy's, or its own for the rest)."""
    if not any(type(v) in (int, float) for v in column):
        return
    stored = Parts()._field(tuple(column), None)
    assert same(stored, plainly(column))


def test_numpy_takes_the_columns_of_one_kind_and_leaves_the_others() -> None:
    floats_column = [0.5 * i for i in range(BIG)]
    assert field_of_column(floats_column) is not None
    assert field_of_column([*floats_column[1:], None]) is not None  # absent values
    assert field_of_column([i - 100 for i in range(BIG)]) is not None
    for stray in (1, True, math.nan, "7"):
        assert field_of_column([*floats_column[1:], stray]) is None
    assert field_of_column([EXACT_SQUARE, *range(BIG)]) is None  # its square rounds
