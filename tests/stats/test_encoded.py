"""The players' documents the rollup encodes in C (stats/encoded.py) are, byte for byte,
bson's encoding of the dicts scan.player_documents builds: whatever the values (ints
and floats of every size, bson's Int64, zeros, NaN, values of no number type), the
types (known or no longer in the catalogs), the rows (one or several, sampled or not),
the player's id and the bucket time zone. On the in-memory store, which takes no BSON,
the writer stores them decoded, as the dicts."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import bson
import pytest
from bson.int64 import Int64
from hypothesis import given
from hypothesis import strategies as st

from questlog.stats.compiled import COMPILED
from questlog.stats.encoded import Encoded, PlayerEncoder
from questlog.stats.fields import SHAPES
from questlog.stats.parts import Parts
from questlog.stats.periods import Calendar
from questlog.stats.rollup import span_of
from questlog.stats.scan import DayScan, player_documents, stored_player_documents
from questlog.stats.writer import PeriodWriter
from questlog.store.memory import memory_client

# Types of one to three numeric fields, with and without successes, and one no longer
# in the catalogs (only counted).
TYPES = ["LOBBY_ATTEMPT", "POLL_INTERVAL", "craft_result", "BILL_VOTE", "RETIRED_TYPE"]
values = st.one_of(
    st.floats(allow_infinity=False),  # NaN, -0.0, subnormals, the largest doubles
    st.integers(-(2**31) - 2, 2**31 + 1),  # int32's edges and just beyond
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, -1, 0.0, 1.0, 2.5, 1e-320]),
    st.booleans(), st.none(), st.text(max_size=3), st.builds(Int64, st.integers(-5, 5)),
)
users = st.one_of(st.sampled_from(["p1", "p2"]), st.text(min_size=1, max_size=8).filter(
    lambda text: not any("\ud800" <= c <= "\udfff" for c in text)))  # UTF-8 encodable


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(st.sampled_from(TYPES))
    event: dict[str, Any] = {"type": event_type, "user_id": draw(users),
                             "company_id": draw(st.sampled_from(["c1", None])),
                             "success": draw(st.one_of(st.booleans(), st.none()))}
    for name in SHAPES[event_type].numeric if event_type in SHAPES else ():
        if draw(st.booleans()):
            event[name] = draw(values)
    if draw(st.integers(0, 4)) == 0:
        event["sample_rate"] = draw(st.sampled_from([0.1, 0.5]))
    return event


def scanned_players(played: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    scan = DayScan()
    scan.add_all(played)
    return scan.players()


needs_c = pytest.mark.skipif(not COMPILED, reason="built without a C compiler (.ci/run "
                             "requires it, so CI never skips this)")


@needs_c
@given(st.lists(events(), max_size=30), st.sampled_from(["UTC", "Asia/Kolkata"]))
def test_the_encoded_documents_are_bsons_encoding_of_the_dicts(
    played: list[dict[str, Any]], time_zone: str
) -> None:
    span = span_of(Calendar(time_zone), "daily", date(2025, 3, 30))
    players = scanned_players(played)

    encoded = list(PlayerEncoder(span, Parts()).documents(players))

    assert [e.raw for e in encoded] == [bson.encode(d)
                                        for d in player_documents(span, players, Parts())]
    assert [e.id for e in encoded] == [d["_id"] for d in player_documents(span, players,
                                                                          Parts())]


@needs_c
def test_a_value_bson_cannot_hold_fails_as_the_dicts_do() -> None:
    """An infinity has no sketch key, an int beyond int64 no BSON type: the C path hands
    such a bucket back to parts.py, which raises what building the dicts raises."""
    span = span_of(Calendar("UTC"), "daily", date(2025, 3, 30))
    for value, error in ((math.inf, OverflowError), (2**64, OverflowError)):
        players = scanned_players([{"type": "craft_result", "user_id": "p1",
                                    "quantity": value}])
        with pytest.raises(error):
            [bson.encode(d) for d in player_documents(span, players, Parts())]
        with pytest.raises(error):
            list(PlayerEncoder(span, Parts()).documents(players))


async def test_the_memory_store_is_given_the_documents_decoded() -> None:
    span = span_of(Calendar("Asia/Kolkata"), "daily", date(2025, 3, 30))
    players = scanned_players([
        {"type": "LOBBY_ATTEMPT", "user_id": "p1", "success": True, "spend": 2.5},
        {"type": "POLL_INTERVAL", "user_id": "p2", "margin": -3, "sample_rate": 0.5},
    ])
    collection = memory_client()["encoded"]["daily_stats"]
    writer = PeriodWriter(collection, before=set())

    await writer.write(list(stored_player_documents(span, players, Parts())))

    stored = await collection.find({}, {"_id": 1, "types": 1}).sort("_id").to_list(None)
    built = player_documents(span, players, Parts())
    assert stored == [{"_id": d["_id"], "types": d["types"]} for d in built]
    assert writer.written == {"user/p1/2025-03-30", "user/p2/2025-03-30"}


@needs_c
def test_an_encoded_document_decodes_to_the_dict() -> None:
    span = span_of(Calendar("Asia/Kolkata"), "daily", date(2025, 3, 30))
    players = scanned_players([{"type": "craft_result", "user_id": "p/1", "quantity": 3}])

    [encoded] = PlayerEncoder(span, Parts()).documents(players)
    [built] = player_documents(span, players, Parts())

    assert type(encoded) is Encoded
    assert encoded.decoded() == built
    assert encoded.id == built["_id"] == "user/p%2F1/2025-03-30"
