"""A batch of raw events scanned in C from its bytes (DayScan.add_batch, as the rollup
reads a day on a server) gives the very rows of the events decoded into dicts and
added one by one (DayScan.add): the same owners, types and events counted, each value
of the same Python type, whatever BSON types the events hold where the scan reads them
(numbers of every width, strings, nulls, dates, documents, absent fields), however
their fields are ordered, and with an event that repeats a field name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import bson
import bson.errors
import pytest
from bson.binary import Binary
from bson.code import Code
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from hypothesis import given
from hypothesis import strategies as st

from questlog.stats.compiled import COMPILED
from questlog.stats.fields import SHAPES
from questlog.stats.scan import DayScan
from questlog.store.naive import PLAIN

pytestmark = pytest.mark.skipif(not COMPILED, reason="built without a C compiler (.ci/run "
                                "requires it, so CI never skips this)")

TYPES = ["LOBBY_ATTEMPT", "POLL_INTERVAL", "craft_result", "RETIRED_TYPE"]
values = st.one_of(
    st.floats(), st.integers(-(2**63), 2**63 - 1), st.booleans(), st.none(),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=4),  # UTF-8 encodable
    st.just(datetime(2025, 1, 6, tzinfo=UTC)), st.just({"nested": 1}), st.just([1, 2]),
    st.just(Decimal128("1.5")), st.just(ObjectId("0123456789ab0123456789ab")),
    st.just(Code("x")), st.just(Binary(b"x", 0)),  # Code is a str of its own type
)
# A player's id of another type than str (ingestion allows none but str), hashable
owners = st.one_of(st.sampled_from(["p1", "p2", None]), st.integers(-5, 5), st.floats(0, 1),
                   st.just(datetime(2025, 1, 6, tzinfo=UTC)))


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(st.one_of(st.sampled_from(TYPES), values))
    event: dict[str, Any] = {"_id": draw(st.integers(0, 10**6))}
    for name, value in (("type", event_type), ("user_id", draw(owners)), ("company_id", draw(
            st.sampled_from(["c1", None]))), ("success", draw(values)),
            ("event_time", datetime(2025, 1, 6, tzinfo=UTC))):
        if draw(st.integers(0, 5)):  # sometimes absent
            event[name] = value
    names = SHAPES[event_type].numeric if event_type in TYPES[:3] else ()
    for name in names:
        if draw(st.booleans()):
            event[name] = draw(values)
    if draw(st.integers(0, 3)) == 0:
        event["sample_rate"] = draw(st.one_of(st.sampled_from([0.25, 1]), values))
    order = draw(st.permutations(list(event)))
    return {name: event[name] for name in order}


def typed(scan: DayScan) -> dict[Any, Any]:
    """The scan's rows, each value beside its type (1 == 1.0 == True in Python)."""
    return {owner: {t: [(tuple(map(_typed, values)), success, _typed(rate))
                        for values, success, rate in rows]
                    for t, rows in buckets.items()}
            for owner, buckets in scan.owners.items()}


def _typed(value: Any) -> tuple[Any, type]:
    return ("NaN" if value != value else value), type(value)  # NaN equals no NaN


def both(batch: bytes) -> tuple[DayScan, DayScan]:
    decoded, raw = DayScan(), DayScan()
    decoded.add_all(bson.decode_all(batch, PLAIN))
    raw.add_batch(batch)
    return decoded, raw


@given(st.lists(events(), max_size=15))
def test_a_raw_batch_scans_to_the_rows_of_its_decoded_events(played: list[dict[str, Any]]
                                                              ) -> None:
    decoded, raw = both(b"".join(bson.encode(event) for event in played))

    assert raw.events == decoded.events
    assert typed(raw) == typed(decoded)


def test_a_field_given_twice_counts_as_its_last_value_as_in_a_dict() -> None:
    first = bson.encode({"type": "craft_result", "user_id": "p1", "quantity": 1})
    again = bson.encode({"quantity": Int64(7), "user_id": "p2"})
    event = first[:-1] + again[4:]  # the elements of both, once closed
    event = len(event).to_bytes(4, "little") + event[4:]

    decoded, raw = both(event)

    assert typed(raw) == typed(decoded)
    assert list(raw.owners) == [(None, "p2")]
    assert raw.owners[(None, "p2")]["craft_result"][0][0] == (7,)


def test_a_malformed_event_fails_as_its_decoding_does() -> None:
    event = bson.encode({"type": "craft_result", "quantity": 1})
    broken = event[:-3] + b"\x00"  # the int32 cut to two bytes, the document closed
    broken = len(broken).to_bytes(4, "little") + broken[4:]

    with pytest.raises(bson.errors.InvalidBSON):
        DayScan().add_all(bson.decode_all(broken, PLAIN))
    with pytest.raises(bson.errors.InvalidBSON):
        DayScan().add_batch(broken)
