"""The MongoDB connection: a real server when a URL is set, else an embedded in-memory store."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from beanie import Document, init_beanie
from pymongo.errors import PyMongoError

from questlog.store.durability import durable_database
from questlog.store.embedded import embedded_client
from questlog.store.indexes import declared_indexes, ensure_indexes
from questlog.store.types import MotorClient, MotorDatabase

log = logging.getLogger(__name__)

# How long an operation waits for a server to answer at all: a dead store is told from a
# slow one this soon (then 503 store_unavailable); writes and reads also have deadlines.
SERVER_SELECTION_MS = 2000


@dataclass(frozen=True)
class Store:
    client: MotorClient
    database: MotorDatabase
    persistent: bool

    async def ping(self) -> bool:
        try:
            await self.database.command("ping")
        except PyMongoError:
            return False
        return True

    def close(self) -> None:
        self.client.close()


def mongo_client(url: str | None) -> MotorClient:
    """A client of the server at `url`, or of a fresh embedded store when there is none."""
    if url:
        return MotorClient(url, tz_aware=True, serverSelectionTimeoutMS=SERVER_SELECTION_MS)
    return embedded_client()


async def open_store(
    url: str | None, database: str, documents: Sequence[type[Document]]
) -> Store:
    """Connect, initialise Beanie with `documents` and create the indexes they declare."""
    if not url:
        log.warning(
            "QUESTLOG_MONGODB_URL is not set: using an embedded in-memory store. "
            "NOTHING IS PERSISTED; every event is lost when the process stops."
        )
    client = mongo_client(url)
    db = await durable_database(client, database)
    # Beanie's own index creation merges compound indexes on the same fields: see indexes.py.
    await init_beanie(database=db, document_models=list(documents), skip_indexes=True)
    for document in documents:
        await ensure_indexes(document.get_motor_collection(), declared_indexes(document))
    return Store(client=client, database=db, persistent=bool(url))
