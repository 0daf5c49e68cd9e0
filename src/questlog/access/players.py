"""Player flags: opt-out, erasure, token revocation; one small document per player."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from questlog.clock import utcnow
from questlog.store.types import MotorCollection


class PlayerFlags:
    def __init__(self, collection: MotorCollection, clock: Callable[[], datetime] = utcnow):
        self._collection, self._clock = collection, clock

    async def silenced(self, user_ids: Iterable[str]) -> set[str]:
        """Those of `user_ids` whose events are dropped: opted out or erased."""
        ids = sorted(set(user_ids))
        if not ids:
            return set()
        query = {"_id": {"$in": ids},
                 "$or": [{"opted_out": True}, {"erased_at": {"$ne": None}}]}
        return {d["_id"] async for d in self._collection.find(query, {"_id": 1})}

    async def set_opted_out(self, user_id: str, opted_out: bool) -> dict[str, object]:
        now = self._clock()
        await self._collection.update_one(
            {"_id": user_id},
            {"$set": {"opted_out": opted_out, "opted_out_at": now if opted_out else None}},
            upsert=True,
        )
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
