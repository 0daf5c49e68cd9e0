"""GET /metrics: Prometheus text, the write path counted by type and code, an optional key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import bill_vote, iso
from prometheus_client.parser import text_string_to_metric_families

from questlog.api.app import create_app
from questlog.bootstrap import Questlog
from questlog.settings import Settings


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_accepted_duplicate_and_rejected_events(
    ingest_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    batch = {"events": [
        bill_vote(event_id="v-1"), bill_vote(event_id="v-1"), bill_vote(stance="maybe"),
        {"type": "NO_SUCH_TYPE"},
    ]}
    assert (await ingest_client.post("/api/v1/events/batch", json=batch)).status_code == 200

    response = await anonymous_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert value(text, "questlog_events_received_total") == 4
    assert value(text, "questlog_events_accepted_total", type="BILL_VOTE") == 1
    assert value(text, "questlog_events_duplicate_total", type="BILL_VOTE") == 1
    assert value(text, "questlog_events_rejected_total", type="BILL_VOTE",
                 code="invalid_event") == 1
    assert value(text, "questlog_events_rejected_total", type="NO_SUCH_TYPE",
                 code="unknown_event_type") == 1
    assert value(text, "questlog_batch_size_count") == 1
    assert value(text, "questlog_batch_size_sum") == 4
    assert value(text, "questlog_inserts_total", outcome="ok") == 1
    assert value(text, "questlog_store_up") == 1
    assert value(text, "analytics_queue_depth", queue="ingest") == 0


async def test_request_latency_is_labelled_by_route_template(
    read_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    await read_client.get("/api/v1/events", params={"user_id": "someone"})
    await read_client.get("/api/v1/no/such/route")
    text = (await anonymous_client.get("/metrics")).text
    count = "questlog_http_request_duration_seconds_count"
    assert value(text, count, method="GET", route="/api/v1/events", status="200") == 1
    assert value(text, count, method="GET", route="unmatched", status="404") == 1


@pytest.fixture
async def keyed_app(settings: Settings) -> Any:
    app = create_app(settings.model_copy(update={"metrics_key": "scrape-secret"}))
    async with app.router.lifespan_context(app):
        yield app


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 401),
     ({"Authorization": "Bearer scrape-secret"}, 200)],
)
async def test_metrics_key_when_configured(
    keyed_app: Any, headers: dict[str, str], status: int
) -> None:
    transport = httpx.ASGITransport(app=keyed_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://q") as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.json()["error"]["code"] == "unauthorized"


async def test_open_sessions_are_a_gauge_that_falls_when_one_closes(
    ingest_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    events = [{"type": "choice_made", "session_id": session, "user_id": "student-1",
               "occurred_at": iso(start + timedelta(seconds=n))}
              for n, session in enumerate(["s-1", "s-2", "s-2"])]
    assert (await ingest_client.post("/api/v1/events/batch", json={"events": events})
            ).json()["data"]["accepted"] == 3
    await questlog.sessions.settle(questlog.bus)

    assert value((await anonymous_client.get("/metrics")).text, "questlog_sessions_open") == 2

    assert (await ingest_client.post("/api/v1/sessions/s-1/close")).status_code == 200
    assert value((await anonymous_client.get("/metrics")).text, "questlog_sessions_open") == 1
