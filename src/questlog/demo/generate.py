"""Demo events: a few dozen players of a few companies playing over the last weeks. Pure.

Every player starts on some day and comes back less and less often (a retention
curve); each visit is a gameplay session (start, combat, XP, loot, end) with, now and
then, votes and lobbying (politics), an earth-task round, a skills mission and an exam
session. The catalogs' other types appear a few times each, so every type has data.
Deterministic for a seed and a `now`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from questlog.contracts.examples import example_event
from questlog.contracts.schemas import event_schema
from questlog.events import EVENT_MODELS

# Four companies above the privacy threshold, and one below it (3 players).
COMPANIES = {"demo-acme": 16, "demo-globex": 14, "demo-initech": 12, "demo-umbrella": 10,
             "demo-tiny": 3}
PLATFORMS = ("windows", "mac", "linux", "switch")
BUILDS = ("1.4.0", "1.4.1", "1.5.0")
REGIONS = ("EU", "NA", "APAC")
SHARDS = {"EU": "eu-1", "NA": "us-1", "APAC": "ap-1"}


@dataclass(frozen=True)
class Player:
    user_id: str
    company_id: str
    platform: str
    region: str
    skill: float  # 0..1: wins more fights, solves more sequences first try
    first_day: int  # days before `now`


def players(rng: random.Random, days: int) -> list[Player]:
    out = []
    for company, size in COMPANIES.items():
        for i in range(size):
            out.append(Player(
                user_id=f"{company.removeprefix('demo-')}-{i + 1:02d}", company_id=company,
                platform=rng.choice(PLATFORMS), region=rng.choice(REGIONS),
                skill=rng.uniform(0.15, 0.9), first_day=rng.randint(1, days - 1),
            ))
    return out


def demo_events(*, now: datetime, days: int = 28, seed: int = 13) -> list[dict[str, Any]]:
    """The demo's events, oldest first, each with a stable event_id."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for player in players(rng, days):
        for back in range(player.first_day, 0, -1):
            age = player.first_day - back
            if age and rng.random() > 0.25 + 0.55 * math.exp(-age / 6):
                continue
            for visit in range(rng.choice((1, 1, 1, 2))):
                start = now - timedelta(days=back) + timedelta(
                    hours=rng.uniform(8 + visit * 6, 13 + visit * 6))
                sid = f"{player.user_id}-d{back}-v{visit}"
                events += session(rng, player, sid, start, first=not age and not visit)
    events += every_other_type(rng, events)
    events.sort(key=lambda e: e["occurred_at"])
    for index, event in enumerate(events):
        event["event_id"] = f"demo-{seed}-{index:06d}"
    return events


def envelope(player: Player, session_id: str | None, at: datetime) -> dict[str, Any]:
    out = {"user_id": player.user_id, "company_id": player.company_id,
           "occurred_at": at.isoformat()}
    if session_id is not None:
        out["session_id"] = session_id
    return out


