"""Buckets of the layout before issue 9, a document per type, merged into the current
one, a document per owner and period (see buckets.py). Run at every start (a store
without such buckets costs one look at the `_id` index, reading no document); stores in
use have them.

A period at a time, so memory stays small: its per-type documents are grouped by owner
into the new documents, which are inserted, and then deleted. A new document that
already exists is kept (a merge that stopped before its deletes wrote the same one).

Only one process merges at a time, under a lease, and a process that finds per-type
documents waits until it can take that lease (and then usually finds none left) before
it serves. That matters because the merge inserts what it read earlier: were another
process already serving, its rollup or erasure could delete a day's documents between
that read and the insert, and the insert would bring them back (an erased player's
buckets among them). With every process of the previous version stopped (the upgrade,
docs/operations.md), nothing writes per-type documents any more, so once one process
found none, none appear later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pymongo.errors import BulkWriteError

from questlog.stats.buckets import NAMING, TYPES, bucket_id, owner_of
from questlog.stats.lease import Leases
from questlog.stats.repository import BY_ID
from questlog.store.errors import DUPLICATE_KEY
from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)

LEASE = "merge_per_type_buckets"
RETRY_SECONDS = 2.0  # how often a waiting process tries the lease again
ID_BATCH = 100_000  # ids are small: few round trips
# The old ids begin with their period's date ("2025-01-06/BILL_VOTE/global"), the new
# ones with a scope ("global/2025-01-06"), and ":" sorts right after the digits: the old
# documents are the first _ids, up to ":".
PER_TYPE = {"_id": {"$lt": ":"}}


async def _pause() -> None:
    await asyncio.sleep(RETRY_SECONDS)


async def merge_per_type_buckets(
    collections: Sequence[MotorCollection], *, leases: Leases,
    wait: Callable[[], Awaitable[None]] = _pause,
) -> int:
    """Rewrite the per-type documents of `collections` in the current layout, under the
    lease; how many there were (0 also when another process merged them meanwhile)."""
    if not [c for c in collections if await has_per_type(c)]:
        return 0
    told = False
    while True:
        async with leases.hold(LEASE) as held:
            if held:
                return sum([await _merge(c) for c in collections])
        if not told:
            log.warning("another process is merging the per-type buckets: waiting for it")
            told = True
        await wait()


def per_type_ids(collection: MotorCollection) -> Any:
    """A cursor over the _ids of the per-type documents, in order, read from the _id
    index, hinted (secantusd-rs scans the whole collection for an unhinted range of
    _ids): when there are none, a start reads no key at all."""
    return collection.find(PER_TYPE, {"_id": 1}, batch_size=ID_BATCH).hint(BY_ID).sort("_id", 1)


async def has_per_type(collection: MotorCollection) -> bool:
    return bool(await per_type_ids(collection).limit(1).to_list(1))


async def _merge(collection: MotorCollection) -> int:
    # The periods first, from the ids alone (the old ids begin with their period's
    # date); then each period's documents, one range of ids.
    periods = sorted({d["_id"].split("/", 1)[0] async for d in per_type_ids(collection)})
    if periods:
        log.warning("%s: merging the per-type buckets of %d periods into a document per "
                    "owner (the layout of issue 9)", collection.name, len(periods))
    merged = 0
    for period in periods:
        old = [d async for d in collection.find(_of_period(period)).hint(BY_ID)]
        await _insert_new(collection, list(regrouped(old).values()))
        await collection.delete_many({"_id": {"$in": [d["_id"] for d in old]}})
        merged += len(old)
    if merged:
        log.warning("%s: merged %d per-type documents", collection.name, merged)
    return merged


def _of_period(period: str) -> dict[str, Any]:
    """The per-type documents of the period starting `period`: the _ids that begin with
    it ("0" follows "/")."""
    return {"_id": {"$gte": period, "$lt": period + "0"}}


def regrouped(per_type: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
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
