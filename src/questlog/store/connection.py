"""The connection to the store, which is one of three kinds:

- `local` (no QUESTLOG_MONGODB_URL): the local secantusd-rs server of the data dir,
  found running or started (store/local.py); persistent, for development;
- `memory` (QUESTLOG_MONGODB_URL=memory): mongomock-motor in this process; nothing
  survives the process, for throwaway runs and the unit tests;
- `mongodb` (any other URL): a real MongoDB.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Literal

from beanie import Document, init_beanie
from pymongo.errors import PyMongoError

from questlog.settings import Settings
from questlog.store.durability import durable_database
from questlog.store.indexes import declared_indexes, ensure_indexes
from questlog.store.local import LocalServer, ServerOptions, ensure_running
from questlog.store.memory import memory_client
from questlog.store.types import MotorClient, MotorDatabase

log = logging.getLogger(__name__)

MEMORY = "memory"
StoreKind = Literal["local", "memory", "mongodb"]
# How long an operation waits for a server to answer at all: a dead store is told from a
# slow one this soon (then 503 store_unavailable); writes and reads also have deadlines.
SERVER_SELECTION_MS = 2000


def store_kind(url: str | None) -> StoreKind:
    if not url:
        return "local"
    return "memory" if url == MEMORY else "mongodb"


@dataclass
class Connection:
    """A client, what kind of store it reaches, and the local server it may have started."""

    client: MotorClient
    kind: StoreKind
    url: str  # what QUESTLOG_MONGODB_URL would name this store by, for another process
    where: str  # for logs and benchmark headers; never a password
    local: LocalServer | None = None

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.stop()


def connect(
    url: str | None, *, data_dir: Path, options: ServerOptions | None = None
) -> Connection:
    """Reach the store `url` names (see the module's docstring); LocalServerError says
    why the local server cannot be had, and what to set instead."""
    kind = store_kind(url)
    if kind == "memory":
        return Connection(memory_client(), kind, MEMORY, "in-memory store (mongomock)")
    if kind == "mongodb":
        assert url is not None
        return Connection(_client(url), kind, url, "MongoDB at " + _without_password(url))
    local = ensure_running(data_dir, options)
    return Connection(_client(local.url), kind, local.url, f"local store in {data_dir}", local)


def connect_configured(settings: Settings, url: str | None = None) -> Connection:
    """The store the settings name, or `url` when given (a benchmark's --mongodb-url)."""
    return connect(url or settings.mongodb_url, data_dir=settings.data_dir,
                   options=server_options(settings))


def server_options(settings: Settings) -> ServerOptions:
    return ServerOptions(ttl_sweep_seconds=settings.local_ttl_sweep_seconds,
                         sync_on_commit=settings.local_sync_on_commit,
                         checkpoint_seconds=settings.local_checkpoint_seconds,
                         cache_size=settings.local_cache_size)


def _client(url: str) -> MotorClient:
    # datetime.UTC itself, not bson's own UTC class: comparing two datetimes of different
    # tzinfo objects calls utcoffset on both, about 13 times slower (0.8 µs against 0.06),
    # and the evaluator compares event times with windows for every rule.
    return MotorClient(url, tz_aware=True, tzinfo=UTC,
                       serverSelectionTimeoutMS=SERVER_SELECTION_MS)


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{credentials.partition(':')[0]}@{host}" if at else url


@dataclass
class Store:
    connection: Connection
    database: MotorDatabase

    @property
    def kind(self) -> StoreKind:
        return self.connection.kind

    @property
    def persistent(self) -> bool:
        return self.kind != "memory"

    @property
    def client(self) -> MotorClient:
        return self.connection.client

    async def ping(self) -> bool:
        try:
            await self.database.command("ping")
        except PyMongoError:
            return False
        return True

    def close(self) -> None:
        self.connection.close()


async def open_store(
    connection: Connection, database: str, documents: Sequence[type[Document]]
) -> Store:
    """Initialise Beanie on `database` with `documents` and create the indexes they declare."""
    if connection.kind == "memory":
        log.warning(
            "QUESTLOG_MONGODB_URL=memory: an in-memory store. NOTHING IS PERSISTED; every "
            "event is lost when the process stops."
        )
    db = await durable_database(connection.client, database)
    # Beanie's own index creation merges compound indexes on the same fields: see indexes.py.
    await init_beanie(database=db, document_models=list(documents), skip_indexes=True)
    for document in documents:
        await ensure_indexes(document.get_motor_collection(), declared_indexes(document))
    return Store(connection=connection, database=db)
