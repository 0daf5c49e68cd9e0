"""The live feed: each viewer gets the stored events its filters match, and a slow viewer
loses events (counted, and told) rather than slowing anybody down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from questlog.ingest.service import EventsStored
from questlog.live.feed import Filters, LiveFeed, TooManySubscribers
from questlog.live.stream import frames

MOMENT = datetime(2026, 5, 1, 12, tzinfo=UTC)


def stored(n: int, **fields: Any) -> EventsStored:
    return EventsStored(tuple(
        {"_id": f"e{i}", "ingest_id": "x", "type": "BILL_VOTE", "user_id": "p1",
         "event_time": MOMENT, **fields} for i in range(n)))


async def test_each_viewer_sees_only_what_its_filters_match() -> None:
    feed = LiveFeed()
    with feed.subscribe(Filters({"user_id": "p1"})) as mine, \
            feed.subscribe(Filters({"user_id": "p2"})) as theirs:
        await feed.on_events_stored(stored(2))
        assert mine.queue.qsize() == 2
        assert theirs.queue.qsize() == 0
        first = mine.queue.get_nowait()
    assert first["event_id"] == "e0"
    assert "ingest_id" not in first
    assert feed.subscribers == 0


async def test_time_filters_bound_the_event_time() -> None:
    feed = LiveFeed()
    with feed.subscribe(Filters({}, start=datetime(2026, 5, 2, tzinfo=UTC))) as later:
        await feed.on_events_stored(stored(1))
        assert later.queue.empty()


async def test_a_full_viewer_drops_and_is_told_how_many() -> None:
    feed = LiveFeed(queue_size=3)
    with feed.subscribe(Filters({})) as slow:
        await feed.on_events_stored(stored(10))
        stream = frames(slow)
        assert (await anext(stream)).startswith(b"event: ready")
        assert await anext(stream) == b'event: dropped\ndata: {"dropped":7}\n\n'
        assert (await anext(stream)).startswith(b"event: event\ndata: {\"event_id\":\"e0\"")


async def test_viewers_beyond_the_limit_are_refused() -> None:
    feed = LiveFeed(max_subscribers=1)
    with feed.subscribe(Filters({})):
        try:
            feed.open(Filters({}))
        except TooManySubscribers:
            pass
        else:
            raise AssertionError("a second viewer was let in")
