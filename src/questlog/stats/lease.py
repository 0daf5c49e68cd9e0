"""A lease in MongoDB, so that of all the processes hosting the scheduler one runs a job.

A lease is one document per job: its holder and until when it holds. Taking it is a
single find_one_and_update that matches only a free or expired lease (or one we
hold already) and upserts otherwise; when another process holds it, that upsert
collides with its `_id` and the server answers DuplicateKeyError. A holder renews it
while the job runs, so a long recompute keeps it and a crashed holder loses it after
`ttl`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError, PyMongoError

from questlog.clock import utcnow
from questlog.store.types import MotorCollection
from questlog.tasks import cancel

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=5)


class Leases:
    def __init__(
        self, collection: MotorCollection, *, ttl: timedelta = DEFAULT_TTL,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._collection, self._ttl, self._clock = collection, ttl, clock

    async def acquire(self, name: str, owner: str) -> bool:
        """Take or renew the lease `name` for `owner`; False while someone else holds it."""
        now = self._clock()
        try:
            await self._collection.find_one_and_update(
                {"_id": name, "$or": [{"owner": owner}, {"expires_at": {"$lte": now}}]},
                {"$set": {"owner": owner, "expires_at": now + self._ttl}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    async def release(self, name: str, owner: str) -> None:
        await self._collection.delete_one({"_id": name, "owner": owner})

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Yield whether this process got the lease; keep renewing it until the block ends."""
        owner = uuid.uuid4().hex
        if not await self.acquire(name, owner):
            yield False
            return
        renewing = asyncio.create_task(self._renew(name, owner))
        try:
            yield True
        finally:
            await cancel(renewing)
            # Released even when the holder is cancelled meanwhile (a stopping scheduler):
            # the cancellation is passed on once the lease is given back.
            release = asyncio.ensure_future(self.release(name, owner))
            try:
                await asyncio.shield(release)
            except asyncio.CancelledError:
                await release
                raise

    async def _renew(self, name: str, owner: str) -> None:
        while True:
            await asyncio.sleep(self._ttl.total_seconds() / 3)
            try:
                if not await self.acquire(name, owner):
                    log.error("lost the lease %r to another process while running", name)
                    return
            except PyMongoError as exc:  # try again at the next beat, while the lease lasts
                log.warning("could not renew the lease %r: %s", name, exc)
