"""POST /api/v1/events/batch: partial batches, duplicates, limits and clock skew."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import bill_vote, iso
from events_http import BATCH, EVENTS, compact, data_of, error_of, post_batch, stored_events

from questlog.bootstrap import Questlog


def now() -> datetime:
    return datetime.now(UTC)


async def test_valid_events_of_a_partly_bad_batch_are_all_stored(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    batch = [
        bill_vote(event_id="a"),
        bill_vote(event_id="b", stance="maybe"),
        {"type": "NOT_A_TYPE", "event_id": "c"},
        bill_vote(event_id="d"),
        "not an object",
        bill_vote(event_id="e", schema_version=3),
        bill_vote(event_id="f"),
    ]

    data = data_of(await post_batch(ingest_client, batch))

    assert (data["accepted"], data["duplicates"], data["rejected"]) == (3, 0, 4)
    assert data["event_ids"] == ["a", "d", "f"]
    assert [(r["index"], r["event_id"], r["code"]) for r in data["rejections"]] == [
        (1, "b", "invalid_event"),
        (2, "c", "unknown_event_type"),
        (4, None, "invalid_event"),
        (5, "e", "unsupported_version"),
    ]
    assert all(r["message"] for r in data["rejections"])
    assert [e["_id"] for e in await stored_events(questlog)] == ["a", "d", "f"]


async def test_batch_with_only_bad_events_is_still_answered_200(
    ingest_client: httpx.AsyncClient,
) -> None:
    data = data_of(await post_batch(ingest_client, [{"type": "NOPE"}]))

    assert (data["accepted"], data["rejected"]) == (0, 1)


async def test_empty_batch_stores_nothing(ingest_client: httpx.AsyncClient) -> None:
    data = data_of(await post_batch(ingest_client, []))

    assert data == {"accepted": 0, "duplicates": 0, "rejected": 0, "opted_out": 0, "sampled_out": 0,
                    "event_ids": [], "rejections": []}


async def test_duplicate_within_one_batch_is_stored_once(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    batch = [bill_vote(event_id="a"), bill_vote(event_id="a", stance="nay"),
             bill_vote(event_id="b")]

    data = data_of(await post_batch(ingest_client, batch))

    assert (data["accepted"], data["duplicates"], data["rejected"]) == (2, 1, 0)
    assert data["event_ids"] == ["a", "b"]
    stored = await stored_events(questlog)
    assert [(e["_id"], e["stance"]) for e in stored] == [("a", "yea"), ("b", "yea")]


async def test_duplicate_across_requests_is_counted_not_rejected(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await post_batch(ingest_client, [bill_vote(event_id="a")])
    await ingest_client.post(EVENTS, json=bill_vote(event_id="b"))

    data = data_of(await post_batch(ingest_client, [bill_vote(event_id="a"),
                                                    bill_vote(event_id="b")]))

    assert (data["accepted"], data["duplicates"], data["rejected"]) == (0, 2, 0)
    assert len(await stored_events(questlog)) == 2


async def test_event_logged_in_process_then_sent_over_http_is_stored_once(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await questlog.log_event(bill_vote(event_id="a"))

    data = data_of(await post_batch(ingest_client, [bill_vote(event_id="a")]))

    assert data["duplicates"] == 1
    assert await questlog.log_event(bill_vote(event_id="a")) == "a"
    assert len(await stored_events(questlog)) == 1


async def test_batch_of_the_maximum_size_is_accepted(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    limit = questlog.settings.max_batch_events
    events = [{"type": "retry"}] * limit

    assert data_of(await post_batch(ingest_client, events))["accepted"] == limit


async def test_batch_over_the_event_count_limit_is_refused_whole(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    events = [{"type": "retry"}] * (questlog.settings.max_batch_events + 1)

    error = error_of(await post_batch(ingest_client, events), 413, "batch_too_large")

    assert "1000" in error["message"]
    assert await stored_events(questlog) == []


def oversized_body(questlog: Questlog) -> bytes:
    event = compact({"type": "retry", "data": {"blob": "x" * 4000}})
    count = questlog.settings.max_body_bytes // len(event) + 1
    return ('{"events":[' + ",".join([event] * count) + "]}").encode()


async def test_body_over_the_size_limit_is_refused(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    response = await ingest_client.post(
        BATCH, content=oversized_body(questlog), headers={"content-type": "application/json"}
    )

    error_of(response, 413, "batch_too_large")
    assert await stored_events(questlog) == []


async def test_streamed_body_over_the_size_limit_is_refused(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    body = oversized_body(questlog)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    response = await ingest_client.post(
        BATCH, content=chunks(), headers={"content-type": "application/json"}
    )

    error_of(response, 413, "batch_too_large")


@pytest.mark.parametrize(
    "body",
    [[bill_vote()], {"events": bill_vote()}, {"evnts": [bill_vote()]},
     {"events": [bill_vote()], "extra": 1}, {"events": [], "sent_at": "soon"},
     {"events": [], "sent_at": 1714564800}, {"events": [], "sent_at": "2024-05-01T12:00:00"},
     {"events": [{"type": "retry"}], "sent_at": "9999-12-31T23:59:59-01:00"}],
    ids=["list", "events-not-a-list", "misspelt", "unknown-key", "sent-at-text",
         "sent-at-number", "sent-at-without-zone", "sent-at-past-year-9999-in-utc"],
)
async def test_body_that_is_not_a_batch_is_answered_invalid_batch(
    ingest_client: httpx.AsyncClient, questlog: Questlog, body: object
) -> None:
    error = error_of(await ingest_client.post(BATCH, json=body), 422, "invalid_batch")

    assert error["details"]
    assert await stored_events(questlog) == []


async def test_clock_skew_is_corrected_and_the_client_times_kept(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient
) -> None:
    client_clock = now().replace(microsecond=0) + timedelta(hours=3)  # client three hours fast
    occurred = client_clock - timedelta(seconds=30)

    data_of(await post_batch(ingest_client, [bill_vote(event_id="a", occurred_at=iso(occurred))],
                             sent_at=iso(client_clock)))

    [item] = data_of(await read_client.get(EVENTS))
    received = datetime.fromisoformat(item["received_at"])
    assert datetime.fromisoformat(item["occurred_at"]) == received - timedelta(seconds=30)
    assert datetime.fromisoformat(item["client_occurred_at"]) == occurred
    assert datetime.fromisoformat(item["sent_at"]) == client_clock


async def test_future_check_applies_to_the_corrected_time(
    ingest_client: httpx.AsyncClient,
) -> None:
    slow_clock = now() - timedelta(hours=3)  # client three hours slow
    after_send = iso(slow_clock + timedelta(minutes=10))  # in the past for the server ...
    ahead = iso(now() + timedelta(hours=1))

    rejected = data_of(await post_batch(
        ingest_client, [bill_vote(occurred_at=after_send)], sent_at=iso(slow_clock)
    ))
    accepted = data_of(await post_batch(
        ingest_client, [bill_vote(occurred_at=ahead)], sent_at=iso(now() + timedelta(hours=1))
    ))

    assert [r["code"] for r in rejected["rejections"]] == ["timestamp_in_future"]
    assert accepted["accepted"] == 1


async def test_too_old_event_is_rejected_in_a_batch(ingest_client: httpx.AsyncClient) -> None:
    old = iso(now() - timedelta(days=31))

    data = data_of(await post_batch(ingest_client, [bill_vote(occurred_at=old), bill_vote()]))

    assert [r["code"] for r in data["rejections"]] == ["timestamp_too_old"]
    assert data["accepted"] == 1


async def test_two_versions_of_a_type_are_stored_side_by_side(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient
) -> None:
    poll = {"type": "POLL_INTERVAL", "poll_id": "p", "leading_candidate": "ana", "margin": 2.5}
    batch = [{**poll, "event_id": "v1", "moe": 3.0},
             {**poll, "event_id": "v2", "schema_version": 2, "sample_size": 800},
             {**poll, "event_id": "v2-as-v1", "sample_size": 800, "moe": 3.0}]

    data = data_of(await post_batch(ingest_client, batch))

    assert data["event_ids"] == ["v1", "v2"]
    assert [r["event_id"] for r in data["rejections"]] == ["v2-as-v1"]
    items = {i["event_id"]: i for i in data_of(await read_client.get(EVENTS))}
    assert (items["v1"]["schema_version"], items["v1"]["moe"]) == (1, 3.0)
    assert (items["v2"]["schema_version"], items["v2"]["sample_size"]) == (2, 800)
