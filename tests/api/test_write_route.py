"""The write routes (api.write_route): called without FastAPI's request handler, they
still check the credential, the scope and the query as every route does; an endpoint
the route could not call is refused when it is declared, and an app's dependency
overrides still hold."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import bill_vote
from events_http import EVENTS, error_of, quarantined, stored_events
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute, iter_route_contexts

from questlog.api.app import create_app
from questlog.api.auth import Principal
from questlog.api.deps import ReadDep, WriterDep, writer
from questlog.api.envelope import EnvelopeResponse, ok
from questlog.api.write_route import post_write
from questlog.bootstrap import Questlog
from questlog.settings import Settings


@pytest.mark.parametrize("path", [EVENTS, f"{EVENTS}/batch"])
async def test_a_write_is_refused_for_a_missing_key_a_read_key_and_a_query(
    anonymous_client: httpx.AsyncClient, read_client: httpx.AsyncClient,
    ingest_client: httpx.AsyncClient, questlog: Questlog, path: str,
) -> None:
    body = bill_vote() if path == EVENTS else {"events": [bill_vote()]}

    error_of(await anonymous_client.post(path, json=body), 401, "unauthorized")
    error_of(await read_client.post(path, json=body), 403, "forbidden")
    refused = error_of(await ingest_client.post(path, json=body, params={"dry_run": "1"}),
                       422, "invalid_query")

    assert refused["details"][0]["field"] == "dry_run"
    assert await stored_events(questlog) == []


def test_an_endpoint_the_write_route_could_not_call_is_refused_when_declared() -> None:
    router = APIRouter()

    async def with_a_parameter(request: Request, principal: WriterDep,
                               page: int = 1) -> EnvelopeResponse:
        return ok({})

    async def with_another_principal(request: Request, principal: ReadDep) -> EnvelopeResponse:
        return ok({})

    for endpoint in (with_a_parameter, with_another_principal):
        with pytest.raises(TypeError, match=endpoint.__name__):
            post_write(router, "/x")(endpoint)
    assert router.routes == []


async def test_the_endpoint_gets_the_writers_principal(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    # The endpoint names the key by its principal's label in what it quarantines.
    error_of(await ingest_client.post(EVENTS, json={"type": "no_such_type"}), 422,
             "unknown_event_type")

    [kept] = await quarantined(questlog)
    assert kept["api_key"].startswith("key:")


async def test_an_override_of_the_writer_holds_on_the_write_routes(
    app_and_questlog: tuple[Any, Questlog], anonymous_client: httpx.AsyncClient,
    questlog: Questlog,
) -> None:
    app = app_and_questlog[0]

    async def trusted(request: Request) -> Principal:  # as a test harness might
        return Principal(label="key:override", scopes=frozenset({"ingest"}))

    app.dependency_overrides[writer] = trusted
    try:
        response = await anonymous_client.post(EVENTS, json=bill_vote(event_id="e-1"))
    finally:
        app.dependency_overrides.clear()

    assert response.status_code == 202
    assert [e["_id"] for e in await stored_events(questlog)] == ["e-1"]
    error_of(await anonymous_client.post(EVENTS, json=bill_vote()), 401, "unauthorized")


def test_the_app_adds_no_dependency_to_a_write_route_when_it_includes_it() -> None:
    # A dependency added by include_router would be solved by FastAPI's handler only:
    # the write routes' handler calls the writer alone.
    app = create_app(Settings())
    writes = [route for route in iter_route_contexts(app.routes)
              if isinstance(route.original_route, APIRoute)
              and route.path_format in (EVENTS, f"{EVENTS}/batch") and "POST" in route.methods]

    assert len(writes) == 2
    assert all([d.call for d in route.dependant.dependencies] == [writer] for route in writes)
