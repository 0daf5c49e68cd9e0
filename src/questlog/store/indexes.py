"""TTL indexes that can change their retention without losing data."""

from __future__ import annotations

import logging
from datetime import timedelta

from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)


async def ensure_ttl_index(
    collection: MotorCollection, field: str, ttl: timedelta
) -> None:
    """Create the TTL index on `field`, or change its expireAfterSeconds in place.

    A changed setting is applied with collMod, which keeps the index and the data;
    dropping and re-creating is only the fallback for stores without collMod
    (mongomock). Either way no document is removed by the change itself.
    """
    seconds = int(ttl.total_seconds())
    name = f"{field}_ttl"
    existing = (await collection.index_information()).get(name)
    if existing is None:
        await collection.create_index(field, name=name, expireAfterSeconds=seconds)
        return
    if existing.get("expireAfterSeconds") == seconds:
        return
    log.warning(
        "changing TTL of %s.%s from %ss to %ss",
        collection.name, field, existing.get("expireAfterSeconds"), seconds,
    )
    try:
        await collection.database.command(
            {"collMod": collection.name, "index": {"name": name, "expireAfterSeconds": seconds}}
        )
    except NotImplementedError:
        await collection.drop_index(name)
        await collection.create_index(field, name=name, expireAfterSeconds=seconds)
