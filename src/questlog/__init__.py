"""Questlog: a game telemetry event store on MongoDB.

In-process services log events with `await questlog.log_event(event)` (validated,
stored, retried, then published to the bus) or, when they must never wait nor
fail, `questlog.log_event_nowait(event)`.

Nothing heavy is imported here, so that `questlog.client` stays light for games.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from questlog.events import EventBase


async def log_event(event: EventBase | Mapping[str, Any]) -> str:
    """Validate, store and publish one event; return its event_id.

    Raises questlog.ingest.service.EventRejected when the event is invalid and
    questlog.store.retry.StoreUnavailable when MongoDB kept failing.
    """
    from questlog.bootstrap import running

    return await running().log_event(event)


def log_event_nowait(event: EventBase | Mapping[str, Any]) -> bool:
    """Buffer one event for a batched write; never raises, never blocks."""
    from questlog.bootstrap import running

    try:
        return running().log_event_nowait(event)
    except RuntimeError:
        return False


__all__ = ["log_event", "log_event_nowait"]
