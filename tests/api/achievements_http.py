"""Helpers of the achievements API tests: a definitions file, playing events, settling."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from conftest import bill_vote, iso
from events_http import data_of, post_batch

from questlog.bootstrap import Questlog
from questlog.settings import Settings

ACHIEVEMENTS = "/api/v1/achievements"
PROGRESS = f"{ACHIEVEMENTS}/progress"
REDEEM = f"{ACHIEVEMENTS}/redeem"
NOW = datetime.now(UTC).replace(microsecond=0)


def definitions() -> dict[str, Any]:
    return {"achievements": [
        {"id": "first_vote", "name": "First Vote", "description": "Cast a yea vote",
         "category": "voting",
         "rule": {"kind": "counter", "event": "BILL_VOTE", "where": {"stance": "yea"},
                  "threshold": 1},
         "reward": {"description": "a badge"}},
        {"id": "big_spender", "category": "lobbying",
         "rule": {"kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend"},
         "tiers": [{"name": "bronze", "threshold": 100}, {"name": "silver", "threshold": 500},
                   {"name": "gold", "threshold": 1000}]},
        {"id": "well_read", "category": "voting",
         "rule": {"kind": "distinct", "event": "BILL_VOTE", "field": "bill_id", "threshold": 3}},
        {"id": "statesman", "hidden": True, "reward": {"description": "a seat at the table"},
         "window": {"start": iso(NOW - timedelta(days=60)), "end": iso(NOW + timedelta(days=60))},
         "rule": {"kind": "all_of", "achievements": ["first_vote", "well_read"]}},
    ]}


def with_definitions(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "achievements.yaml"
    path.write_text(yaml.safe_dump(definitions()))
    return settings.model_copy(update={"achievements_file": path})


def lobby(**overrides: Any) -> dict[str, Any]:
    return {"type": "LOBBY_ATTEMPT", "user_id": "player-1", "difficulty_tier": 2,
            "success": True, "spend": 10.0, "breakdown": {}, **overrides}


def votes(user: str, bills: list[str], *, days_ago: int = 3) -> list[dict[str, Any]]:
    """One yea vote per bill, an hour apart, starting `days_ago` days ago."""
    start = NOW - timedelta(days=days_ago)
    return [bill_vote(user_id=user, bill_id=bill, occurred_at=iso(start + timedelta(hours=i)))
            for i, bill in enumerate(bills)]


async def play(client: httpx.AsyncClient, questlog: Questlog, events: list[dict[str, Any]]) -> None:
    """Post `events`, then wait until the bus delivered them and the evaluator applied them."""
    assert data_of(await post_batch(client, events))["accepted"] == len(events)
    await questlog.bus.drain()
    await asyncio.wait_for(questlog.achievements.evaluator.wait_idle(), timeout=10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def player_token(admin: httpx.AsyncClient, user: str) -> str:
    token: str = data_of(await admin.post(f"/api/v1/players/{user}/token"))["token"]
    return token
