"""Seed 004 (Earth Task): `POST /events`, `POST /sessions/{id}/finalize`,
`GET /players/{id}/sessions`, `GET /model/state/{id}`, `GET /health`.

An event is one AttemptSubmitted: `{player_id, session_id, sequence, attempt_number,
success, company_name | company_id, duration_ms}`, optionally with `event_id`,
`event_type` ("AttemptSubmitted") and a client `timestamp`. It maps onto the earth
catalog: player_id -> user_id, timestamp -> occurred_at. Session summaries and the model
state answer in the seed's own names (player_id; fta_level, fta_strict,
repetition_burden, earth_score_bucket; status, n_samples, coefficients, intercept, mae).
"""

from __future__ import annotations

from typing import Any

from questlog.compat.renames import renamed

NAMES = {"player_id": "user_id", "timestamp": "occurred_at", "event_type": "type"}
METRICS = ("fta_level", "fta_strict", "repetition_burden", "earth_score_bucket", "sequences")


def to_event(item: Any) -> Any:
    event = renamed(item, NAMES)
    if isinstance(event, dict):
        event.setdefault("type", "AttemptSubmitted")
    return event


def session_summary(summary: dict[str, Any]) -> dict[str, Any]:
    features = summary.get("features") or {}
    return {
        "session_id": summary["session_id"],
        "player_id": summary["user_id"],
        "company_id": summary["company_id"],
        "status": summary["status"],
        "started_at": summary["started_at"],
        "ended_at": summary["ended_at"],
        **{name: features.get(name) for name in METRICS},
        "attempts": summary["events_by_type"].get("AttemptSubmitted", 0),
    }


def model_state(model: dict[str, Any]) -> dict[str, Any]:
    return {"player_id": model["user_id"], **{k: v for k, v in model.items() if k != "user_id"}}


EXAMPLES: list[dict[str, Any]] = [
    {
        "name": "attempt submitted",
        "method": "POST", "path": "/events",
        "body": {"player_id": "player-1", "session_id": "session-1", "sequence": 0,
                 "attempt_number": 1, "success": True, "company_name": "Acme Corp",
                 "duration_ms": 5120.0},
    },
    {
        "name": "finalize", "method": "POST", "path": "/sessions/session-1/finalize",
        "body": None,
    },
    {"name": "health", "method": "GET", "path": "/health", "body": None,
     "response": {"status": "ok"}},
]


def mapped(example: dict[str, Any]) -> list[Any]:
    return [] if example["body"] is None else [to_event(example["body"])]
