"""The batch write: one unordered insert_many per batch, duplicates told apart from failures.

This is the hot path, so it uses the Motor collection behind StoredEvent directly:
Beanie would build a model per document for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.errors import BulkWriteError

from questlog.store.errors import DUPLICATE_KEY
from questlog.store.retry import StoreUnavailable, with_retries
from questlog.store.types import MotorCollection


@dataclass(frozen=True)
class WriteOutcome:
    stored: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]


async def insert_events(
    collection: MotorCollection,
    documents: Sequence[dict[str, Any]],
    *,
    retries: int,
    backoff: float,
) -> WriteOutcome:
    """Insert `documents` once each; an `_id` already stored is a duplicate, not an error.

    A retry after a network error may find some of its own documents already written
    by the first attempt: those carry this request's ingest_id and count as stored.
    """
    pending = list(documents)
    duplicates: list[dict[str, Any]] = []

    async def attempt() -> None:
        nonlocal pending
        if not pending:
            return
        try:
            await collection.insert_many(pending, ordered=False)
        except BulkWriteError as exc:
            refused = _refused_indexes(exc, pending)
            duplicates.extend(pending[i] for i in refused)
            pending = []
            return
        pending = []

    await with_retries(attempt, retries=retries, backoff=backoff)
    ours = await _written_by_us(collection, duplicates)
    duplicate_ids = {d["_id"] for d in duplicates} - ours
    first_seen: set[str] = set()
    stored, dups = [], []
    for doc in documents:
        if doc["_id"] in duplicate_ids or doc["_id"] in first_seen:
            dups.append(doc)
        else:
            stored.append(doc)
            first_seen.add(doc["_id"])
    return WriteOutcome(stored=stored, duplicates=dups)


def _refused_indexes(exc: BulkWriteError, pending: list[dict[str, Any]]) -> list[int]:
    errors = exc.details.get("writeErrors", [])
    other = [e for e in errors if e.get("code") != DUPLICATE_KEY]
    if other:
        raise StoreUnavailable(f"{len(other)} events not written: {other[0].get('errmsg')}")
    return [e["index"] for e in errors]


async def _written_by_us(
    collection: MotorCollection, duplicates: list[dict[str, Any]]
) -> set[str]:
    """Ids among `duplicates` whose stored copy came from this very request."""
    if not duplicates:
        return set()
    ingest_id = duplicates[0]["ingest_id"]
    ids = list({d["_id"] for d in duplicates})
    cursor = collection.find({"_id": {"$in": ids}, "ingest_id": ingest_id}, {"_id": 1})
    return {d["_id"] async for d in cursor}
