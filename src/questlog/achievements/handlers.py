"""Bus subscribers of achievements."""

from __future__ import annotations

from questlog.achievements.evaluator import Evaluator
from questlog.bus import Bus
from questlog.ingest.service import EventsStored


def subscribe(bus: Bus, evaluator: Evaluator) -> None:
    async def on_events_stored(message: EventsStored) -> None:
        # Only a wake-up: the evaluator reads the events back from the store, in order,
        # so nothing depends on this message arriving (the bus may drop it).
        if any(doc.get("type") in evaluator.book.event_types for doc in message.documents):
            evaluator.wake()

    bus.subscribe(EventsStored, on_events_stored)
