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
