"""API keys created at run time: stored as SHA-256 digests, listed by a public key_id,
revoked at once for every process (each request looks its key up)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from questlog.clock import utcnow
from questlog.ingest.validation import to_millis
from questlog.settings import SCOPES
from questlog.store.types import MotorCollection

PREFIX = "qlk_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode(errors="surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Created:
    key: str  # shown once, never stored
    record: dict[str, Any]


class UnknownScope(ValueError):
    pass


class ApiKeys:
    def __init__(self, collection: MotorCollection, clock: Callable[[], datetime] = utcnow):
        self._collection, self._clock = collection, clock

    async def create(self, *, name: str, scopes: Iterable[str]) -> Created:
        wanted = sorted(set(scopes))
        unknown = set(wanted) - SCOPES
        if unknown or not wanted:
            raise UnknownScope(f"scopes must be some of {sorted(SCOPES)}, not {sorted(unknown)}")
        key = PREFIX + secrets.token_urlsafe(32)
        record = {"_id": digest(key), "key_id": secrets.token_hex(6), "name": name,
                  "scopes": wanted, "created_at": to_millis(self._clock()), "revoked_at": None}
        await self._collection.insert_one(record)
        return Created(key=key, record=public(record))

    async def scopes_of(self, key: str) -> frozenset[str] | None:
        """The scopes of a live run-time key; None when unknown or revoked."""
        found = await self._collection.find_one({"_id": digest(key), "revoked_at": None})
        return None if found is None else frozenset(found["scopes"])

    async def listed(self) -> list[dict[str, Any]]:
        return [public(d) async for d in self._collection.find({}).sort("created_at", 1)]

    async def revoke(self, key_id: str) -> dict[str, Any] | None:
        await self._collection.update_one({"key_id": key_id, "revoked_at": None},
                                          {"$set": {"revoked_at": to_millis(self._clock())}})
        found = await self._collection.find_one({"key_id": key_id})
        return None if found is None else public(found)


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A key as listed: never the key, nor its digest."""
    return {k: record.get(k) for k in ("key_id", "name", "scopes", "created_at", "revoked_at")}
