"""The sessions' safety net, run by a scheduled job under a lease: summarize every session
that received events since the last sweep (whatever the bus delivered or dropped, in
whichever process), refit what a crash left pending, and close idle sessions.

The sweep's watermark is the received_at it looked through, kept in the store; it looks
back LATE_MARGIN further, because an event stamped before a sweep started can become
visible after the sweep read (a write may retry for seconds). Looking at a session
twice costs a count, never a wrong summary: summaries are recomputed whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from questlog.clock import utcnow
from questlog.sessions.service import SessionService
from questlog.store.types import MotorCollection

LATE_MARGIN = timedelta(minutes=5)
SWEEP_ID = "sessions"
CHUNK = 500


@dataclass
class SweepResult:
    looked_at: int = 0
    summarized: int = 0
    refitted: int = 0
    closed_idle: int = 0


class SessionSweeper:
    def __init__(
        self, *, service: SessionService, events: MotorCollection, sessions: MotorCollection,
        sweeps: MotorCollection, raw_ttl: timedelta, idle: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._service, self._events, self._sessions = service, events, sessions
        self._sweeps, self._raw_ttl, self._idle, self._clock = sweeps, raw_ttl, idle, clock

    async def run(self, now: datetime | None = None) -> SweepResult:
        now = now or self._clock()
        result = SweepResult()
        mark = await self._sweeps.find_one({"_id": SWEEP_ID})
        since = mark["through"] - LATE_MARGIN if mark else now - self._raw_ttl
        # None is dropped here, not by the query: $ne is a scan on some servers.
        found = await self._events.distinct("session_id", {"received_at": {"$gte": since}})
        ids = sorted(i for i in found if i is not None)
        result.looked_at = len(ids)
        for start in range(0, len(ids), CHUNK):
            for session_id in await self._stale(ids[start:start + CHUNK]):
                await self._service.refresh(session_id)
                result.summarized += 1
        result.refitted = await self._service.refit_pending()
        result.closed_idle = await self.close_idle(now)
        await self._sweeps.update_one(
            {"_id": SWEEP_ID}, {"$set": {"through": now}}, upsert=True
        )
        return result

    async def _stale(self, ids: list[str]) -> list[str]:
        """The sessions whose stored summary counts fewer events than are stored."""
        counted = {
            doc["_id"]: doc["event_count"]
            async for doc in self._sessions.find({"_id": {"$in": ids}}, {"event_count": 1})
        }
        stored = {
            row["_id"]: row["n"]
            async for row in self._events.aggregate([
                {"$match": {"session_id": {"$in": ids}}},
                {"$group": {"_id": "$session_id", "n": {"$sum": 1}}},
            ])
        }
        return [i for i in ids if stored.get(i, 0) > counted.get(i, 0)]

    async def close_idle(self, now: datetime) -> int:
        """Close the open sessions whose last event is older than the idle timeout."""
        before = now - self._idle
        cursor = self._sessions.find(
            {"status": "open", "last_event_at": {"$lt": before}}, {"_id": 1}
        )
        closed = 0
        for session_id in [doc["_id"] async for doc in cursor]:
            closed += await self._service.close_if_idle(session_id, idle_before=before)
        return closed
