"""Two processes summarizing one session at once: the guard refuses the write computed from
an older read, which is recomputed, so the stored summary is always that of all the events."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sessions_http import T0, skill, store

from questlog.bootstrap import Questlog
from questlog.sessions.documents import PlayerModel, Session
from questlog.sessions.features import features, ordered
from questlog.sessions.service import SessionService
from questlog.store.documents import StoredEvent


class Paused(SessionService):
    """A service that stops after its first read of the events until released."""

    def __init__(self) -> None:
        super().__init__(events=StoredEvent.get_motor_collection(),
                         sessions=Session.get_motor_collection(),
                         models=PlayerModel.get_motor_collection(), raw_ttl=timedelta(days=14))
        self.read, self.release, self.reads = asyncio.Event(), asyncio.Event(), 0

    async def _events_of(self, session_id: str) -> list[dict[str, Any]]:
        events = await super()._events_of(session_id)
        self.reads += 1
        if self.reads == 1:
            self.read.set()
            await self.release.wait()
        return events


async def stored_events(questlog: Questlog) -> list[dict[str, Any]]:
    return ordered(await questlog.store.database["events"].find({"session_id": "s-1"})
                   .to_list(None))


async def test_a_close_computed_before_a_late_event_is_recomputed(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("task_start", 0, task_id="a")])
    slow = Paused()
    closing = asyncio.create_task(slow.close("s-1"))
    await slow.read.wait()  # it has read one event and computed nothing yet
    await store(ingest_client, questlog, [skill("task_complete", 30, task_id="a")])
    slow.release.set()
    closed = await closing
    assert slow.reads == 2  # its first write was refused, and it read again
    assert closed["features"] == features(await stored_events(questlog))
    assert closed["features"]["task_completion_rate"] == 1.0
    stored = await questlog.sessions.service.get("s-1")
    assert stored["features"] == closed["features"]
    assert stored["status"] == "closed"


async def test_two_closers_at_once_store_one_summary(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("retry", 0), skill("failure", 60)])
    slow = Paused()
    closing = asyncio.create_task(slow.close("s-1"))
    await slow.read.wait()
    fast = await questlog.sessions.service.close("s-1")
    slow.release.set()
    assert await closing == fast
    assert (await questlog.sessions.service.get("s-1"))["closed_at"] == fast["closed_at"]


async def test_a_session_whose_events_expired_keeps_its_summary(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("retry", 0), skill("failure", 60)])
    closed = await questlog.sessions.service.close("s-1")
    await questlog.store.database["events"].delete_one({"type": "retry"})  # the TTL did it
    assert await questlog.sessions.service.refresh("s-1") == closed
    assert closed["started_at"] == T0


async def test_closing_an_open_session_whose_events_expired_still_closes_it(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("retry", 0), skill("failure", 60)])
    await questlog.store.database["events"].delete_one({"type": "retry"})  # the TTL did it
    assert (await questlog.sessions.service.refresh("s-1"))["event_count"] == 2  # kept
    closed = await questlog.sessions.service.close("s-1")
    assert closed["status"] == "closed"
    assert closed["features"] == features(await stored_events(questlog))  # what is left
