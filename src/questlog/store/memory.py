"""The in-memory store (mongomock-motor): QUESTLOG_MONGODB_URL=memory, and the unit tests."""

from __future__ import annotations

import time
from typing import cast

import mongomock_motor
from mongomock.store import CollectionStore

from questlog.store.memory_thread import run_off_the_event_loop
from questlog.store.types import MotorClient

TTL_SWEEP_SECONDS = 1.0


def _throttle_ttl_sweeps() -> None:
    """Sweep expired documents at most once a second per collection.

    mongomock expires TTL documents by scanning the whole collection before every
    read, including the `_id in collection` check of each inserted document, so an
    insert costs time in proportion to what is stored and the embedded store slows
    to a crawl as it fills. A real server sweeps once a minute; once a second keeps
    expiry observable and inserts cheap.
    """
    sweep = CollectionStore._remove_expired_documents
    if getattr(sweep, "throttled", False):
        return

    def throttled_sweep(self: CollectionStore) -> None:
        now = time.monotonic()
        if now - getattr(self, "_last_ttl_sweep", float("-inf")) >= TTL_SWEEP_SECONDS:
            self._last_ttl_sweep = now  # type: ignore[attr-defined]  # our mark on mongomock's class
            sweep(self)  # type: ignore[no-untyped-call]  # mongomock leaves it unannotated

    throttled_sweep.throttled = True  # type: ignore[attr-defined]
    CollectionStore._remove_expired_documents = throttled_sweep  # type: ignore[method-assign]


def memory_client() -> MotorClient:
    _throttle_ttl_sweeps()
    run_off_the_event_loop()
    # mongomock-motor mimics Motor's client without subclassing it: callers use it as one.
    return cast(MotorClient, mongomock_motor.AsyncMongoMockClient(tz_aware=True))
