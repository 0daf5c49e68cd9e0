"""Paging every list by cursor (after=meta.next_after) and refusing a deep skip.

A page by number makes the store walk every item it skips; `after` seeks to the last
item's sort key, so it costs the same at any depth. A deep page by number is refused
with the way on, instead of freezing the service.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from conftest import bill_vote, iso
from events_http import EVENTS, REJECTED, data_of, error_of, post_batch

from questlog.bootstrap import Questlog
from questlog.settings import Settings

RUNS = "/api/v1/jobs/runs"
DAY = datetime.combine(datetime.now(UTC).date() - timedelta(days=2), time(), UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The limit these tests count on, whatever the default becomes."""
    return settings.model_copy(update={"max_page_skip": 10_000})


@pytest.fixture
async def stored(ingest_client: httpx.AsyncClient) -> list[str]:
    """23 events, several at the very same time (only their ids order them), two players."""
    events = [
        bill_vote(event_id=f"e{i:02d}", user_id=f"u{i % 2}",
                  occurred_at=iso(DAY + timedelta(minutes=i // 4)))
        for i in range(23)
    ]
    assert data_of(await post_batch(ingest_client, events))["accepted"] == 23
    return [e["event_id"] for e in events]


async def walk(client: httpx.AsyncClient, path: str, key: str, **params: Any) -> list[Any]:
    """Every item of a list, page after page by cursor; checks each page's meta."""
    seen: list[Any] = []
    after = None
    for _ in range(100):
        response = await client.get(path, params={**params, **({"after": after} if after else {})})
        page, meta = data_of(response), response.json()["meta"]
        assert meta["page"] == (None if after else 1)
        seen += [item[key] for item in page]
        after = meta["next_after"]
        if after is None:
            assert len(seen) == meta["total"]
            return seen
        assert len(page) == params["page_size"]
    raise AssertionError("the cursor never reached the end")


@pytest.mark.parametrize("size", [1, 4, 5, 23, 100])
async def test_paging_by_cursor_gives_every_event_once_newest_first(
    read_client: httpx.AsyncClient, stored: list[str], size: int
) -> None:
    newest_first = sorted(stored, reverse=True)  # by time, then id: here ids alone order them

    assert await walk(read_client, EVENTS, "event_id", page_size=size) == newest_first
    assert await walk(read_client, EVENTS, "event_id", page_size=size, user_id="u1") == [
        i for i in newest_first if int(i[1:]) % 2 == 1]


@pytest.mark.parametrize(
    ("start", "end"), [(1, 4), (2, None), (None, 3)], ids=["range", "from", "to"]
)
async def test_paging_by_cursor_keeps_to_the_time_range(
    read_client: httpx.AsyncClient, stored: list[str], start: int | None, end: int | None
) -> None:
    bounds = {name: iso(DAY + timedelta(minutes=m)) for name, m in (("from", start), ("to", end))
              if m is not None}
    whole = data_of(await read_client.get(EVENTS, params={**bounds, "page_size": 1000}))

    assert await walk(read_client, EVENTS, "event_id", page_size=3, **bounds) == [
        e["event_id"] for e in whole]
    assert 0 < len(whole) < len(stored)


async def test_the_cursor_holds_through_events_stored_meanwhile(
    read_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient, stored: list[str],
) -> None:
    first = await read_client.get(EVENTS, params={"page_size": 10})
    newer = [bill_vote(event_id=f"new{i}") for i in range(3)]  # received now: newest of all
    await post_batch(ingest_client, newer)

    after = first.json()["meta"]["next_after"]
    rest = data_of(await read_client.get(EVENTS, params={"page_size": 100, "after": after}))

    assert [e["event_id"] for e in data_of(first) + rest] == sorted(stored, reverse=True)


@pytest.mark.parametrize(
    "params",
    [{"page": 1_000_000, "page_size": 1000}, {"page": 102, "page_size": 100},
     {"page": 10_002, "page_size": 1}],
    ids=["the-issues-page", "just-past-the-limit", "small-pages"],
)
@pytest.mark.parametrize("path", [EVENTS, REJECTED, RUNS])
async def test_a_deep_page_by_number_is_refused_with_the_way_on(
    admin_client: httpx.AsyncClient, path: str, params: dict[str, int]
) -> None:
    error = error_of(await admin_client.get(path, params=params), 422, "invalid_query")

    assert "after=meta.next_after" in error["message"]
    assert error["details"][0]["field"] == "page"


async def test_a_page_by_number_up_to_the_limit_is_answered(
    read_client: httpx.AsyncClient,
) -> None:
    data_of(await read_client.get(EVENTS, params={"page": 101, "page_size": 100}))


@pytest.mark.parametrize(
    ("params", "field"),
    [({"after": "not-a-cursor"}, "after"), ({"after": "WyJ4Il0"}, "after"),
     ({"after": "x" * 201}, "after"), ({"after": "", "page": 1}, "after")],
    ids=["garbage", "json-not-a-cursor", "too-long", "empty"],
)
async def test_a_cursor_this_service_did_not_give_is_refused(
    read_client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    error = error_of(await read_client.get(EVENTS, params=params), 422, "invalid_query")

    assert error["details"][0]["field"] == field


async def test_page_and_after_together_are_refused(
    read_client: httpx.AsyncClient, stored: list[str],
) -> None:
    after = (await read_client.get(EVENTS, params={"page_size": 2})).json()["meta"]["next_after"]

    error = error_of(await read_client.get(EVENTS, params={"page": 2, "after": after}),
                     422, "invalid_query")
    assert "not both" in error["message"]


async def test_rejections_page_by_cursor(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient,
) -> None:
    for i in range(7):
        await ingest_client.post(EVENTS, json={"type": "NOPE", "event_id": f"r{i}"})

    assert await walk(admin_client, REJECTED, "event_id", page_size=3) == [
        f"r{i}" for i in reversed(range(7))]


async def test_runs_page_by_cursor(questlog: Questlog, admin_client: httpx.AsyncClient) -> None:
    today = questlog.stats.today()
    for i in range(5):
        await questlog.stats.recompute([today], job=f"job-{i}")

    assert await walk(admin_client, RUNS, "job", page_size=2) == [
        f"job-{i}" for i in reversed(range(5))]
