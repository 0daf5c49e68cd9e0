"""Beanie documents of achievements: one progress document per player, and backfill records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import bson
import pymongo
from beanie import Document
from bson.binary import Binary
from bson.codec_options import CodecOptions
from pydantic import Field

PLAYER_PROGRESS = "player_progress"
# A player's entries are stored packed: one BSON binary of this (user-defined) subtype
# holding the BSON document of achievement id -> entry. On secantusd-rs an update costs
# the server per element of the document it rewrites, and the ~50 entries of a player
# (each a document of a few lists) were most of them (docs/performance-history.md, "Achievements,
# returning players: packed progress").
PACKED_ENTRIES = 0x80
# As the store's clients decode the rest of the document: datetimes in UTC.
_ENTRIES_CODEC: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True, tzinfo=UTC)

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
    `achievements` holds the entries, each achievement id's (see achievements.rules),
    packed into one value (`packed`; read with `entries_of`, exported `unpacked`), so
    the evaluator's update sets one value; documents written before that hold them as a
    plain map, which reads the same and is packed by the player's first update that
    changes an entry (or a backfill).
    `redeemed` is changed only by redeem, never by the evaluator.
    """

    id: str  # type: ignore[assignment]  # the user_id
    version: int = 0
    applied: list[str] = Field(default_factory=list)
    achievements: bytes | dict[str, dict[str, Any]] = b""
    unlocked: list[str] = Field(default_factory=list)
    redeemed: dict[str, dict[str, Any]] = Field(default_factory=dict)
    last_event_at: datetime | None = None
    through: list[Any] | None = None  # the order key of the last event applied

    class Settings:
        name = PLAYER_PROGRESS
        indexes = _PROGRESS_INDEXES


def packed(entries: Mapping[str, dict[str, Any]]) -> Binary:
    """The entries as `achievements` stores them."""
    return Binary(bson.encode(entries), PACKED_ENTRIES)


def entries_of(progress: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The entries of a stored progress document, packed or (written before they were)
    a plain map; none if it has none."""
    stored = progress.get("achievements")
    if isinstance(stored, bytes):
        return bson.decode(stored, codec_options=_ENTRIES_CODEC) if stored else {}
    return stored or {}


def unpacked(progress: dict[str, Any]) -> dict[str, Any]:
    """The document with its entries unpacked, as a player's export shows it."""
    if "achievements" not in progress:
        return progress
    return {**progress, "achievements": entries_of(progress)}


class BackfillRecord(Document):
    """The definition an achievement was last backfilled with, to tell a changed one."""

    id: str  # type: ignore[assignment]  # the achievement id
    fingerprint: str
    backfilled_at: datetime
    players: int

    class Settings:
        name = "achievement_backfills"


MODELS: list[type[Document]] = [PlayerProgress, BackfillRecord]
