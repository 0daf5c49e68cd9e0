"""The write concern: a write is acknowledged only once it is durable.

Journaled (`j`) always; on a replica set also written to a majority of its members,
so that an acknowledged write survives the loss of the primary. A standalone server
has no majority to wait for: `w: 1`. secantusd-rs advertises itself as a one-node
replica set, so it gets `w: majority` (met by its one node), and it honours `j` only
when started with --sync-on-commit (see docs/performance.md, "Durability").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.write_concern import WriteConcern

from questlog.store.types import MotorClient, MotorDatabase, on_a_server


def write_concern(hello: Mapping[str, Any]) -> WriteConcern:
    """The write concern for the server that answered `hello` with this document."""
    return WriteConcern(w="majority" if hello.get("setName") else 1, j=True)


async def durable_database(client: MotorClient, name: str) -> MotorDatabase:
    """The database `name` with the write concern its server calls for.

    The embedded in-memory store (mongomock, not a Motor client) keeps nothing, so
    it has nothing to wait for: its database is returned as it is.
    """
    if not on_a_server(client):
        return client[name]
    hello = await client.admin.command("hello")
    return client.get_database(name, write_concern=write_concern(hello))
