"""Live subscribers to the stored events, each with a bounded queue of its own.

The bus hands every stored batch to `on_events_stored`, which only offers each matching
event to each subscriber's queue without waiting: a full queue (a slow viewer) drops the
event and counts it, so no viewer ever slows the bus, let alone ingestion.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from questlog.ingest.service import EventsStored
from questlog.store.documents import public_event

FILTER_FIELDS = ("type", "user_id", "company_id", "session_id")


class TooManySubscribers(Exception):
    pass


@dataclass(frozen=True)
class Filters:
    equal: Mapping[str, str]
    start: datetime | None = None
    end: datetime | None = None

    def match(self, document: Mapping[str, Any]) -> bool:
        if any(document.get(name) != value for name, value in self.equal.items()):
            return False
        moment = document.get("event_time")
        if self.start is not None and (moment is None or moment < self.start):
            return False
        return not (self.end is not None and (moment is None or moment >= self.end))


@dataclass
class Subscriber:
    filters: Filters
    queue: asyncio.Queue[dict[str, Any]]
    dropped: int = 0
    reported: int = field(default=0)

    def offer(self, event: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1

    def unreported_drops(self) -> int:
        """Drops since the last call (the stream tells the viewer)."""
        new, self.reported = self.dropped - self.reported, self.dropped
        return new


class LiveFeed:
    def __init__(self, *, queue_size: int = 1000, max_subscribers: int = 100) -> None:
        self._queue_size = queue_size
        self._max = max_subscribers
        self._subscribers: list[Subscriber] = []

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def open(self, filters: Filters) -> Subscriber:
        if len(self._subscribers) >= self._max:
            raise TooManySubscribers(f"{self._max} live viewers already; try again later")
        subscriber = Subscriber(filters, asyncio.Queue(maxsize=self._queue_size))
        self._subscribers.append(subscriber)
        return subscriber

    def close(self, subscriber: Subscriber) -> None:
        """Forget `subscriber`; closing twice is harmless."""
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    @contextmanager
    def subscribe(self, filters: Filters) -> Iterator[Subscriber]:
        subscriber = self.open(filters)
        try:
            yield subscriber
        finally:
            self.close(subscriber)

    async def on_events_stored(self, message: EventsStored) -> None:
        for subscriber in list(self._subscribers):
            for document in message.documents:
                if subscriber.filters.match(document):
                    subscriber.offer(public_event(document))
