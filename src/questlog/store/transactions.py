"""One commit for the writes of one request, where the server has transactions (or
one command, where it has multi-collection `bulkWrite`: questlog.store.one_command).

A server that syncs every commit to disk (secantusd-rs with --sync-on-commit, or any
`j: true` write) pays for each commit: two writes that belong together (a session's
claim and the event that made it) cost one commit in a transaction instead of one
each, and land together or not at all. Where the store has no transactions (a
standalone MongoDB, the in-memory store), each write commits on its own, as before.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from motor.motor_asyncio import AsyncIOMotorClientSession
from pymongo.errors import PyMongoError
from pymongo.write_concern import WriteConcern

from questlog.store.one_command import OneCommand, run_after_commit
from questlog.store.types import MotorClient, MotorCollection, MotorDatabase, on_a_server

log = logging.getLogger(__name__)


async def has_transactions(client: MotorClient) -> bool:
    """Whether the server behind `client` runs multi-document transactions."""
    hello = await _hello(client)
    return hello is not None and runs_transactions(hello)


def runs_transactions(hello: dict[str, Any]) -> bool:
    """Whether the server that answered `hello` runs multi-document transactions."""
    return bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"


def runs_client_bulk_write(hello: dict[str, Any]) -> bool:
    """Whether the server that answered `hello` runs MongoDB 8's multi-collection
    `bulkWrite` (wire version 25), which pymongo sends for `client.bulk_write`."""
    return int(hello.get("maxWireVersion", 0)) >= 25


async def _hello(client: MotorClient) -> dict[str, Any] | None:
    """The server's `hello`; None for the in-memory store, which has neither."""
    if not on_a_server(client):
        return None
    hello: dict[str, Any] = await client.admin.command("hello")
    return hello


def client_of(collection: MotorCollection) -> MotorClient:
    return cast(MotorDatabase, collection.database).client  # Motor's stub lacks .database


class OneTransaction:
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
        """Run `callback` once the writes are durable (never if they are not).
        It fills a cache: its store errors are logged (see run_after_commit)."""
        self._after_commit.append(callback)

    async def commit_with(self, collection: MotorCollection,
                          documents: Sequence[dict[str, Any]]) -> bool:
        """Whether `documents` were inserted into `collection` in the transaction and
        committed with it. Any failure (a duplicate included) aborts it whole."""
        session = await self.session()
        try:
            await collection.insert_many(documents, ordered=False, session=session)
            await self.commit()
        except PyMongoError as exc:
            # Not the error's text: it holds the documents.
            log.info("writes not made in one transaction (%s %s); making them on their own",
                     type(exc).__name__, getattr(exc, "code", ""))
            await self.abort()
            return False
        return True

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
        await run_after_commit(callbacks)

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


WriteUnit = OneTransaction | OneCommand


class Transactions:
    """The writes of one request as one unit on one database. For a request of one
    event, one command where the server has multi-collection `bulkWrite` (one round
    trip); else one transaction where it has those; else each write on its own. Not
    one command for more events: the server commits each write of a `bulkWrite` on its
    own (secantusd-rs, syncing each to disk: 150 ms for 300 claims and 500 events,
    against 9 ms in one transaction). What the server has is asked of it once."""

    def __init__(self, collection: MotorCollection | None = None) -> None:
        """Units written with the write concern of `collection`, on its client;
        without one, units where each write commits on its own."""
        self._collection = collection
        self._features: tuple[bool, bool] | None = (
            None if collection is not None else (False, False))

    async def unit(self, *, events: int) -> WriteUnit:
        """A unit for a request that stores up to `events` events."""
        collection = self._collection
        if collection is None:
            return OneTransaction(None, None, enabled=False)
        client = client_of(collection)
        if self._features is None:
            hello = await _hello(client)  # once: both are read from it
            self._features = (False, False) if hello is None else (
                runs_client_bulk_write(hello), runs_transactions(hello))
        bulk_write, transactions = self._features
        if bulk_write and events == 1:
            return OneCommand(client, collection.write_concern)
        return OneTransaction(client, collection.write_concern, enabled=transactions)


@contextlib.asynccontextmanager
async def aborted_on_error(unit: WriteUnit) -> Any:
    """`unit`, aborted when the block raises (a deadline's cancel included)."""
    try:
        yield unit
    except BaseException:
        await unit.abort()
        raise
