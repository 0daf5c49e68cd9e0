"""Player flags: opt-out, erasure, token revocation; one small document per player.

Ingestion asks whether a player is silenced for every event: with a `cache`, the
answer comes from memory, and every change of opted_out or erased_at bumps the cache's
revision so that every process honours it within the bound of access.cache.

With `everyone` (a cache on the same revision), a process also holds the whole set of
silenced players while there are at most `everyone_limit` of them: one read, again
after each change and at the cache's maximum age, and then a player it has not seen
costs no read at all (a player not in a complete set is not silenced). Past the limit,
each player not seen is read as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime

from questlog.access.cache import RevisionCache
from questlog.clock import utcnow
from questlog.store.types import MotorCollection

PLAYERS = "players"  # the revision kind of player flags, and of what erasure removes
SILENCED = {"$or": [{"opted_out": True}, {"erased_at": {"$ne": None}}]}
EVERYONE = "everyone"  # the one key of the `everyone` cache


class PlayerFlags:
    def __init__(
        self, collection: MotorCollection, clock: Callable[[], datetime] = utcnow,
        *, cache: RevisionCache[str, bool] | None = None,
        everyone: RevisionCache[str, frozenset[str] | None] | None = None,
        everyone_limit: int = 0,
    ) -> None:
        self._collection, self._clock, self._cache = collection, clock, cache
        self._everyone, self._everyone_limit = everyone, everyone_limit
        # Requests that find the set missing wait for one read, not one read each.
        self._reading_everyone = asyncio.Lock()

    async def silenced(self, user_ids: Iterable[str]) -> set[str]:
        """Those of `user_ids` whose events are dropped: opted out or erased."""
        if self._cache is None:
            return await self._silenced(set(user_ids))
        everyone = await self._every_silenced()
        if everyone is not None:
            return {user_id for user_id in user_ids if user_id in everyone}
        verdicts = await self._cache.get_many(user_ids, self._read_silenced)
        return {user_id for user_id, silenced in verdicts.items() if silenced}

    async def _every_silenced(self) -> frozenset[str] | None:
        """Every silenced player, or None when they are more than the limit (or no
        cache holds them)."""
        if self._everyone is None or not self._everyone.enabled or self._everyone_limit <= 0:
            return None
        async with self._reading_everyone:
            return (await self._everyone.get_many([EVERYONE], self._read_everyone))[EVERYONE]

    async def _read_everyone(self, keys: list[str]) -> dict[str, frozenset[str] | None]:
        most = self._everyone_limit + 1  # one more tells a set that is not complete
        cursor = self._collection.find(SILENCED, {"_id": 1}, limit=most, batch_size=most)
        found = frozenset([d["_id"] async for d in cursor])
        return {EVERYONE: found if len(found) <= self._everyone_limit else None}

    async def _read_silenced(self, user_ids: list[str]) -> dict[str, bool]:
        silenced = await self._silenced(set(user_ids))
        return {user_id: user_id in silenced for user_id in user_ids}

    async def _silenced(self, user_ids: set[str]) -> set[str]:
        if not user_ids:
            return set()
        query = {"_id": {"$in": sorted(user_ids)}, **SILENCED}
        return {d["_id"] async for d in self._collection.find(query, {"_id": 1})}

    async def changed(self) -> None:
        """After a change of whether a player is silenced (or of their sessions): this
        process forgets at once, the others within the cache's bound."""
        if self._cache is not None:
            await self._cache.bump()

    async def set_opted_out(self, user_id: str, opted_out: bool) -> dict[str, object]:
        now = self._clock()
        await self._collection.update_one(
            {"_id": user_id},
            {"$set": {"opted_out": opted_out, "opted_out_at": now if opted_out else None}},
            upsert=True,
        )
        await self.changed()
        return await self.state(user_id)

    async def state(self, user_id: str) -> dict[str, object]:
        found = await self._collection.find_one({"_id": user_id}) or {}
        return {"user_id": user_id, "opted_out": bool(found.get("opted_out")),
                "erased": found.get("erased_at") is not None}

    async def mark_erased(self, user_id: str, at: datetime) -> None:
        await self._collection.update_one(
            {"_id": user_id},
            {"$min": {"erased_at": at}, "$set": {"tokens_valid_from": int(at.timestamp()) + 1}},
            upsert=True,
        )
        await self.changed()

    async def revoke_tokens(self, user_id: str) -> datetime:
        """Every token of this player issued until now stops working."""
        now = self._clock()
        await self._collection.update_one(
            {"_id": user_id}, {"$set": {"tokens_valid_from": int(now.timestamp()) + 1}},
            upsert=True,
        )
        return now

    async def token_valid(self, user_id: str, issued_at: int | None) -> bool:
        found = await self._collection.find_one({"_id": user_id}, {"tokens_valid_from": 1})
        valid_from = (found or {}).get("tokens_valid_from")
        if valid_from is None:
            return True
        return issued_at is not None and issued_at >= valid_from
