"""Reading the stored documents of an owner (see buckets.py for their layout).

An owner's documents over any span of periods are one range of `_id`s. secantusd-rs
scans the whole collection for a range of `_id`s unless told to use the `_id` index
(its planner takes `_id` by itself for equalities and `$in` only); MongoDB takes the
index either way and accepts the hint.
"""

from __future__ import annotations

from typing import Any

from questlog.events import EVENT_TYPES
from questlog.stats.buckets import TYPES, Owner, flat_buckets, owner_range
from questlog.stats.sketch import DistinctUsers, decode, merge_users
from questlog.store.types import MotorCollection

BY_ID = [("_id", 1)]
# Every type's part but its field statistics (the sketches are most of a document):
# what the distinct users need.
WITHOUT_FIELDS = {f"{TYPES}.{event_type}.fields": 0 for event_type in sorted(EVENT_TYPES)}


def owner_documents(
    collection: MotorCollection, owner: Owner, first: str | None = None,
    last: str | None = None, projection: dict[str, Any] | None = None,
    also: dict[str, Any] | None = None,
) -> Any:
    """A cursor over the owner's documents whose periods start in first..last (either
    open), read through the _id index; `also` narrows the query. Oldest first on MongoDB
    only: secantusd-rs answers a hinted range in the order the documents were stored
    (a day rebuilt after a later one comes after it) and drops the sort, so a caller
    that needs the order sorts what it read."""
    query = {**owner_range(owner, first, last), **(also or {})}
    return collection.find(query, projection).hint(BY_ID).sort("_id", 1)


async def owner_users(
    collection: MotorCollection, owner: Owner, first: str | None = None,
    last: str | None = None,
) -> DistinctUsers:
    """The distinct users of the owner's buckets of every type in first..last (either
    open), read without the field statistics."""
    found = owner_documents(collection, owner, first, last, WITHOUT_FIELDS)
    return merge_users([decode(b) async for d in found for b in flat_buckets(d)])
