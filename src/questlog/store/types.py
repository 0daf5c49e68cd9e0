"""Motor's types, bound once to the documents Questlog reads and writes: plain dicts."""

from typing import Any, TypeAlias

from motor.motor_asyncio import (
    AsyncIOMotorClient,
    AsyncIOMotorCollection,
    AsyncIOMotorCursor,
    AsyncIOMotorDatabase,
)

RawDocument: TypeAlias = dict[str, Any]
MotorClient: TypeAlias = AsyncIOMotorClient[RawDocument]
MotorDatabase: TypeAlias = AsyncIOMotorDatabase[RawDocument]
MotorCollection: TypeAlias = AsyncIOMotorCollection[RawDocument]
MotorCursor: TypeAlias = AsyncIOMotorCursor[RawDocument]


def on_a_server(store: Any) -> bool:
    """Whether `store`, a client or a collection, is Motor's, on a server; not the
    in-memory store's (mongomock-motor's classes pass isinstance checks for Motor's:
    type() tells them apart) nor a wrapper of one."""
    return issubclass(type(store), AsyncIOMotorClient | AsyncIOMotorCollection)
