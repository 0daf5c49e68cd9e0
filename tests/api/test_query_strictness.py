"""Every route reads its query strictly: each parameter by its declared name or its
camelCase spelling, anything else 422 invalid_query naming it; no filter is dropped.

The tests walk the app's routes, so a route added later is held to the same rule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from achievements_http import play
from conftest import bill_vote
from events_http import EVENTS, data_of, error_of
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic.alias_generators import to_camel

from questlog.api.app import create_app
from questlog.api.query import QuerySpelling, StrictQueryRoute
from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.store.queries import After

TODAY = datetime.now(UTC).date()
# A valid value of each query parameter some route declares (checked to cover them all).
VALID = {
    "type": "BILL_VOTE", "user_id": "player-1", "company_id": "company-1", "session_id": "s-1",
    "from": (TODAY - timedelta(days=3)).isoformat(), "to": TODAY.isoformat(),
    "page": "1", "page_size": "2", "after": After(datetime.now(UTC), "zz").token(),
    "code": "unknown_event_type", "scope": "global", "period": "daily", "days": "7",
    "job": "rollup_daily", "category": "voting", "ids": "first_vote,well_read",
    "achievement_id": "first_vote", "achievement_ids": "first_vote,well_read",
    "t": "qlc1.unknown.token",  # a company token no company holds: 403 alike
    "bucket": "day", "format": "csv",
    "cohort": "week", "steps": "BILL_VOTE,LOBBY_ATTEMPT", "name": "onboarding",
    "window_hours": "24", "field": "stance", "seconds": "0.05",
}
# What each route needs to answer 200, besides the parameter under test.
BASE = {
    "/api/v1/stats": {"type": "BILL_VOTE"},
    "/api/v1/achievements/progress": {"user_id": "player-1", "achievement_id": "first_vote"},
    "/api/v1/events/export": {"from": VALID["from"], "to": VALID["to"]},
    "/api/v1/analytics/breakdown": {"type": "BILL_VOTE", "field": "stance"},
    "/api/v1/analytics/fields": {"type": "BILL_VOTE"},
    "/api/v1/analytics/funnel": {"name": "onboarding"},  # with steps too: 422 both spellings
    "/api/v1/events/stream": {"seconds": "0.05"},  # a stream that ends
}
# Every declared parameter refuses it: too long for each string, not a number, time, etc.
INVALID = "x" * 300


def routes() -> list[tuple[str, str, QuerySpelling]]:
    """(method, path, spelling) of every route of the app."""
    found = []
    for route in iter_route_contexts(create_app(Settings(_env_file=None)).routes):  # type: ignore[call-arg]
        if isinstance(route.original_route, APIRoute) and route.path_format and route.methods:
            assert isinstance(route.original_route, StrictQueryRoute), route.path_format
            spelling = QuerySpelling.of(route.dependant)
            found += [(m, route.path_format, spelling) for m in sorted(route.methods)]
    return found


ROUTES = routes()
GETS = [(path, spelling) for method, path, spelling in ROUTES if method == "GET"]
PARAMS = [(path, name) for path, spelling in GETS for name in spelling.declared]


def url(path: str) -> str:
    return path.replace("{user_id}", "player-1").replace("{player_id}", "player-1")


@pytest.fixture
async def seeded(ingest_client: httpx.AsyncClient, questlog: Questlog) -> None:
    """Six events, evaluated: the answers compared cannot change between two calls."""
    events = [bill_vote(user_id=f"player-{i % 3}", company_id=f"c-{i % 2 + 8}") for i in range(6)]
    await play(ingest_client, questlog, events)


def test_every_route_is_strict_and_every_parameter_has_a_sample_value() -> None:
    assert len(GETS) >= 9
    assert {name for _, name in PARAMS} <= set(VALID)


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in ROUTES])
async def test_an_unknown_parameter_is_refused_naming_it(
    admin_client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await admin_client.request(method, url(path), params={"noSuchFilter": "1"},
                                          json={})

    error = error_of(response, 422, "invalid_query")
    assert "'noSuchFilter'" in error["message"]
    assert error["details"] == [{"field": "noSuchFilter", "message": "unknown query parameter",
                                 "kind": "unknown_parameter"}]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("path", "name"), PARAMS)
async def test_the_camel_case_spelling_is_the_same_parameter(
    admin_client: httpx.AsyncClient, path: str, name: str
) -> None:
    base = {k: v for k, v in BASE.get(path, {}).items() if k != name}
    if "t" in dict(GETS)[path].declared and name != "t":  # a company dashboard's own token
        company = await admin_client.post("/api/v1/companies", json={"company_name": "Acme"})
        base["t"] = company.json()["data"]["dashboard_token"]
    answers = []
    for spelling in (name, to_camel(name)):
        response = await admin_client.get(url(path), params={**base, spelling: VALID[name]})
        json_answer = response.headers.get("content-type", "").startswith("application/json")
        answers.append((response.status_code,
                        _steady(response.json()) if json_answer else response.text))
        # An invalid value under either spelling is refused as that parameter's: not dropped.
        response = await admin_client.get(url(path), params={**base, spelling: INVALID})
        error = error_of(response, 422, "invalid_query")
        assert any(d["field"].split(".")[0] == name for d in error["details"]), error

    assert answers[0] == answers[1]


def _steady(body: Any) -> Any:
    """The answer without what changes from one call to the next (the stats' `since`);
    the seeds' own routes answer bare lists."""
    if not isinstance(body, dict):
        return body
    data = body.get("data")
    if isinstance(data, dict):
        body = {**body, "data": {k: v for k, v in data.items() if k != "since"}}
    return body


@pytest.mark.usefixtures("seeded")
async def test_camel_case_filters_of_the_issue_are_applied(
    read_client: httpx.AsyncClient,
) -> None:
    response = await read_client.get(EVENTS, params={"companyId": "c-9", "pageSize": "1"})

    [item] = data_of(response)
    assert item["company_id"] == "c-9"
    assert response.json()["meta"]["total"] == 3
    assert response.json()["meta"]["page_size"] == 1


@pytest.mark.parametrize(
    "params",
    [[("type", "BILL_VOTE"), ("type", "retry")], [("user_id", "a"), ("userId", "b")],
     [("page_size", "1"), ("pageSize", "1")]],
    ids=["same-spelling", "two-spellings", "same-value"],
)
async def test_a_scalar_parameter_given_twice_is_refused_not_half_read(
    read_client: httpx.AsyncClient, params: list[tuple[str, str]]
) -> None:
    error = error_of(await read_client.get(EVENTS, params=params), 422, "invalid_query")

    assert error["details"][0]["kind"] == "repeated_parameter"


async def test_a_query_needing_no_rewrite_is_passed_untouched(
    read_client: httpx.AsyncClient,
) -> None:
    response = await read_client.get(EVENTS + "?type=caf%C3%A9&from=2026-01-01")

    assert data_of(response) == []


def test_the_openapi_document_lists_each_routes_real_parameters() -> None:
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    documented = {
        (method.upper(), path): {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        for path, item in app.openapi()["paths"].items() for method, op in item.items()
    }

    in_schema = {(m, p): set(s.declared) for m, p, s in ROUTES if p != "/api/v1/docs"}
    assert documented == in_schema
