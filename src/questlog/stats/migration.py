"""Buckets of the layout before issue 9, a document per type, merged into the current
one, a document per owner and period (see buckets.py). Run at every start (a store
without such buckets costs one query on the _id index); stores in use have them.

A day at a time, so memory stays small: its per-type documents are grouped by owner
into the new documents, which are inserted, and then deleted. Idempotent and safe to
run in several processes at once: a new document that already exists is kept (another
start wrote the same one, or a rollup of the day rebuilt it from raw events, which is
newer), and the deletes are by _id. A rollup of a day deletes the old documents of the
day anyway, like any bucket it did not write (PeriodWriter).
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.errors import BulkWriteError

from questlog.stats.buckets import NAMING, TYPES, bucket_id, owner_of
from questlog.stats.writer import DUPLICATE_KEY
from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)

# The old ids begin with their period's date ("2025-01-06/BILL_VOTE/global"), the new
# ones with a scope ("global/2025-01-06"), and ":" sorts right after the digits.
PER_TYPE = {"_id": {"$lt": ":"}}


async def merge_per_type_buckets(collection: MotorCollection) -> int:
    """Rewrite `collection`'s per-type documents in the current layout; how many there were."""
    days = sorted(await collection.distinct("period_start", PER_TYPE))
    if days:
        log.warning("%s: merging the buckets of %d periods into a document per owner "
                    "(the layout of issue 9)", collection.name, len(days))
    merged = 0
    for day in days:
        old = [d async for d in collection.find({"period_start": day, **PER_TYPE})]
        await _insert_new(collection, list(owner_documents(old).values()))
        await collection.delete_many({"_id": {"$in": [d["_id"] for d in old]}})
        merged += len(old)
    return merged


def owner_documents(per_type: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The current layout's documents of one period's per-type documents, by _id."""
    out: dict[str, dict[str, Any]] = {}
    for old in per_type:
        new_id = bucket_id(owner_of(old), old["period_start"])
        document = out.get(new_id)
        if document is None:
            document = out[new_id] = {"_id": new_id, **{k: old.get(k) for k in NAMING},
                                      TYPES: {}}
        document[TYPES][old["type"]] = {
            k: v for k, v in old.items() if k not in NAMING and k not in ("_id", "type")}
    return out


async def _insert_new(collection: MotorCollection, documents: list[dict[str, Any]]) -> None:
    if not documents:
        return
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:  # those already there are kept (see the module's note)
        if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
            raise
