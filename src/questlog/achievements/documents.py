"""Beanie documents of achievements: one progress document per player, and backfill records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document
from pydantic import Field

PLAYER_PROGRESS = "player_progress"

# The order in which the evaluator applies stored events: arrival, then within one
# request the order the events happened. The backfill and the tests fold in it too.
EVALUATION_ORDER = [("received_at", 1), ("event_time", 1), ("_id", 1)]

# On the raw events: the evaluator reads them from its watermark on, in this order.
EVALUATION_INDEX = pymongo.IndexModel(EVALUATION_ORDER, name="evaluation_order")
# Where the evaluator keeps its progress, never on the raw events (which are append-only):
# one document, {_id: "events", settled, head}; see achievements.watermark.
WATERMARKS = "achievement_watermarks"

# The evaluator's guarded update: one player at the version the update was computed from.
PROGRESS_GUARD = pymongo.IndexModel([("_id", 1), ("version", 1)], name="id_version")
# Active players, for the unlock rates.
_PROGRESS_INDEXES = [pymongo.IndexModel([("last_event_at", -1)], name="last_event_at"),
                     PROGRESS_GUARD]


class PlayerProgress(Document):
    """All of one player's achievement progress, changed only by whole-document atomic updates.

    `version` grows by one with every evaluation, so an update computed from a stale
    read is refused; `applied` holds the ids of the last events applied, so an event
    applied before a crash but not yet marked evaluated is never applied twice.
    `achievements` maps an achievement id to its entry (see achievements.rules).
    `redeemed` is changed only by redeem, never by the evaluator.
    """

    id: str  # type: ignore[assignment]  # the user_id
    version: int = 0
    applied: list[str] = Field(default_factory=list)
    achievements: dict[str, dict[str, Any]] = Field(default_factory=dict)
    unlocked: list[str] = Field(default_factory=list)
    redeemed: dict[str, dict[str, Any]] = Field(default_factory=dict)
    last_event_at: datetime | None = None
    through: list[Any] | None = None  # the order key of the last event applied

    class Settings:
        name = PLAYER_PROGRESS
        indexes = _PROGRESS_INDEXES


class BackfillRecord(Document):
    """The definition an achievement was last backfilled with, to tell a changed one."""

    id: str  # type: ignore[assignment]  # the achievement id
    fingerprint: str
    backfilled_at: datetime
    players: int

    class Settings:
        name = "achievement_backfills"


MODELS: list[type[Document]] = [PlayerProgress, BackfillRecord]
