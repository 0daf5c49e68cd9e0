"""Helpers of the privacy and access tests."""

from __future__ import annotations

from typing import Any

import httpx
from events_http import data_of

PLAYERS = "/api/v1/players"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def token_for(admin: httpx.AsyncClient, user: str, *scopes: str) -> str:
    body: dict[str, Any] = {"scopes": list(scopes)} if scopes else {}
    token: str = data_of(await admin.post(f"{PLAYERS}/{user}/token", json=body or None))["token"]
    return token


def lobby(**overrides: Any) -> dict[str, Any]:
    return {"type": "LOBBY_ATTEMPT", "user_id": "player-1", "difficulty_tier": 2,
            "success": True, "spend": 10.0, "breakdown": {}, **overrides}
