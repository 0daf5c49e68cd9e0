"""One commit for the writes of one request, where the server has transactions.

A server that syncs every commit to disk (secantusd-rs with --sync-on-commit, or any
`j: true` write) pays for each commit: two writes that belong together (a session's
claim and the event that made it) cost one commit in a transaction instead of one
each, and land together or not at all. Where the store has no transactions (a
standalone MongoDB, the in-memory store), each write commits on its own, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorClientSession
from pymongo.errors import PyMongoError
from pymongo.write_concern import WriteConcern

from questlog.store.types import MotorClient, MotorCollection, MotorDatabase


async def has_transactions(client: MotorClient) -> bool:
    """Whether the server behind `client` runs multi-document transactions."""
    # type(), since mongomock-motor's classes pass isinstance checks for Motor's
    if not issubclass(type(client), AsyncIOMotorClient):
        return False
    hello = await client.admin.command("hello")
    return bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"


def client_of(collection: MotorCollection) -> MotorClient:
    return cast(MotorDatabase, collection.database).client  # Motor's stub lacks .database


class OneCommit:
    """A transaction started by its first write (`session()`), committed by `commit()`.

    Disabled (`session()` is None: each write commits on its own) where the store has
    no transactions. A write that fails inside it aborts it whole on the server, so
    the caller `abort()`s and carries on without one; what was written in it is gone.
    """

    def __init__(self, client: MotorClient | None, write_concern: WriteConcern | None, *,
                 enabled: bool) -> None:
        self._client, self._write_concern, self.enabled = client, write_concern, enabled
        self._session: AsyncIOMotorClientSession | None = None
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    @property
    def started(self) -> bool:
        return self._session is not None

    async def session(self) -> AsyncIOMotorClientSession | None:
        """The transaction's session (started now if need be); None where disabled."""
        if not self.enabled or self._client is None:
            return None
        if self._session is None:
            # Starting a session does no I/O (the driver takes one from its pool): called
            # here, not through Motor, which would hop to a worker thread for it.
            session: AsyncIOMotorClientSession = self._client.wrap(
                self._client.delegate.start_session())
            # The commit carries the write concern: a transaction ignores the database's.
            session.start_transaction(write_concern=self._write_concern)
            self._session = session
        return self._session

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` once the writes are durable (never if they are not)."""
        self._after_commit.append(callback)

    async def commit(self) -> None:
        """Commit what was written (nothing to do if nothing was); then the callbacks.

        From here on each write commits on its own."""
        session, self._session, self.enabled = self._session, None, False
        callbacks, self._after_commit = self._after_commit, []
        if session is not None:
            try:
                await session.commit_transaction()
            except BaseException:
                await session.end_session()
                raise
            # Committed: ending the session only gives it back to the pool, no I/O.
            session.delegate.end_session()
        for callback in callbacks:
            await callback()

    async def abort(self) -> None:
        """Drop what was written in it; from here on each write commits on its own."""
        session, self._session, self.enabled = self._session, None, False
        self._after_commit = []
        if session is not None:
            # Past a deadline or a lost connection the abort may fail too: the server
            # then drops the transaction when the session ends or times out.
            with contextlib.suppress(PyMongoError):
                await session.abort_transaction()
            with contextlib.suppress(PyMongoError):
                await session.end_session()


class Transactions:
    """OneCommit units on one database, knowing once whether its server has them."""

    def __init__(self, collection: MotorCollection | None = None) -> None:
        """Units committed with the write concern of `collection`, on its client;
        without one, units that never start a transaction."""
        self._collection = collection
        self._enabled: bool | None = None if collection is not None else False

    async def unit(self) -> OneCommit:
        collection = self._collection
        if collection is None:
            return OneCommit(None, None, enabled=False)
        client = client_of(collection)
        if self._enabled is None:
            self._enabled = await has_transactions(client)
        return OneCommit(client, collection.write_concern, enabled=self._enabled)


@contextlib.asynccontextmanager
async def aborted_on_error(unit: OneCommit) -> Any:
    """`unit`, aborted when the block raises (a deadline's cancel included)."""
    try:
        yield unit
    except BaseException:
        await unit.abort()
        raise
