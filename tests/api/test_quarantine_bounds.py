"""The quarantine cannot be used to fill the store: a budget per key and hour, past which
rejections are counted (with a sample), and a cap on the whole, oldest evicted first."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import INGEST_KEY, bill_vote
from events_http import BATCH, REJECTED, data_of, error_of, post_batch, post_raw, quarantined

from questlog.api.auth import key_label
from questlog.bootstrap import Questlog
from questlog.settings import Settings

BUDGET, CAP = 5, 12


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    budget = getattr(request, "param", BUDGET)
    return settings.model_copy(
        update={"rejected_budget_per_hour": budget, "rejected_max_documents": CAP}
    )


def invalid(n: int, **fields: Any) -> list[dict[str, Any]]:
    return [bill_vote(event_id=f"bad-{n}-{i}", stance="maybe", **fields) for i in range(n)]


async def rejected_page(admin_client: httpx.AsyncClient, **params: Any) -> httpx.Response:
    response = await admin_client.get(REJECTED, params={"page_size": 1000, **params})
    assert response.status_code == 200, response.text
    return response


async def test_past_its_hourly_budget_a_keys_rejections_are_counted_not_stored(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    response = await post_batch(ingest_client, invalid(20))

    assert data_of(response)["rejected"] == 20  # the client is told of every one
    page = await rejected_page(admin_client)
    assert len(data_of(page)) == BUDGET
    [tally] = page.json()["meta"]["not_stored"]
    assert (tally["api_key"], tally["code"], tally["counted"], tally["evicted"]) == (
        key_label(INGEST_KEY), "invalid_event", 15, 0,
    )
    assert '"stance":"maybe"' in tally["sample"]
    assert tally["bytes"] > 0
    assert tally["first_seen"] <= tally["last_seen"]


async def test_each_key_has_a_budget_of_its_own(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    await post_batch(ingest_client, invalid(BUDGET + 1))
    await post_batch(admin_client, invalid(2, user_id="other"))

    page = await rejected_page(admin_client)

    assert len(data_of(page)) == BUDGET + 2
    assert [(t["code"], t["counted"]) for t in page.json()["meta"]["not_stored"]] == [
        ("invalid_event", 1)
    ]


async def test_counts_are_per_code_and_filtered_like_the_rejections(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    await post_batch(ingest_client, invalid(BUDGET) + [{"type": "NOPE"}] * 3)
    for _ in range(2):
        await post_raw(ingest_client, BATCH, "{")

    page = await rejected_page(admin_client)
    only = await rejected_page(admin_client, code="malformed_json")

    assert sorted((t["code"], t["counted"]) for t in page.json()["meta"]["not_stored"]) == [
        ("malformed_json", 2), ("unknown_event_type", 3),
    ]
    assert [t["code"] for t in only.json()["meta"]["not_stored"]] == ["malformed_json"]


@pytest.mark.parametrize("settings", [1000], indirect=True)  # a budget past the cap
async def test_past_the_cap_the_oldest_rejections_are_evicted_and_counted(
    admin_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    for batch in range(3):
        await post_batch(admin_client, [bill_vote(event_id=f"b{batch}-{i}", stance="maybe")
                                        for i in range(5)])

    kept = await quarantined(questlog)

    assert len(kept) == CAP
    assert sorted(k["event_id"] for k in kept)[:3] == ["b0-3", "b0-4", "b1-0"]
    page = await rejected_page(admin_client)
    assert [(t["code"], t["evicted"]) for t in page.json()["meta"]["not_stored"]] == [
        ("invalid_event", 3)
    ]


async def test_a_flood_of_oversized_bodies_stays_within_the_budget(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    too_large = b'{"events": [' + b" " * questlog.settings.max_body_bytes + b"]}"
    for _ in range(BUDGET + 3):
        error_of(await post_raw(ingest_client, BATCH, too_large), 413, "batch_too_large")

    page = await rejected_page(admin_client)

    assert len(data_of(page)) == BUDGET
    assert all(k["size"] == len(too_large) for k in data_of(page))
    assert [(t["code"], t["counted"]) for t in page.json()["meta"]["not_stored"]] == [
        ("batch_too_large", 3)
    ]
