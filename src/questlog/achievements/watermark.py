"""The evaluator's progress over the raw events, kept in a collection of its own.

One document: `settled` is a received_at before which every stored event of a counted
type has been applied to its player; `head` is the received_at of the last event
applied, for the lag. The raw events are never written (seed 001: append-only).

`settled` trails the time a pass began reading by SETTLE: received_at is stamped before
the insert is acknowledged, and two requests in flight can become visible out of
order, so an event stamped before a pass began may be visible only after the pass read
past it. Every pass that starts from `settled` reads those seconds again, and the
players' `applied` ids (see evaluator.py) tell what was applied already. An event whose
write takes longer than SETTLE to become visible would be missed: the write path's own
deadline is well below it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from questlog.store.types import MotorCollection

SETTLE = timedelta(seconds=30)
KEY = "events"


async def load(watermarks: MotorCollection) -> dict[str, Any]:
    return await watermarks.find_one({"_id": KEY}) or {}


async def advance(
    watermarks: MotorCollection, *, head: datetime | None = None,
    settled: datetime | None = None,
) -> None:
    """Move head and settled forward (never back: another process may be ahead)."""
    moved = {name: value for name, value in (("head", head), ("settled", settled)) if value}
    if moved:
        await watermarks.update_one({"_id": KEY}, {"$max": moved}, upsert=True)


async def initial_settled(events: MotorCollection) -> datetime | None:
    """Where a store evaluated by the old evaluator (which marked events evaluated_at)
    resumes: at its last mark, the `applied` guard covering the events it meets again.
    None: from the first event."""
    last = await events.find_one(
        {"evaluated_at": {"$ne": None}}, {"received_at": 1}, sort=[("received_at", -1)]
    )
    return last["received_at"] if last else None
