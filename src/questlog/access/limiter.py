"""Where token buckets live: in this process (the default), or in MongoDB for every
process at once (QUESTLOG_RATE_LIMIT_SHARED=true)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pymongo.errors import DuplicateKeyError

from questlog.access.rates import BucketState, Outcome, Rate, take
from questlog.store.types import MotorCollection

Request = Sequence[tuple[str, Rate]]
CAS_ATTEMPTS = 5
# A bucket untouched this long is full again whatever its rate: forget it.
IDLE = timedelta(hours=1)


class Limiter(Protocol):
    async def take(self, requests: Sequence[Request], now: float) -> Outcome: ...


class LocalLimiter:
    """Buckets in a dict: exact within one process; N processes each allow the full rate."""

    def __init__(self, max_buckets: int = 100_000) -> None:
        self._states: dict[str, BucketState] = {}
        self._max = max_buckets
        self._lock = asyncio.Lock()

    async def take(self, requests: Sequence[Request], now: float) -> Outcome:
        async with self._lock:
            keys = {key for request in requests for key, _ in request}
            outcome = take({k: self._states.get(k) for k in keys}, requests, now)
            self._states.update(outcome.states)
            if len(self._states) > self._max:  # drop the idlest half: they are nearly full
                idle = sorted(self._states, key=lambda k: self._states[k].updated)
                for key in idle[: len(idle) // 2]:
                    del self._states[key]
            return outcome


class SharedLimiter:
    """Buckets in MongoDB, changed by compare-and-set: exact across processes, one read
    and one write per bucket per batch."""

    def __init__(self, collection: MotorCollection) -> None:
        self._collection = collection

    async def take(self, requests: Sequence[Request], now: float) -> Outcome:
        keys = sorted({key for request in requests for key, _ in request})
        outcome = None
        for _ in range(CAS_ATTEMPTS):
            found = {d["_id"]: d async for d in self._collection.find({"_id": {"$in": keys}})}
            states = {k: BucketState(d["tokens"], d["updated"]) for k, d in found.items()}
            outcome = take({k: states.get(k) for k in keys}, requests, now)
            if await self._write(found, outcome, now):
                return outcome
        assert outcome is not None
        return outcome  # contended past every attempt: the last decision stands

    async def _write(self, found: dict[str, dict[str, object]], outcome: Outcome,
                     now: float) -> bool:
        expires_at = datetime.fromtimestamp(now, UTC) + IDLE
        for key, state in outcome.states.items():
            new = {"tokens": state.tokens, "updated": state.updated, "expires_at": expires_at}
            old = found.get(key)
            if old is None:
                try:
                    await self._collection.insert_one({"_id": key, **new})
                except DuplicateKeyError:
                    return False
                continue
            filters = {"_id": key, "tokens": old["tokens"], "updated": old["updated"]}
            changed = await self._collection.update_one(filters, {"$set": new})
            if changed.matched_count == 0:
                return False
        return True
