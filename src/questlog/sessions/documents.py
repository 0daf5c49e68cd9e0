"""Beanie documents of sessions: one summary per session, one model per player, the sweep mark.

Sessions are written by the service as plain dicts through the Motor collection, each
write guarded by `version` (see service.py); these models name the collections, declare
the indexes and type the stored shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

import pymongo
from beanie import Document
from pydantic import Field

SESSIONS = "sessions"
PLAYER_MODELS = "player_models"
SESSION_SWEEPS = "session_sweeps"

Status = Literal["open", "closed"]
ClosedBy = Literal["explicit", "end_event", "idle_timeout"]


class Session(Document):
    """One session, summarized whole from its stored events (never incremented).

    `features` is set once the session is closed. `model_pending` is set in the same
    write that changes a closed session's first-try metrics, and cleared once the
    player's model was refitted: the store is the learner's queue.
    """

    id: str  # type: ignore[assignment]  # the session_id
    version: int = 0
    user_id: str | None = None
    company_id: str | None = None
    company_ids: list[str] = Field(default_factory=list)
    catalogs: list[str] = Field(default_factory=list)
    started_at: datetime
    last_event_at: datetime
    ended_at: datetime | None = None
    status: Status = "open"
    closed_by: ClosedBy | None = None
    closed_at: datetime | None = None
    event_count: int = 0
    events_by_type: dict[str, int] = Field(default_factory=dict)
    features: dict[str, Any] | None = None
    conflict: dict[str, Any] | None = None
    model_pending: bool = False
    summarized_at: datetime | None = None

    class Settings:
        name = SESSIONS
        indexes: ClassVar = [
            # A player's sessions newest first, and the learner's in time order.
            pymongo.IndexModel([("user_id", 1), ("started_at", -1)], name="user_started"),
            # The idle-timeout job: open sessions whose last event is old.
            pymongo.IndexModel([("status", 1), ("last_event_at", 1)], name="status_last_event"),
            # The designers' statistics: closed sessions by the day they started.
            pymongo.IndexModel([("started_at", 1)], name="started"),
            pymongo.IndexModel([("model_pending", 1)], name="model_pending"),
        ]


class PlayerModel(Document):
    """A player's fitted model (see learner.py); `version` guards concurrent refits."""

    id: str  # type: ignore[assignment]  # the user_id
    version: int = 0
    status: Literal["trained", "insufficient_data"]
    n_samples: int
    n_sessions: int
    coefficients: list[float] | None = None
    intercept: float | None = None
    mae: float | None = None
    prediction: float | None = None
    trained_at: datetime

    class Settings:
        name = PLAYER_MODELS


class SessionSweep(Document):
    """How far the sweep job has looked at received events (its watermark)."""

    id: str  # type: ignore[assignment]
    through: datetime

    class Settings:
        name = SESSION_SWEEPS


MODELS: list[type[Document]] = [Session, PlayerModel, SessionSweep]
# Where a player's sessions and model live, for erasure and export (questlog.access).
PLAYER_DATA = [(SESSIONS, "user_id"), (PLAYER_MODELS, "_id")]
