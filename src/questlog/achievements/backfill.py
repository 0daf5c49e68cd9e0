"""Backfill: evaluate new or changed achievements over the events still stored.

Run it after the processes were restarted with the new definitions. For each player
with stored events the achievements need, their entries are recomputed from the
events already applied to that player (received before the evaluator's `settled`
watermark, or in `applied`); events still pending are left to the evaluator, which
now knows the new definitions, so no event is counted twice. The write is guarded by
the document's `version`: if the evaluator changed the player meanwhile, the player is
recomputed. An unlock is
never taken back (see rules.recompute); a player with no stored events keeps the
entries they have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from questlog.achievements import watermark
from questlog.achievements.book import Book
from questlog.achievements.definitions import Achievement, AllOfRule
from questlog.achievements.documents import EVALUATION_ORDER, WATERMARKS, entries_of, packed
from questlog.achievements.rules import recompute
from questlog.store.types import MotorCollection


@dataclass(frozen=True)
class BackfillReport:
    achievement_ids: list[str]
    players: int


def fingerprint(achievement: Achievement) -> str:
    """What the counting depends on: a changed name or reward needs no backfill."""
    counted = achievement.model_dump_json(include={"rule", "tiers", "window", "repeatable"})
    return hashlib.sha256(counted.encode()).hexdigest()[:16]


async def changed_ids(book: Book, records: MotorCollection) -> list[str]:
    """Achievements never backfilled, or backfilled with another definition."""
    known = {doc["_id"]: doc["fingerprint"] async for doc in records.find({})}
    return [a.id for a in book.achievements if known.get(a.id) != fingerprint(a)]


async def backfill(
    *, book: Book, ids: Sequence[str], events: MotorCollection,
    progress: MotorCollection, records: MotorCollection, now: datetime,
    track: Callable[[list[str]], Iterable[str]] = iter,
    watermarks: MotorCollection | None = None,
) -> BackfillReport:
    """Recompute `ids` (and the all_of achievements built on them) for every player."""
    targets = book.with_dependents(ids)
    sub = book.only(targets)
    players = await _players(sub, events, progress)
    marks = watermarks if watermarks is not None else events.database[WATERMARKS]
    for user_id in track(players):
        await _backfill_player(user_id, book, sub, events, progress, marks)
    for achievement in sub.achievements:
        await records.replace_one(
            {"_id": achievement.id},
            {"fingerprint": fingerprint(achievement), "backfilled_at": now,
             "players": len(players)},
            upsert=True,
        )
    return BackfillReport([a.id for a in sub.achievements], len(players))


async def _players(
    sub: Book, events: MotorCollection, progress: MotorCollection
) -> list[str]:
    found: set[str] = set()
    if sub.event_types:
        query = {"type": {"$in": sorted(sub.event_types)}, "user_id": {"$ne": None}}
        found.update(await events.distinct("user_id", query))
    if any(isinstance(a.rule, AllOfRule) for a in sub.achievements):
        # An all_of may be complete already from entries whose events are gone.
        found.update([doc["_id"] async for doc in progress.find({}, {"_id": 1})])
    return sorted(found)


async def _backfill_player(
    user_id: str, book: Book, sub: Book, events: MotorCollection,
    progress: MotorCollection, watermarks: MotorCollection,
) -> None:
    while True:
        # The document first, then the watermark and the events: an event applied after
        # this read changed the version too, and then the guard below refuses the write.
        doc: dict[str, Any] = await progress.find_one({"_id": user_id}) or {}
        applied = set(doc.get("applied", ()))
        settled = (await watermark.load(watermarks)).get("settled")
        query = {"user_id": user_id, "type": {"$in": sorted(sub.event_types)}}
        cursor = events.find(query).sort(EVALUATION_ORDER)
        done = [e async for e in cursor
                if e["_id"] in applied or e.get("evaluated_at") is not None  # the old marks
                or (settled is not None and e["received_at"] < settled)]
        stored = entries_of(doc)
        entries = recompute(book, stored, done, list(sub.by_id))
        # All of the player's entries, packed (see documents.PlayerProgress): the version
        # guard makes `stored` the ones this write replaces.
        update: dict[str, Any] = {
            "$set": {"achievements": packed({**stored, **entries})},
            "$inc": {"version": 1},
        }
        if done:
            update["$max"] = {"last_event_at": max(e["event_time"] for e in done)}
        unlocked = [aid for aid, entry in entries.items() if entry.get("reached")]
        if unlocked:
            update["$addToSet"] = {"unlocked": {"$each": unlocked}}
        version = doc.get("version", 0)
        try:
            result = await progress.update_one(
                {"_id": user_id, "version": version}, update, upsert=version == 0
            )
        except DuplicateKeyError:
            continue
        if result.matched_count or result.upserted_id is not None:
            return
