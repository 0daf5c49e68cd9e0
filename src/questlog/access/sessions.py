"""Session ownership (seed 001: a user submits events only for their own sessions):
the first player a session_id is seen with owns it.

An owner never changes once claimed (erasure removes it, with the player's other data,
and bumps the players' revision), so with a `cache` a process asks the store only about
sessions it has not seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pymongo.errors import BulkWriteError

from questlog.access.cache import RevisionCache
from questlog.store.types import MotorCollection


class SessionOwners:
    def __init__(
        self, collection: MotorCollection, *, cache: RevisionCache[str, str] | None = None
    ) -> None:
        self._collection, self._cache = collection, cache

    async def claim(self, wanted: Mapping[str, str], now: datetime) -> dict[str, str]:
        """The owner of each session in `wanted` (session -> the player asking), claiming
        those not seen before for the player asking."""
        if not wanted:
            return {}

        async def claim_missing(sessions: list[str]) -> dict[str, str]:
            return await self._claim({s: wanted[s] for s in sessions}, now)

        if self._cache is None:
            return await claim_missing(list(wanted))
        return await self._cache.get_many(wanted, claim_missing)

    async def _claim(self, wanted: Mapping[str, str], now: datetime) -> dict[str, str]:
        # Insert first: a new session (the usual case for one this process has not seen)
        # then costs one round trip; only those already claimed are read back.
        ids = sorted(wanted)
        new = [{"_id": s, "user_id": wanted[s], "first_seen": now} for s in ids]
        try:
            await self._collection.insert_many(new, ordered=False)
        except BulkWriteError as exc:
            # Claimed before, by anyone (maybe meanwhile): the stored owner stands. A
            # session whose claim failed otherwise stays unowned, and is claimed again
            # by its next event.
            refused = {new[e["index"]]["_id"] for e in exc.details.get("writeErrors", [])}
            owners = {s: player for s, player in wanted.items() if s not in refused}
            owners.update(await self._owners(sorted(refused)))
            return owners
        return dict(wanted)

    async def _owners(self, ids: list[str]) -> dict[str, str]:
        cursor = self._collection.find({"_id": {"$in": ids}}, {"user_id": 1})
        return {d["_id"]: d["user_id"] async for d in cursor}
