"""Bodies that are not JSON get the same answer on every route that reads one."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from conftest import INGEST_KEY
from events_http import error_of, post_raw

from questlog.bootstrap import Questlog

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


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_sent_as_another_media_type_is_415_on_every_route(
    admin_client: httpx.AsyncClient, route: str, content_type: str
) -> None:
    body = b'{"user_id": "p-1", "achievement_id": "a", "from": "2026-01-01", "to": "2026-01-01"}'

    response = await admin_client.post(route, content=body, headers={"content-type": content_type})

    assert "Content-Type: application/json" in error_of(
        response, 415, "unsupported_media_type")["message"]


# The one rule for JSON bodies (docs/security.md): application/json, an application/*+json
# type, or no Content-Type at all, alike on every route.
ACCEPTED_TYPES = [None, "application/json", "application/json; charset=utf-8",
                  "application/vnd.questlog+json"]
VALID_BODIES = {
    "/api/v1/events": b'{"type": "retry", "user_id": "p-1"}',
    "/api/v1/events/batch": b'{"events": [{"type": "retry", "user_id": "p-1"}]}',
    "/api/v1/achievements/redeem": b'{"user_id": "p-1", "achievement_id": "first_vote"}',
}
VALID_ANSWERS = {"/api/v1/events": 202, "/api/v1/events/batch": 200,
                 "/api/v1/achievements/redeem": 422}  # read as JSON: first_vote has no reward


@pytest.mark.parametrize("route", VALID_BODIES)
@pytest.mark.parametrize("content_type", ACCEPTED_TYPES, ids=str)
async def test_a_json_body_is_read_with_or_without_its_content_type(
    admin_client: httpx.AsyncClient, route: str, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    request = admin_client.build_request("POST", route, content=VALID_BODIES[route],
                                         headers=headers)
    assert ("content-type" in request.headers) == (content_type is not None)

    response = await admin_client.send(request)

    assert response.status_code == VALID_ANSWERS[route], response.text
    if response.status_code == 422:
        assert response.json()["error"]["code"] == "no_reward"


async def test_an_event_body_refused_for_its_media_type_leaves_a_record(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    body = b'{"type": "retry", "user_id": "p-1"}'
    response = await ingest_client.post(
        "/api/v1/events", content=body, headers={"content-type": "text/plain"}
    )
    error_of(response, 415, "unsupported_media_type")

    [kept] = (await admin_client.get("/api/v1/events/rejected")).json()["data"]

    assert (kept["code"], kept["raw"]) == ("unsupported_media_type", body.decode())


async def test_a_client_that_hangs_up_before_its_body_arrives_is_499_not_a_logged_bug(
    app_and_questlog: tuple[Any, Questlog], caplog: pytest.LogCaptureFixture
) -> None:
    app, questlog = app_and_questlog
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "path": "/api/v1/events/batch", "raw_path": b"/api/v1/events/batch",
             "query_string": b"", "root_path": "", "scheme": "http",
             "server": ("test", 80), "client": ("127.0.0.1", 1),
             "headers": [(b"authorization", f"Bearer {INGEST_KEY}".encode()),
                         (b"content-type", b"application/json"), (b"content-length", b"40")]}

    await app(scope, receive, send)

    assert sent[0]["status"] == 499
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert await questlog.store.database["events"].count_documents({}) == 0
