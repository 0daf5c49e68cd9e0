"""A session belongs to its first player, also where its claim and its first event are
written in one command (a server with multi-collection bulkWrite: the real-server
tier) or in one transaction (the same server, told to use those)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import bill_vote, empty_database
from pymongo.errors import AutoReconnect

from questlog import bootstrap
from questlog.bootstrap import Questlog
from questlog.ingest.codes import Code
from questlog.settings import Settings
from questlog.store import transactions

pytestmark = pytest.mark.mongodb


@pytest.fixture(params=["one command", "one transaction"])
async def two_processes(
    settings: Settings, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Questlog, Questlog]]:
    """Two Questlog processes on one database, each with its own caches, writing a
    request's claims and events in one command, or in one transaction as on a server
    without multi-collection bulkWrite (MongoDB before 8)."""
    if request.param == "one transaction":
        monkeypatch.setattr(transactions, "runs_client_bulk_write", without_bulk_write)
    empty_database(settings)
    first = await bootstrap.start(settings)
    second = await bootstrap.start(settings)
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


def without_bulk_write(hello: object) -> bool:
    return False


async def stored(questlog: Questlog, collection: str) -> dict[str, Any]:
    cursor = questlog.store.database[collection].find({})
    return {d["_id"]: d.get("user_id") async for d in cursor}


async def test_a_new_sessions_claim_is_stored_with_its_first_event(
    two_processes: tuple[Questlog, Questlog],
) -> None:
    first, _ = two_processes

    result = await first.ingestor.ingest([bill_vote(event_id="a", session_id="s-1")])

    assert result.accepted == 1
    assert await stored(first, "session_owners") == {"s-1": "player-1"}
    assert await stored(first, "events") == {"a": "player-1"}


async def test_a_session_claimed_in_another_process_is_refused_to_another_player(
    two_processes: tuple[Questlog, Questlog],
) -> None:
    first, second = two_processes
    await first.ingestor.ingest([bill_vote(event_id="a", session_id="s-1")])

    theirs = await second.ingestor.ingest(
        [bill_vote(event_id="b", session_id="s-1", user_id="player-2")])
    mine = await second.ingestor.ingest([bill_vote(event_id="c", session_id="s-1")])

    assert [r.code for r in theirs.rejections] == [Code.SESSION_NOT_OWNED]
    assert mine.accepted == 1
    assert await stored(second, "events") == {"a": "player-1", "c": "player-1"}


async def test_two_players_racing_for_a_new_session_one_owns_it(
    two_processes: tuple[Questlog, Questlog],
) -> None:
    first, second = two_processes

    results = await asyncio.gather(*(
        questlog.ingestor.ingest([bill_vote(event_id=player, session_id="s-1", user_id=player)])
        for questlog, player in ((first, "player-1"), (second, "player-2"))
    ))

    assert sorted(r.accepted for r in results) == [0, 1]
    assert [r.code for result in results for r in result.rejections] == [Code.SESSION_NOT_OWNED]
    owners = await stored(first, "session_owners")
    assert await stored(first, "events") == {owners["s-1"]: owners["s-1"]}


async def test_a_repeated_event_of_a_new_session_is_stored_once_and_claims_it(
    two_processes: tuple[Questlog, Questlog],
) -> None:
    first, second = two_processes
    await first.ingestor.ingest([bill_vote(event_id="a")])  # stored before, no session

    # The event's insert fails in the unit: the claim is made again on its own.
    result = await second.ingestor.ingest([
        bill_vote(event_id="a", session_id="s-1"), bill_vote(event_id="b", session_id="s-1"),
        bill_vote(event_id="b", session_id="s-1")])
    theirs = await first.ingestor.ingest(
        [bill_vote(event_id="c", session_id="s-1", user_id="player-2")])

    assert (result.accepted, result.duplicates, result.rejected) == (1, 2, 0)
    assert await stored(second, "session_owners") == {"s-1": "player-1"}
    assert [r.code for r in theirs.rejections] == [Code.SESSION_NOT_OWNED]


async def test_a_repeated_single_event_of_a_new_session_is_stored_once_and_claims_it(
    two_processes: tuple[Questlog, Questlog],
) -> None:
    first, second = two_processes
    await first.ingestor.ingest([bill_vote(event_id="a")])  # stored before, no session

    again = await second.ingestor.ingest([bill_vote(event_id="a", session_id="s-1")])
    theirs = await first.ingestor.ingest(
        [bill_vote(event_id="c", session_id="s-1", user_id="player-2")])

    assert (again.accepted, again.duplicates, again.rejected) == (0, 1, 0)
    assert await stored(second, "session_owners") == {"s-1": "player-1"}
    assert [r.code for r in theirs.rejections] == [Code.SESSION_NOT_OWNED]
    assert await stored(first, "events") == {"a": "player-1"}


async def test_a_store_error_after_the_claim_and_event_landed_does_not_fail_the_request(
    two_processes: tuple[Questlog, Questlog], monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, second = two_processes

    async def unreachable(claimed: dict[str, str]) -> None:
        raise AutoReconnect("the store went away")

    # What runs once the writes landed only fills this process's cache of owners.
    monkeypatch.setattr(second.access.sessions, "_remember", unreachable)
    result = await second.ingestor.ingest([bill_vote(event_id="a", session_id="s-1")])

    assert (result.accepted, result.duplicates) == (1, 0)
    assert await stored(second, "session_owners") == {"s-1": "player-1"}
    assert await stored(second, "events") == {"a": "player-1"}


async def test_an_opted_out_players_single_event_claims_no_session(
    two_processes: tuple[Questlog, Questlog],
) -> None:
    first, second = two_processes
    await first.access.flags.set_opted_out("player-2", True)

    result = await second.ingestor.ingest(
        [bill_vote(event_id="b", session_id="s-2", user_id="player-2")])

    assert (result.accepted, result.opted_out) == (0, 1)
    assert await stored(second, "session_owners") == {}
    assert await stored(second, "events") == {}


async def test_an_opted_out_players_event_claims_no_session(
    two_processes: tuple[Questlog, Questlog],
) -> None:
    first, second = two_processes
    await first.access.flags.set_opted_out("player-2", True)

    result = await second.ingestor.ingest([
        bill_vote(event_id="a", session_id="s-1"),
        bill_vote(event_id="b", session_id="s-2", user_id="player-2"),
    ])

    assert (result.accepted, result.opted_out) == (1, 1)
    assert await stored(second, "session_owners") == {"s-1": "player-1"}
    assert await stored(second, "events") == {"a": "player-1"}


async def test_an_opted_out_players_event_beside_a_session_claimed_before_claims_none(
    two_processes: tuple[Questlog, Questlog],
) -> None:
    first, second = two_processes
    await first.ingestor.ingest([bill_vote(event_id="a", session_id="s-1")])
    await first.access.flags.set_opted_out("player-2", True)

    # s-1's claim fails in the unit (claimed before): the claims again on their own.
    result = await second.ingestor.ingest([
        bill_vote(event_id="b", session_id="s-1"),
        bill_vote(event_id="c", session_id="s-2", user_id="player-2"),
        bill_vote(event_id="d", session_id="s-3", user_id="player-3"),
    ])

    assert (result.accepted, result.opted_out) == (2, 1)
    assert await stored(second, "session_owners") == {"s-1": "player-1", "s-3": "player-3"}
    assert await stored(second, "events") == {"a": "player-1", "b": "player-1", "d": "player-3"}


async def test_a_store_error_while_the_flags_are_read_reaches_the_caller_as_itself(
    two_processes: tuple[Questlog, Questlog], monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, second = two_processes

    async def unreachable(keys: list[str]) -> dict[str, Any]:
        raise AutoReconnect("the store went away")

    monkeypatch.setattr(second.access.flags, "_read_silenced", unreachable)
    monkeypatch.setattr(second.access.flags, "_read_everyone", unreachable)

    with pytest.raises(AutoReconnect):
        await second.ingestor.ingest([bill_vote(event_id="a", session_id="s-1")])
    assert await stored(second, "session_owners") == {}

