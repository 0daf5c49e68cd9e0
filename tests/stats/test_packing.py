"""Property: rows packed for the rollup's helper process (stats/packing.py) come back
equal and of the same types, bit for bit, whether marshal or pickle carried them."""

from __future__ import annotations

import struct
from datetime import datetime
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from hypothesis import given
from hypothesis import strategies as st

from questlog.stats.packing import packed, unpacked

plain = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5))
# What a malformed event may hold in a numeric field, which marshal cannot write.
foreign = st.one_of(st.integers(-2 ** 63, 2 ** 63 - 1).map(Int64),
                    st.just(Decimal128("1.5")), st.just(datetime(2025, 1, 6)))
rows = st.tuples(st.tuples(plain, plain, plain), st.booleans(),
                 st.one_of(st.none(), st.floats(0.01, 1)))


def exactly(value: Any) -> Any:
    """`value` with each float as its bits and each leaf with its type, so that -0.0
    differs from 0.0, NaN equals NaN, and 1 differs from 1.0 and True."""
    if isinstance(value, tuple | list):
        return type(value), [exactly(v) for v in value]
    if isinstance(value, dict):
        return [(exactly(k), exactly(v)) for k, v in value.items()]
    if type(value) is float:
        return float, struct.pack("<d", value)
    return type(value), value


@given(st.dictionaries(st.tuples(st.text(max_size=3), st.none() | st.text(max_size=3)),
                       st.dictionaries(st.text(max_size=3), st.lists(rows, max_size=4)),
                       max_size=5))
def test_a_scans_rows_come_back_as_they_were(owners: dict[Any, Any]) -> None:
    assert exactly(unpacked(packed((7, owners)))) == exactly((7, owners))


@given(st.lists(rows, min_size=1, max_size=5), foreign, st.data())
def test_a_value_marshal_cannot_write_sends_them_by_pickle(
    some: list[Any], odd: Any, data: st.DataObject
) -> None:
    where = data.draw(st.integers(0, len(some) - 1))
    values, success, rate = some[where]
    some[where] = ((odd, *values[1:]), success, rate)
    players = [("p1", {"BILL_VOTE": some})]
    assert exactly(unpacked(packed(players))) == exactly(players)
