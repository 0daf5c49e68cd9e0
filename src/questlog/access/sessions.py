"""Session ownership (seed 001: a user submits events only for their own sessions):
the first player a session_id is seen with owns it."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime

from pymongo.errors import BulkWriteError

from questlog.store.types import MotorCollection


class SessionOwners:
    def __init__(self, collection: MotorCollection) -> None:
        self._collection = collection

    async def claim(self, wanted: Mapping[str, str], now: datetime) -> dict[str, str]:
        """The owner of each session in `wanted` (session -> the player asking), claiming
        those not seen before for the player asking."""
        if not wanted:
            return {}
        ids = sorted(wanted)
        owners = await self._owners(ids)
        new = [{"_id": s, "user_id": wanted[s], "first_seen": now} for s in ids if s not in owners]
        if new:
            # Another request may have claimed some meanwhile: theirs stand.
            with suppress(BulkWriteError):
                await self._collection.insert_many(new, ordered=False)
            owners = await self._owners(ids)
        return owners

    async def _owners(self, ids: list[str]) -> dict[str, str]:
        cursor = self._collection.find({"_id": {"$in": ids}})
        return {d["_id"]: d["user_id"] async for d in cursor}
