"""Seed 002's dedup by (player, client_guid, seq): a gameplay event resent without an
event_id is a duplicate, not a second event."""

from __future__ import annotations

from typing import Any

from conftest import bill_vote

from questlog.bootstrap import Questlog
from questlog.ingest.validation import sequence_event_id


def tick(seq: int | None, user: str = "p-1", guid: str = "install-1") -> dict[str, Any]:
    event = {"type": "session_start", "user_id": user, "client_guid": guid, "build": "1",
             "platform": "pc", "shard": "eu"}
    return event if seq is None else {**event, "seq": seq}


async def test_a_resent_gameplay_event_without_id_is_a_duplicate(questlog: Questlog) -> None:
    first = await questlog.ingestor.ingest([tick(7), tick(8)])
    again = await questlog.ingestor.ingest([tick(7)])
    assert first.accepted == 2
    assert again.accepted == 0
    assert again.duplicate_ids == first.event_ids[:1]
    assert first.event_ids[0].startswith("seq-")


async def test_other_players_installs_or_events_without_seq_are_not_merged(
    questlog: Questlog,
) -> None:
    events = [tick(7), tick(7, user="p-2"), tick(7, guid="install-2"), tick(None), tick(None),
              bill_vote(seq=7), bill_vote(seq=7)]
    result = await questlog.ingestor.ingest(events)
    assert result.accepted == len(events)


def test_the_id_is_a_function_of_the_three_and_nothing_else() -> None:
    a = sequence_event_id({"user_id": "p", "client_guid": "g", "seq": 1, "build": "1"})
    b = sequence_event_id({"user_id": "p", "client_guid": "g", "seq": 1, "build": "2"})
    assert a == b
    assert a != sequence_event_id({"user_id": "p", "client_guid": "g", "seq": 2})
    assert sequence_event_id({"user_id": "p", "client_guid": "g"}) is None
    assert sequence_event_id({"client_guid": "g", "seq": 1}) is None
