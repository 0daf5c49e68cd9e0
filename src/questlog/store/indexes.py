"""Indexes: every document's declared indexes made real, and TTLs that change in place.

Beanie 1.30 tells index models apart by their keys *sorted* (IndexModelField), so two
compound indexes on the same fields in another order count as one and only the last
is created (daily_stats' `owner_period` was lost that way). Questlog therefore starts
Beanie with skip_indexes and creates the declared indexes here, comparing keys in
their order and every option.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from beanie import Document
from beanie.odm.utils.typing import get_index_attributes
from pymongo import IndexModel

from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)

# What servers report about an index besides its definition, or default away.
_NOT_OPTIONS = frozenset({"key", "name", "v", "ns", "background"})


def declared_indexes(document: type[Document]) -> list[IndexModel]:
    """The indexes `document` declares: its Indexed() fields, then its Settings.indexes."""
    settings = document.get_settings()
    if settings.merge_indexes:
        raise NotImplementedError(f"{document.__name__}: merge_indexes is not supported")
    fields = [
        IndexModel([(info.alias or name, attributes[0])], **attributes[1])
        for name, info in document.model_fields.items()
        if (attributes := get_index_attributes(info)) is not None
    ]
    return fields + [field.index for field in settings.indexes]


def index_spec(index: Mapping[str, Any]) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    """(keys in order, options) of an IndexModel document or an index_information entry."""
    keys = tuple((field, _plain(direction)) for field, direction in dict(index["key"]).items())
    options = {
        name: _plain(value) for name, value in index.items()
        if name not in _NOT_OPTIONS and value is not False
    }
    return keys, options


def _plain(value: Any) -> Any:
    """1.0 and 1 alike (servers may answer doubles); nested documents as plain dicts."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# Indexes earlier versions created that nothing reads any more, by collection: each one
# only costs its upkeep on every write, so a start drops it.
RETIRED = {
    # the per-type week read, and the per-type owner read (issue 9: buckets are stored
    # a document per owner and period, read by _id ranges)
    "daily_stats": ("period_type_owner", "owner_period"),
    "weekly_stats": ("period_type_owner", "owner_period"),
    "events": ("evaluation_queue",),  # the evaluator's queue before its watermark
}


async def ensure_indexes(collection: MotorCollection, indexes: Sequence[IndexModel]) -> None:
    """Create each of `indexes` that is missing; re-create one whose definition changed;
    drop the collection's RETIRED ones.

    Indexes are matched by name; any other index the collection has is left alone (the
    TTL indexes are managed apart).
    """
    existing = await collection.index_information()
    for name in RETIRED.get(collection.name, ()):
        if name in existing:
            log.warning("index %s.%s is no longer used: dropping it", collection.name, name)
            await collection.drop_index(name)
    missing = []
    for index in indexes:
        name = index.document["name"]
        current = existing.get(name)
        if current is not None and index_spec(current) == index_spec(index.document):
            continue
        if current is not None:
            log.warning("index %s.%s changed: re-creating it", collection.name, name)
            await collection.drop_index(name)
        missing.append(index)
    if missing:
        await collection.create_indexes(missing)


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
