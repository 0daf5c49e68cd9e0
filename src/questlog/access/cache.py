"""What ingestion reads of access data on every request (player flags, session owners,
reference lists), kept in each process, fresh within a stated bound, bounded in size.

Every process may change that data (an opt-out, an erasure, a new bill list), and every
process must honour the change soon. So a writer bumps a counter in the store (one
document per kind in `access_revisions`) after its change, and a process reads the
counters again when its last read is `interval` seconds old, before it uses a cache;
a cache whose counter moved is dropped whole. A change acknowledged at time t thus
takes effect in every process for requests that start after t + interval, and at once
in the process that made it (its bump answers the new counter, which it keeps: a read
of the counters begun before the bump cannot put the old one back, counters only grow).

Should a writer die between its change and the bump, nothing signals the change: an
entry is also read again once it is `max_age` seconds old, whatever the counters say,
which bounds that case. Each entry ages on its own, from its own read: dropping the
whole cache at one instant made every session's next event, all within a fraction of
a second, claim again, and the claims of sessions already owned take three round
trips (access.sessions). Each cache keeps at most `max_entries` entries, the least
recently used leaving first.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

from pymongo import ReturnDocument

from questlog.store.types import MotorCollection

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_AGE_SECONDS = 60.0


class Revisions:
    """The change counters in the store, read at most every `interval` seconds."""

    def __init__(
        self, collection: MotorCollection, *, interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._collection, self.interval, self.clock = collection, interval, clock
        self._seen: dict[str, int] = {}
        self._read_at = -math.inf
        self._reading = asyncio.Lock()

    async def bump(self, kind: str) -> None:
        """Tell every process that data of `kind` changed (call it after the change);
        this one takes the new counter at once, so its next use of a cache drops it."""
        bumped = await self._collection.find_one_and_update(
            {"_id": kind}, {"$inc": {"n": 1}}, upsert=True, return_document=ReturnDocument.AFTER,
        )
        self._merge({kind: int(bumped["n"])})

    async def current(self, kind: str) -> int:
        """The counter of `kind`, as read from the store less than `interval` ago."""
        self._seen.setdefault(kind, 0)
        if self.clock() - self._read_at >= self.interval:
            async with self._reading:  # one read for all the requests that wait on it
                if self.clock() - self._read_at >= self.interval:
                    await self._read()
        return self._seen[kind]

    async def _read(self) -> None:
        started = self.clock()  # what was read is at least as new as this
        cursor = self._collection.find({"_id": {"$in": sorted(self._seen)}})
        found = {d["_id"]: int(d.get("n", 0)) async for d in cursor}
        self._merge(found)
        self._read_at = started

    def _merge(self, counters: Mapping[str, int]) -> None:
        # Counters only grow: a read that began before this process's own bump answers
        # the old value, which must not replace the bumped one.
        for kind, n in counters.items():
            self._seen[kind] = max(self._seen.get(kind, 0), n)


class RevisionCache(Generic[K, V]):
    """Values of `kind` read from the store: all dropped when its counter moves, each
    read again once it is `max_age` seconds old."""

    def __init__(
        self, revisions: Revisions, kind: str, *, max_entries: int,
        max_age: float = MAX_AGE_SECONDS,
    ) -> None:
        self._revisions, self.kind = revisions, kind
        self._max_entries, self._max_age = max_entries, max_age
        # Each value with when its read began: what it holds is at least as new as that.
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()
        self._revision = -1
        self._epoch = 0  # moves on every clear: a read begun before one is not kept

    @property
    def enabled(self) -> bool:
        return self._revisions.interval > 0 and self._max_entries > 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._epoch += 1

    async def bump(self) -> None:
        """After a change of the data behind this cache: every process drops its copy
        (this one before its next read of it)."""
        await self._revisions.bump(self.kind)

    async def get_many(
        self, keys: Iterable[K], load: Callable[[list[K]], Awaitable[Mapping[K, V]]]
    ) -> dict[K, V]:
        """The value of each of `keys` that has one; `load` reads those not cached, and
        what it returns is kept (a key it leaves out is asked again next time)."""
        wanted = list(dict.fromkeys(keys))
        if not self.enabled:
            return dict(await load(wanted))
        await self._refresh()
        now = self._revisions.clock()
        found: dict[K, V] = {}
        missing: list[K] = []
        for key in wanted:
            entry = self._entries.get(key)
            if entry is not None and now - entry[1] < self._max_age:
                self._entries.move_to_end(key)
                found[key] = entry[0]
            else:
                if entry is not None:  # too old: gone, whatever its read brings back
                    del self._entries[key]
                missing.append(key)
        if missing:
            epoch = self._epoch
            loaded = await load(missing)
            found.update(loaded)
            if epoch == self._epoch:
                self._keep(loaded, read_at=now)
        return found

    async def put(self, values: Mapping[K, V]) -> None:
        """Keep `values`, which this process itself just wrote (as get_many keeps what
        its `load` read)."""
        if self.enabled:
            await self._refresh()
            self._keep(values, read_at=self._revisions.clock())

    async def _refresh(self) -> None:
        revision = await self._revisions.current(self.kind)
        if revision != self._revision:
            self.clear()
            self._revision = revision

    def _keep(self, loaded: Mapping[K, V], *, read_at: float) -> None:
        for key, value in loaded.items():
            self._entries[key] = (value, read_at)
            self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
