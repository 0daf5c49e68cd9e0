"""Helpers of the events API tests: posting, and reading the error envelope and the store."""

from __future__ import annotations

import json
from typing import Any

import httpx

from questlog.bootstrap import Questlog

EVENTS = "/api/v1/events"
BATCH = "/api/v1/events/batch"
REJECTED = "/api/v1/events/rejected"


async def post_batch(
    client: httpx.AsyncClient, events: list[Any], **fields: Any
) -> httpx.Response:
    return await client.post(BATCH, json={"events": events, **fields})


async def post_raw(client: httpx.AsyncClient, path: str, body: str | bytes) -> httpx.Response:
    return await client.post(path, content=body, headers={"content-type": "application/json"})


def _not_json(name: str) -> Any:
    raise AssertionError(f"the response holds {name}, which is not JSON")


def strict_json(response: httpx.Response) -> Any:
    """The body, parsed as JSON proper: Python's json module would accept NaN and Infinity."""
    return json.loads(response.text, parse_constant=_not_json)


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The error of an error envelope, after checking its status and code."""
    assert response.status_code == status, response.text[:500]
    assert "Traceback" not in response.text
    body = strict_json(response)
    assert body["ok"] is False
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body["error"]
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


def data_of(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text[:500]
    body = strict_json(response)
    assert body["ok"] is True
    return body["data"]


async def stored_events(questlog: Questlog) -> list[dict[str, Any]]:
    return await questlog.store.database["events"].find({}).sort("_id", 1).to_list(None)


async def quarantined(questlog: Questlog) -> list[dict[str, Any]]:
    return await questlog.store.database["rejected_events"].find({}).to_list(None)


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
