"""Gameplay catalog (seed 002): session lifecycle, combat, progression and economy,
social, and heartbeat events from the game client.

Every event carries the client's install (`client_guid`), `build`, `platform` and
`shard`. Seed 002 deduplicates by (player, client_guid, seq): a gameplay event sent
without an event_id but with user_id and seq gets the event_id
"seq-" + sha256(user_id, client_guid, seq) (ingest.validation.sequence_event_id), so
the same event sent twice is stored once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from questlog.events.envelope import (
    EventBase,
    Id,
    NonNegativeInt,
    NonNegativeNumber,
    PositiveInt,
    Text,
)

EncounterTier = Literal["normal", "elite", "boss"]


class GameplayEvent(EventBase):
    catalog = "gameplay"

    client_guid: Id = Field(description=(
        "The client install. Without an event_id, an event with user_id and seq gets the "
        "event_id 'seq-' + sha256(user_id \\x1f client_guid \\x1f seq)[:32], so a resent "
        "event is a duplicate (seed 002's dedup by player, client_guid and seq)."
    ))
    build: Text
    platform: Text
    shard: Text


class CombatEvent(GameplayEvent):
    encounter_tier: EncounterTier = "normal"


class SessionStarted(GameplayEvent):
    type: Literal["session_start"] = "session_start"
    region: Text | None = None


class SessionEnded(GameplayEvent):
    type: Literal["session_end"] = "session_end"
    duration_s: NonNegativeNumber


class SessionCrashed(GameplayEvent):
    type: Literal["session_crash"] = "session_crash"
    reason: Text


class Reconnected(GameplayEvent):
    type: Literal["reconnect"] = "reconnect"
    attempt: PositiveInt
    downtime_ms: NonNegativeNumber


class EnemyEngaged(CombatEvent):
    type: Literal["engage_enemy"] = "engage_enemy"
    enemy_id: Id


class AbilityCast(CombatEvent):
    type: Literal["ability_cast"] = "ability_cast"
    ability_id: Id
    target_id: Id | None = None


class DamageDealt(CombatEvent):
    type: Literal["damage_dealt"] = "damage_dealt"
    amount: NonNegativeNumber
    target_id: Id
    ability_id: Id | None = None
    critical: bool = False


class DamageTaken(CombatEvent):
    type: Literal["damage_taken"] = "damage_taken"
    amount: NonNegativeNumber
    source_id: Id


class Died(CombatEvent):
    type: Literal["death"] = "death"
    killer_id: Id | None = None
    zone: Text | None = None


class XpGained(GameplayEvent):
    type: Literal["xp_gain"] = "xp_gain"
    amount: NonNegativeInt
    xp_source: Text


class SkillRankedUp(GameplayEvent):
    type: Literal["skill_rank_up"] = "skill_rank_up"
    skill_id: Id
    rank_from: NonNegativeInt
    rank_to: PositiveInt


class LootDropped(GameplayEvent):
    type: Literal["loot_drop"] = "loot_drop"
    item_id: Id
    rarity: Text
    quantity: PositiveInt


class InventoryMoved(GameplayEvent):
    type: Literal["inventory_move"] = "inventory_move"
    item_id: Id
    from_slot: Text
    to_slot: Text
    quantity: PositiveInt


class CraftFinished(GameplayEvent):
    type: Literal["craft_result"] = "craft_result"
    recipe_id: Id
    success: bool
    quantity: NonNegativeInt


class PartyCreated(GameplayEvent):
    type: Literal["party_create"] = "party_create"
    party_id: Id


class PartyJoined(GameplayEvent):
    type: Literal["party_join"] = "party_join"
    party_id: Id
    party_size: PositiveInt


class EmotePlayed(GameplayEvent):
    type: Literal["emote_played"] = "emote_played"
    emote_id: Id


class FriendInvited(GameplayEvent):
    type: Literal["friend_invite"] = "friend_invite"
    invitee_id: Id


class ClientTicked(GameplayEvent):
    type: Literal["client_tick"] = "client_tick"
    fps: NonNegativeNumber
    rtt_ms: NonNegativeNumber


class AoiPopulationSampled(GameplayEvent):
    type: Literal["aoi_population"] = "aoi_population"
    population: NonNegativeInt


class SnapshotSized(GameplayEvent):
    type: Literal["snapshot_size"] = "snapshot_size"
    size_bytes: NonNegativeInt


EVENTS: tuple[type[EventBase], ...] = (
    SessionStarted,
    SessionEnded,
    SessionCrashed,
    Reconnected,
    EnemyEngaged,
    AbilityCast,
    DamageDealt,
    DamageTaken,
    Died,
    XpGained,
    SkillRankedUp,
    LootDropped,
    InventoryMoved,
    CraftFinished,
    PartyCreated,
    PartyJoined,
    EmotePlayed,
    FriendInvited,
    ClientTicked,
    AoiPopulationSampled,
    SnapshotSized,
)
