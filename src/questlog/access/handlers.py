"""Bus subscribers of access: a company seen in seed 004's events joins the registry."""

from __future__ import annotations

from questlog.access.companies import Companies
from questlog.bus import Bus
from questlog.ingest.service import EventsStored

# Seed 004 registers a company on its first finalized session; its sessions are made of
# these attempts, so the registry learns the company from the first stored one (the
# sessions part may also call Companies.ensure when it finalizes).
COMPANY_EVENTS = frozenset({"AttemptSubmitted"})


def subscribe(bus: Bus, companies: Companies) -> None:
    async def on_events_stored(message: EventsStored) -> None:
        seen = {d["company_id"] for d in message.documents
                if d.get("type") in COMPANY_EVENTS and d.get("company_id")}
        for company_id in sorted(seen):
            await companies.ensure(company_id)

    bus.subscribe(EventsStored, on_events_stored)
