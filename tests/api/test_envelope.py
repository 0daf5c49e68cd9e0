"""Bodies that are not JSON get the same answer on every route that reads one."""

from __future__ import annotations

import httpx
import pytest
from events_http import error_of, post_raw

BODY_ROUTES = ["/api/v1/events", "/api/v1/events/batch", "/api/v1/achievements/redeem",
               "/api/v1/jobs/rollup"]
NOT_JSON = {"truncated": b'{"from": ', "not utf-8": b'{"from": "\xff"}',
            "nested too deep": b"[" * 100_000 + b"]" * 100_000}


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize("body", NOT_JSON.values(), ids=NOT_JSON.keys())
async def test_a_body_that_is_not_json_is_400_malformed_json(
    admin_client: httpx.AsyncClient, route: str, body: bytes
) -> None:
    error_of(await post_raw(admin_client, route, body), 400, "malformed_json")
