"""Reference data for seed 003's checks: the known bills, and the polls a momentum
shift rests on. With a `cache`, the bill list is read once per change (see access.cache)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from questlog.access.cache import RevisionCache
from questlog.clock import utcnow
from questlog.store.types import MotorCollection

BILLS = "bills"


def margin_changed(margins: Sequence[float]) -> bool:
    """A shift rests on a poll whose snapshots do not all show the same margin."""
    return len(set(margins)) >= 2


REFERENCES = "references"  # the revision kind of the reference lists


class References:
    def __init__(self, *, lists: MotorCollection, events: MotorCollection,
                 clock: Callable[[], datetime] = utcnow,
                 cache: RevisionCache[str, frozenset[str]] | None = None) -> None:
        self._lists, self._events, self._clock, self._cache = lists, events, clock, cache

    async def bills(self) -> frozenset[str]:
        if self._cache is None:
            return await self._read(BILLS)
        lists = await self._cache.get_many([BILLS], self._read_lists)
        return lists[BILLS]

    async def _read_lists(self, kinds: list[str]) -> dict[str, frozenset[str]]:
        return {kind: await self._read(kind) for kind in kinds}

    async def _read(self, kind: str) -> frozenset[str]:
        found = await self._lists.find_one({"_id": kind})
        return frozenset((found or {}).get("ids", []))

    async def set_bills(self, ids: Iterable[str]) -> list[str]:
        unique = sorted(set(ids))
        await self._lists.replace_one(
            {"_id": BILLS}, {"ids": unique, "updated_at": self._clock()}, upsert=True
        )
        if self._cache is not None:  # this process at once, the others within the bound
            await self._cache.bump()
        return unique

    async def supported_polls(
        self, poll_ids: Iterable[str], batch: Sequence[dict[str, Any]]
    ) -> set[str]:
        """Those of `poll_ids` stored (or in this batch) whose margin changed."""
        ids = sorted(set(poll_ids))
        if not ids:
            return set()
        query = {"type": "POLL_INTERVAL", "poll_id": {"$in": ids}}
        snapshots = [d async for d in self._events.find(query, {"poll_id": 1, "margin": 1})]
        snapshots += [d for d in batch if d["type"] == "POLL_INTERVAL" and d["poll_id"] in ids]
        margins: defaultdict[str, list[float]] = defaultdict(list)
        for snapshot in snapshots:
            margins[snapshot["poll_id"]].append(snapshot["margin"])
        return {poll for poll, values in margins.items() if margin_changed(values)}
