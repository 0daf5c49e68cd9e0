"""Seed 003's fairness checks on the contracts, shown over HTTP: each refused per event."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import bill_vote
from events_http import data_of, post_batch

from questlog.contracts.schemas import event_schema
from questlog.events.politics import BillVoted, DebateScored, PollTaken

POLL = {"type": "POLL_INTERVAL", "poll_id": "poll-1", "leading_candidate": "ana",
        "margin": 2.5, "moe": 3.0}
DEBATE = {"type": "DEBATE_RESULT", "debate_id": "d-1", "persuasion_score": 50.0,
          "participants": ["player-1"]}
BALANCE = {"type": "SYSTEM_BALANCE_APPLIED", "poll_id": "poll-1", "underdog_buff": 0.1,
           "frontrunner_penalty": 0.1, "cap_compressed": False}


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (bill_vote(seat_weight=0.0), "seat_weight"),
        (bill_vote(seat_weight=-1.0), "seat_weight"),
        ({**POLL, "margin": -0.5}, "margin"),
        ({**POLL, "moe": -1.0}, "moe"),
        ({**POLL, "schema_version": 2, "sample_size": 10, "moe": -1.0}, "moe"),
        ({**DEBATE, "persuasion_score": 100.5}, "persuasion_score"),
        ({**DEBATE, "persuasion_score": -1.0}, "persuasion_score"),
        ({**BALANCE, "underdog_buff": -0.1}, "underdog_buff"),
        ({**BALANCE, "frontrunner_penalty": -0.1}, "frontrunner_penalty"),
    ],
)
async def test_an_event_outside_its_fair_range_is_rejected_naming_the_field(
    ingest_client: httpx.AsyncClient, event: dict[str, Any], field: str
) -> None:
    result = data_of(await post_batch(ingest_client, [event]))

    assert (result["accepted"], result["rejected"]) == (0, 1)
    assert result["rejections"][0]["code"] == "invalid_event"
    assert result["rejections"][0]["message"].startswith(f"{field}:")


async def test_the_edges_of_the_fair_ranges_are_accepted(
    ingest_client: httpx.AsyncClient,
) -> None:
    events = [bill_vote(seat_weight=0.001), {**POLL, "margin": 0.0, "moe": 0.0},
              {**DEBATE, "persuasion_score": 0.0}, {**DEBATE, "persuasion_score": 100.0},
              {**BALANCE, "underdog_buff": 0.0, "frontrunner_penalty": 0.0}]

    result = data_of(await post_batch(ingest_client, events))

    assert (result["accepted"], result["rejected"]) == (len(events), 0)


def test_the_contracts_say_which_ranges_hold() -> None:
    vote = event_schema(BillVoted)["properties"]["seat_weight"]
    poll = event_schema(PollTaken)["properties"]["margin"]
    debate = event_schema(DebateScored)["properties"]["persuasion_score"]

    assert (vote["exclusiveMinimum"], vote["description"]) == (0, "Greater than 0.")
    assert (poll["minimum"], poll["description"]) == (0, "0 or more.")
    assert (debate["minimum"], debate["maximum"]) == (0, 100)
