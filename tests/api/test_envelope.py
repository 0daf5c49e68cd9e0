"""Bodies that are not JSON get the same answer on every route that reads one."""

from __future__ import annotations

import httpx
import pytest
from events_http import error_of, post_raw

BODY_ROUTES = ["/api/v1/events", "/api/v1/events/batch", "/api/v1/achievements/redeem",
               "/api/v1/jobs/rollup"]
NOT_JSON = {"truncated": b'{"from": ', "not utf-8": b'{"from": "\xff"}',
            "nested too deep": b"[" * 5_000 + b"]" * 5_000}


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize("body", NOT_JSON.values(), ids=NOT_JSON.keys())
async def test_a_body_that_is_not_json_is_400_malformed_json(
    admin_client: httpx.AsyncClient, route: str, body: bytes
) -> None:
    error_of(await post_raw(admin_client, route, body), 400, "malformed_json")


@pytest.mark.parametrize("route", ["/api/v1/achievements/redeem", "/api/v1/jobs/rollup"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_model_sent_as_another_media_type_is_415(
    admin_client: httpx.AsyncClient, route: str, content_type: str
) -> None:
    body = b'{"user_id": "p-1", "achievement_id": "a", "from": "2026-01-01", "to": "2026-01-01"}'

    response = await admin_client.post(route, content=body, headers={"content-type": content_type})

    assert "Content-Type: application/json" in error_of(
        response, 415, "unsupported_media_type")["message"]
