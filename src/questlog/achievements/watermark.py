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

A process that stops keeps the ids it applied there (`keep_seen`), and the next process
to start takes them (`take_seen`): its first pass then reads the window's ids only, and
fetches whole the events it holds that none of those ids name (one stored late). An
event once applied stays applied while it exists (an erasure deletes the event with the
progress, and the kept ids too: they may name the player's events), so a list kept by
any process serves any other; a crash keeps none, and the next start reads the window
whole again, finding it applied.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import bson

from questlog.store.types import MotorCollection

SETTLE = timedelta(seconds=30)
KEY = "events"
SEEN_KEY = "seen"
# The most a stopping process keeps, encoded, well under the 16 MB a document may hold
# (an event id may be 128 characters of any script): a window holding more is read
# again whole by the next start.
KEEP_SEEN_BYTES = 8 * 1024 * 1024


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


async def keep_seen(watermarks: MotorCollection, seen: dict[Any, datetime]) -> None:
    """Keep what a stopping process applied since `settled` (event id -> received_at),
    unless it is nothing or more than KEEP_SEEN_BYTES."""
    kept = {"_id": SEEN_KEY, "ids": list(seen), "received_at": list(seen.values())}
    if seen and len(bson.encode(kept)) <= KEEP_SEEN_BYTES:
        await watermarks.replace_one({"_id": SEEN_KEY}, kept, upsert=True)


async def take_seen(watermarks: MotorCollection) -> dict[Any, datetime]:
    """What a stopped process kept, removed as it is taken: it names events, and the
    next settle moves past them anyway."""
    kept = await watermarks.find_one_and_delete({"_id": SEEN_KEY})
    return dict(zip(kept["ids"], kept["received_at"], strict=True)) if kept else {}


async def forget_seen(watermarks: MotorCollection) -> None:
    """Drop what a stopped process kept (an erasure: it may name the player's events);
    the next start reads the settle window whole."""
    await watermarks.delete_one({"_id": SEEN_KEY})
