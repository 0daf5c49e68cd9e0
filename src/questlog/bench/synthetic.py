"""Synthetic, valid events for the benchmarks: the politics mix seed 003 describes (MIX),
then, for a load of more types than its nine (the dense day's ten), gameplay's (MORE)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

Event = dict[str, Any]

PLAYERS = 1000
COMPANIES = 50
STANCES = ("yea", "nay", "abstain")
PHASES = ("announce", "primary", "general", "runoff", "concluded")


def _bill_vote(rng: random.Random) -> Event:
    return {"bill_id": f"bill-{rng.randrange(200)}", "stance": rng.choice(STANCES),
            "seat_weight": round(rng.uniform(0.5, 3.0), 2),
            "lobby_payments_count": rng.randrange(6)}


def _poll(rng: random.Random) -> Event:
    return {"poll_id": f"poll-{rng.randrange(500)}",
            "leading_candidate": f"cand-{rng.randrange(8)}",
            "margin": round(rng.uniform(0, 20), 2), "moe": round(rng.uniform(1, 5), 2)}


def _lobby(rng: random.Random) -> Event:
    spend = round(rng.uniform(100, 5000), 2)
    return {"difficulty_tier": rng.randint(1, 5), "success": rng.random() < 0.4, "spend": spend,
            "breakdown": {"gifts": round(spend * 0.3, 2), "donations": round(spend * 0.7, 2)}}


def _phase(rng: random.Random) -> Event:
    step = rng.randrange(len(PHASES) - 1)
    return {"campaign_id": f"camp-{rng.randrange(100)}", "phase_from": PHASES[step],
            "phase_to": PHASES[step + 1]}


def _momentum(rng: random.Random) -> Event:
    return {"state_code": rng.choice(("CA", "TX", "NY", "FL", "OH")),
            "momentum_from": round(rng.uniform(-1, 1), 3),
            "momentum_to": round(rng.uniform(-1, 1), 3)}


def _balance(rng: random.Random) -> Event:
    return {"poll_id": f"poll-{rng.randrange(500)}",
            "underdog_buff": round(rng.uniform(0, 0.2), 3),
            "frontrunner_penalty": round(rng.uniform(0, 0.2), 3),
            "cap_compressed": rng.random() < 0.1}


def _debate(rng: random.Random) -> Event:
    return {"debate_id": f"debate-{rng.randrange(50)}",
            "persuasion_score": round(rng.uniform(0, 100), 1),
            "participants": [f"player-{rng.randrange(PLAYERS)}" for _ in range(rng.randint(2, 4))]}


def _endorsement(rng: random.Random) -> Event:
    return {"from_company_id": f"company-{rng.randrange(COMPANIES)}",
            "to_company_id": f"company-{rng.randrange(COMPANIES)}",
            "boost": round(rng.uniform(0, 10), 2),
            "credibility_impact": round(rng.uniform(-5, 5), 2)}


def _policy(rng: random.Random) -> Event:
    return {"policy_id": f"policy-{rng.randrange(40)}",
            "effect_types": rng.sample(["tax", "trade", "energy", "health", "labor"], k=2),
            "scope": rng.choice(("national", "state"))}


# Seed 003's cardinalities: BILL_VOTE, POLL_INTERVAL and LOBBY_ATTEMPT are high volume,
# phase changes, momentum and balance moderate, debates, endorsements and policies low.
Mix = tuple[tuple[str, Callable[[random.Random], Event], int], ...]  # (type, fields, weight)
MIX: Mix = (
    ("BILL_VOTE", _bill_vote, 25),
    ("POLL_INTERVAL", _poll, 25),
    ("LOBBY_ATTEMPT", _lobby, 25),
    ("CAMPAIGN_PHASE_CHANGE", _phase, 6),
    ("MOMENTUM_SHIFT", _momentum, 6),
    ("SYSTEM_BALANCE_APPLIED", _balance, 6),
    ("DEBATE_RESULT", _debate, 3),
    ("ENDORSEMENT", _endorsement, 2),
    ("POLICY_ENACTED", _policy, 2),
)


def _xp_gain(rng: random.Random) -> Event:
    return {"client_guid": f"install-{rng.randrange(5000)}", "build": "1.4.2",
            "platform": rng.choice(("pc", "console", "mobile")), "shard": "eu-1",
            "amount": rng.randint(5, 500), "xp_source": rng.choice(("quest", "kill", "craft"))}


# Types from seed 002's gameplay catalog, drawn only when more types than MIX holds are
# asked for, as often as the politics mix's most frequent types.
MORE: Mix = (
    ("xp_gain", _xp_gain, 25),
)
MAX_TYPES = len(MIX) + len(MORE)  # the most `types` a load can have


def synthetic_events(count: int, *, now: datetime, seed: int = 0, players: int = PLAYERS,
                     types: int = len(MIX)) -> Iterator[Event]:
    """`count` valid events with unique event_ids, occurred within the hour before `now`,
    of `players` players and the first `types` types of MIX, then of MORE (1 to
    MAX_TYPES: checked here, before the first event is asked for)."""
    if not 1 <= types <= MAX_TYPES:
        raise ValueError(f"types must be 1 to {MAX_TYPES}, not {types}")
    return _events(count, now=now, seed=seed, players=players, mix=(MIX + MORE)[:types])


def _events(count: int, *, now: datetime, seed: int, players: int, mix: Mix) -> Iterator[Event]:
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:12]  # a second run against the same store must not collide
    weights = [weight for _, _, weight in mix]
    for i in range(count):
        (event_type, fields, _), = rng.choices(mix, weights=weights)
        player = rng.randrange(players)
        occurred = now - timedelta(seconds=rng.uniform(0, 3600))
        yield {
            "type": event_type,
            "event_id": f"bench-{run}-{i}",
            "user_id": f"player-{player}",
            "company_id": f"company-{player % COMPANIES}",
            "session_id": f"session-{player}-{rng.randrange(3)}",
            "occurred_at": occurred.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "source": "bench",
            "game_version": "1.4.2",
            **fields(rng),
        }
