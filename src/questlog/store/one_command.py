"""One command for the writes of one request, where the server has MongoDB 8's
multi-collection `bulkWrite`.

A session's claim and the event that made it, sent as one ordered `bulkWrite` (the
claim first): one round trip and one thread hop instead of the three a transaction
takes (the claim, the event, the commit). Ordered, the command stops at its first
failed write: a claim refused (the session is someone's already) stops the events
after it, so no event lands without its claim, as in a transaction. What differs: a
claim may land without its event (the event refused as a duplicate, or the command
cut short), as where the store has no transactions; the claim then stands, as a claim
made on its own does. And a claim's answer comes with the event's, not before: the
caller writes as if its claims were taken, and, when they were not all, does again
on its own what the command was for (see questlog.ingest.service). For one event
only: the server commits each write of a `bulkWrite` on its own (see
questlog.store.transactions.Transactions).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from pymongo.errors import ClientBulkWriteException, PyMongoError
from pymongo.operations import InsertOne
from pymongo.write_concern import WriteConcern

from questlog.store.types import MotorClient, MotorCollection

log = logging.getLogger(__name__)


class OneCommand:
    """Writes deferred (`defer()`) until the request's last one (`commit_with()`), then
    sent with it in one ordered `bulkWrite`."""

    def __init__(self, client: MotorClient, write_concern: WriteConcern | None) -> None:
        self._client, self._write_concern = client, write_concern
        self.enabled = True
        self._deferred: list[InsertOne[Any]] = []
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    @property
    def started(self) -> bool:
        return bool(self._deferred)

    def defer(self, collection: MotorCollection, documents: Sequence[dict[str, Any]]) -> None:
        """Insert `documents` into `collection` with the next write, before it."""
        self._deferred.extend(InsertOne(d, namespace=_namespace(collection)) for d in documents)

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` once every deferred write landed (never if one did not).
        It fills a cache: its store errors are logged (see run_after_commit)."""
        self._after_commit.append(callback)

    async def commit_with(self, collection: MotorCollection,
                          documents: Sequence[dict[str, Any]]) -> bool:
        """Whether the deferred writes, then `documents` into `collection`, all landed.
        If not, those before the first refused one did (if it is known which)."""
        deferred, callbacks = self._take()
        models = [InsertOne(d, namespace=_namespace(collection)) for d in documents]
        try:
            await self._client.bulk_write(deferred + models, ordered=True,
                                          write_concern=self._write_concern)
        except PyMongoError as exc:
            # Not the error's text: it holds the documents.
            log.info("writes not made in one command (%s %s); making them on their own",
                     type(exc).__name__, getattr(exc, "code", ""))
            return False
        await run_after_commit(callbacks)
        return True

    async def commit(self) -> None:
        """Make the deferred writes alone, unordered: each claim stands or is refused
        on its own, as without a unit; the callbacks only if none was refused."""
        deferred, callbacks = self._take()
        if not deferred:
            return
        try:
            await self._client.bulk_write(deferred, ordered=False,
                                          write_concern=self._write_concern)
        except ClientBulkWriteException as exc:
            if exc.error is not None or exc.write_concern_errors:
                raise
            return
        await run_after_commit(callbacks)

    async def abort(self) -> None:
        """Drop the deferred writes; from here on each write commits on its own."""
        self._take()

    def _take(self) -> tuple[list[InsertOne[Any]], list[Callable[[], Awaitable[None]]]]:
        taken = self._deferred, self._after_commit
        self._deferred, self._after_commit, self.enabled = [], [], False
        return taken


async def run_after_commit(callbacks: Sequence[Callable[[], Awaitable[None]]]) -> None:
    """Run what waited for writes that landed. Those callbacks only fill caches, so a
    store error in one is logged, not raised: the writes stand, and the request that
    made them must not be answered as failed (or made again, as a duplicate)."""
    for callback in callbacks:
        try:
            await callback()
        except PyMongoError as exc:
            log.info("a cache not filled after a commit (%s %s); it reads the store next time",
                     type(exc).__name__, getattr(exc, "code", ""))


def _namespace(collection: MotorCollection) -> str:
    return cast(str, collection.full_name)  # Motor's stub has a method; it is a property
