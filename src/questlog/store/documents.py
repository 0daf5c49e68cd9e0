"""Beanie documents of the write path: raw events and the quarantine of rejected ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import pymongo
from beanie import Document
from pydantic import ConfigDict

RAW_EVENTS = "events"
REJECTED_EVENTS = "rejected_events"
REJECTION_COUNTS = "rejection_counts"


class StoredEvent(Document):
    """One accepted event: the envelope, the server's fields and, flat, its type's fields.

    `_id` is the event_id, so a second insert of the same event is refused by the
    server's unique index: duplicates cost one error code, never a second copy.
    `event_time` is the corrected occurred_at, or received_at when the client gave
    none: the time the reads and the rollups bucket by.
    """

    model_config = ConfigDict(extra="allow")

    id: str  # type: ignore[assignment]  # the event_id
    type: str
    schema_version: int
    user_id: str | None = None
    company_id: str | None = None
    session_id: str | None = None
    occurred_at: datetime | None = None
    client_occurred_at: datetime | None = None
    sent_at: datetime | None = None
    received_at: datetime
    event_time: datetime
    ingest_id: str

    class Settings:
        name = RAW_EVENTS
        # The TTL index on received_at is managed by store.indexes.ensure_ttl_index,
        # so that a changed retention is applied in place at the next start.
        indexes: ClassVar = [
            pymongo.IndexModel([("type", 1), ("event_time", -1)], name="type_time"),
            pymongo.IndexModel(
                [("company_id", 1), ("type", 1), ("event_time", -1)], name="company_type_time"
            ),
            pymongo.IndexModel(
                [("user_id", 1), ("type", 1), ("event_time", -1)], name="user_type_time"
            ),
            pymongo.IndexModel([("session_id", 1), ("event_time", -1)], name="session_time"),
            pymongo.IndexModel([("event_time", -1), ("_id", -1)], name="time"),
        ]


class RejectedEvent(Document):
    """A rejected event (or request) kept for diagnosis and replay; expires after 7 days."""

    code: str
    message: str
    index: int | None = None
    event_id: str | None = None
    event_type: str | None = None
    raw: str
    raw_truncated: bool = False
    size: int | None = None  # bytes of the event or body that `raw` holds (or begins)
    received_at: datetime
    ingest_id: str
    api_key: str | None = None

    class Settings:
        name = REJECTED_EVENTS
        indexes: ClassVar = [
            pymongo.IndexModel([("code", 1), ("received_at", -1)], name="code_time"),
            pymongo.IndexModel([("received_at", -1)], name="time"),
        ]


class RejectionCount(Document):
    """The quarantine's bookkeeping (ingest.quarantine): per key and hour, a budget of
    rejections stored (`kind` budget, `seen`), and per key, hour and code a tally of
    those counted past it or evicted past the cap (`kind` tally), with a sample."""

    model_config = ConfigDict(extra="allow")

    id: str  # type: ignore[assignment]  # kind|key|hour[|code]
    kind: str
    api_key: str
    hour: datetime

    class Settings:
        name = REJECTION_COUNTS
        # The TTL index on hour is managed by store.indexes.ensure_ttl_index.
        indexes: ClassVar = [
            pymongo.IndexModel([("kind", 1), ("hour", -1)], name="kind_hour"),
        ]


# evaluated_at: set by the achievements evaluator of older versions once it applied the
# event (events are no longer written after they are stored; see achievements.watermark).
INTERNAL_FIELDS = frozenset({"_id", "ingest_id", "evaluated_at"})


def public_event(document: dict[str, Any]) -> dict[str, Any]:
    """A stored event as readers see it: `_id` becomes event_id, internals are dropped."""
    out = {"event_id": document["_id"]}
    out.update((k, v) for k, v in document.items() if k not in INTERNAL_FIELDS)
    return out


MODELS: list[type[Document]] = [StoredEvent, RejectedEvent, RejectionCount]
