"""Property: a bucket joined from other buckets' columns (the game's, from its companies'
and the events of none) is stored byte for byte as the bucket built from all their rows:
the same exact sums, the same extremes (ints stay ints), the same sketch and sampling
estimates."""

from __future__ import annotations

import bson
from hypothesis import given
from hypothesis import strategies as st

from questlog.stats.fields import TypeShape
from questlog.stats.parts import Parts, Row, joined

SHAPE = TypeShape(("a", "b"), has_success=True)
values = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.integers(-3, 3),
                   st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e-300]))
rows = st.tuples(st.tuples(values, values), st.booleans(),
                 st.one_of(st.none(), st.sampled_from([0.1, 0.25, 0.5])))


@given(st.lists(st.lists(rows, min_size=1, max_size=8), min_size=1, max_size=5))
def test_joined_columns_store_as_the_rows_do(groups: list[list[Row]]) -> None:
    parts = Parts()
    users = {"p1", "p2"}
    from_rows = parts.stored(SHAPE, parts.columns(SHAPE, [r for g in groups for r in g]), users)
    from_parts = parts.stored(SHAPE, joined([parts.columns(SHAPE, g) for g in groups]), users)
    assert bson.encode(from_parts) == bson.encode(from_rows)
