"""Bus subscribers of sessions."""

from __future__ import annotations

from questlog.bus import Bus
from questlog.ingest.service import EventsStored
from questlog.sessions.worker import SessionWorker


def subscribe(bus: Bus, worker: SessionWorker) -> None:
    async def on_events_stored(message: EventsStored) -> None:
        # Every event with a session_id opens or extends its session; ending events close
        # it. The worker reads the session's events back from the store.
        worker.add({d["session_id"] for d in message.documents if d.get("session_id")})

    bus.subscribe(EventsStored, on_events_stored)