def session(rng: random.Random, player: Player, session_id: str, start: datetime,
            *, first: bool = False) -> list[dict[str, Any]]:
    """One visit; a first one is a tutorial that may end before any fight."""
    game = {"client_guid": f"guid-{player.user_id}", "build": rng.choice(BUILDS),
            "platform": player.platform, "shard": SHARDS[player.region]}
    clock = Clock(start)
    events: list[dict[str, Any]] = [{"type": "session_start", "region": player.region, **game}]
    for fight in range(rng.randint(0 if first else 1, 2 if first else 5)):
        tier = rng.choices(("normal", "elite", "boss"), weights=(8, 3, 1))[0]
        events.append({"type": "engage_enemy", "enemy_id": f"mob-{fight}", "encounter_tier": tier,
                       **game})
        events.append({"type": "ability_cast", "ability_id": rng.choice(("slash", "fireball")),
                       "encounter_tier": tier, **game})
        events.append({"type": "damage_dealt", "amount": round(rng.uniform(10, 400), 1),
                       "target_id": f"mob-{fight}", "critical": rng.random() < 0.2,
                       "encounter_tier": tier, **game})
        if rng.random() < player.skill:
            events.append({"type": "xp_gain", "amount": rng.randint(20, 120),
                           "xp_source": "combat", **game})
            if rng.random() < 0.3:
                events.append({"type": "loot_drop", "item_id": f"item-{rng.randint(1, 40)}",
                               "rarity": rng.choice(("common", "rare", "epic")), "quantity": 1,
                               **game})
        else:
            events.append({"type": "damage_taken", "amount": round(rng.uniform(50, 300), 1),
                           "source_id": f"mob-{fight}", "encounter_tier": tier, **game})
            events.append({"type": "death", "killer_id": f"mob-{fight}", "encounter_tier": tier,
                           **game})
    events.append({"type": "xp_gain", "amount": rng.randint(5, 40), "xp_source": "quest", **game})
    events.append({"type": "client_tick", "fps": round(rng.uniform(40, 144), 1),
                   "rtt_ms": round(rng.uniform(20, 180), 1), **game})
    out = [{**e, **envelope(player, session_id, clock.tick(rng))} for e in events]
    if rng.random() < 0.5:
        out += politics(rng, player, clock)
    if rng.random() < 0.4:
        out += earth_round(rng, player, f"{session_id}-earth", clock)
    end = clock.tick(rng)
    out.append({"type": "session_end", "duration_s": (end - start).total_seconds(), **game,
                **envelope(player, session_id, end)})
    return out


def politics(rng: random.Random, player: Player, clock: Clock) -> list[dict[str, Any]]:
    out = []
    for _ in range(rng.randint(1, 3)):
        out.append({"type": "BILL_VOTE", "bill_id": f"hb-{rng.randint(1, 12)}",
                    "stance": rng.choice(("yea", "yea", "nay", "abstain")),
                    "seat_weight": 1.0, "lobby_payments_count": rng.randint(0, 3),
                    **envelope(player, None, clock.tick(rng))})
    tier = rng.randint(1, 5)
    out.append({"type": "LOBBY_ATTEMPT", "difficulty_tier": tier,
                "success": rng.random() < player.skill * (1.2 - tier / 5),
                "spend": round(rng.uniform(10, 200), 2), "breakdown": {"gifts": 10.0},
                **envelope(player, None, clock.tick(rng))})
    return out


def earth_round(rng: random.Random, player: Player, session_id: str, clock: Clock,
                ) -> list[dict[str, Any]]:
    out = []
    for sequence in range(1, 6):
        for attempt in range(1, 4):
            success = attempt == 3 or rng.random() < player.skill
            out.append({"type": "AttemptSubmitted", "sequence": sequence,
                        "attempt_number": attempt, "success": success,
                        "duration_ms": rng.randint(2000, 20000),
                        **envelope(player, session_id, clock.tick(rng))})
            if success:
                break
    return out


def every_other_type(rng: random.Random, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A few events of each type the sessions above do not send, from its minimal example
    (a skills mission, an exam session, the rest of the politics catalog...)."""
    sent = {e["type"] for e in events}
    sources = [e for e in events if e["type"] == "session_start"]
    out = []
    for model in EVENT_MODELS:
        example = example_event(event_schema(model), full=False)
        if example["type"] in sent and model.model_fields["schema_version"].default == 1:
            continue
        for source in rng.sample(sources, k=min(6, len(sources))):
            fields = {k: source[k] for k in ("user_id", "company_id", "occurred_at")}
            if "session_id" in example:  # one short session per catalog and visit
                fields["session_id"] = f"{source['session_id']}-{model.catalog}"
            out.append({**example, **fields})
    return out


class Clock:
    """The time within a session, a few seconds to minutes per event."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def tick(self, rng: random.Random) -> datetime:
        self.now += timedelta(seconds=rng.uniform(5, 90))
        return self.now


def batches(events: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(events), size):
        yield events[start:start + size]
