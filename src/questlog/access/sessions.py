"""Session ownership (seed 001: a user submits events only for their own sessions):
the first player a session_id is seen with owns it.

An owner never changes once claimed (erasure removes it, with the player's other data,
and bumps the players' revision), so with a `cache` a process asks the store only about
sessions it has not seen.

A claim may be made in the unit that then stores the events (`within`): one commit
for both instead of one each, and no event lands without its claim. In a transaction
the claim's insert still answers before anything else is decided, so the owners
returned are exact: a session claimed before fails it (its owner is then read), one
being claimed in a transaction not yet committed conflicts with it (the claim is then
made on its own, which waits for that transaction); either way the transaction is
dropped. In one command (questlog.store.one_command) the claim waits for the events'
insert and goes before it: the owners returned are those asking, provisionally; a
claim refused there stops the events, and the caller claims again on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pymongo.errors import BulkWriteError, PyMongoError

from questlog.access.cache import RevisionCache
from questlog.store.errors import DUPLICATE_KEY
from questlog.store.one_command import OneCommand
from questlog.store.transactions import OneTransaction, WriteUnit
from questlog.store.types import MotorCollection


class ClaimsDropped(Exception):
    """The transaction could not take the claims, and they were not made on their own."""


class SessionOwners:
    def __init__(
        self, collection: MotorCollection, *, cache: RevisionCache[str, str] | None = None
    ) -> None:
        self._collection, self._cache = collection, cache

    async def claim(
        self, wanted: Mapping[str, str], now: datetime, *, within: WriteUnit | None = None,
        fall_back: bool = True,
    ) -> dict[str, str]:
        """The owner of each session in `wanted` (session -> the player asking), claiming
        those not seen before for the player asking, in `within` if it can take them
        (where it is one command, they wait for its write). Claims a transaction could
        not take are then made on their own, or, without `fall_back`, not at all:
        ClaimsDropped (the transaction is gone)."""
        if not wanted:
            return {}
        pending: dict[str, str] = {}  # claimed in `within`: known once it commits

        async def claim_missing(sessions: list[str]) -> dict[str, str]:
            claims = {s: wanted[s] for s in sessions}
            if isinstance(within, OneCommand) and within.enabled:
                within.defer(self._collection, _claims(claims, now))
                pending.update(claims)
                return {}
            taken = (await self._claim_within(claims, now, within)
                     if isinstance(within, OneTransaction) else None)
            if taken == set():
                pending.update(claims)
                return {}  # a cache keeps what it is given: nothing before the commit
            if taken == set(claims):  # every one claimed before: their owners stand
                return await self._owners(sorted(claims))
            if within is not None and not fall_back:
                raise ClaimsDropped
            return await self._claim(claims, now)

        if self._cache is None:
            owners = await claim_missing(list(wanted))
        else:
            owners = await self._cache.get_many(wanted, claim_missing)
        if pending and within is not None:
            within.after_commit(lambda: self._remember(pending))
        return {**owners, **pending}

    async def _claim_within(
        self, wanted: Mapping[str, str], now: datetime, within: OneTransaction
    ) -> set[str] | None:
        """Claim `wanted` in `within`'s transaction: an empty set when every claim is
        in it, else (the transaction dropped) the sessions known to be claimed before,
        or None when that is not known (no transaction, another failure)."""
        session = await within.session()
        if session is None:
            return None
        new = _claims(wanted, now)
        try:
            await self._collection.insert_many(new, ordered=False, session=session)
        except PyMongoError as exc:
            await within.abort()  # the server aborted it already; this ends it here
            if not isinstance(exc, BulkWriteError):
                return None
            errors = exc.details.get("writeErrors", [])
            if not errors or any(e.get("code") != DUPLICATE_KEY for e in errors):
                return None
            # A transaction stops at its first failed write: only those listed are known.
            return {new[e["index"]]["_id"] for e in errors}
        return set()

    async def _claim(self, wanted: Mapping[str, str], now: datetime) -> dict[str, str]:
        # Insert first: a new session (the usual case for one this process has not seen)
        # then costs one round trip; only those already claimed are read back.
        new = _claims(wanted, now)
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

    async def _remember(self, claimed: dict[str, str]) -> None:
        """Keep the owners of sessions claimed in a transaction, once it committed."""
        if self._cache is not None:
            await self._cache.put(claimed)


def _claims(wanted: Mapping[str, str], now: datetime) -> list[dict[str, object]]:
    return [{"_id": s, "user_id": wanted[s], "first_seen": now} for s in sorted(wanted)]
