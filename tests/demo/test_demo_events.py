"""`questlog demo`'s events: valid, of every type, deterministic, within the last weeks."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from questlog.demo.generate import COMPANIES, demo_events
from questlog.events import EVENT_ADAPTER, EVENT_TYPES

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def test_every_event_is_valid_and_every_type_is_there() -> None:
    events = demo_events(now=NOW, days=28)

    for event in events:
        EVENT_ADAPTER.validate_python(event)
    assert {e["type"] for e in events} == EVENT_TYPES
    assert len({e["event_id"] for e in events}) == len(events)


def test_the_events_fall_in_the_last_days_before_now() -> None:
    times = [datetime.fromisoformat(e["occurred_at"]) for e in demo_events(now=NOW, days=10)]

    assert min(times) >= NOW - timedelta(days=11)
    assert max(times) < NOW


def test_the_same_seed_gives_the_same_events_and_another_seed_others() -> None:
    assert demo_events(now=NOW, seed=1) == demo_events(now=NOW, seed=1)
    assert demo_events(now=NOW, seed=1) != demo_events(now=NOW, seed=2)


def test_one_company_stays_below_the_privacy_threshold() -> None:
    players = defaultdict(set)
    for event in demo_events(now=NOW):
        players[event["company_id"]].add(event["user_id"])

    assert {c: len(p) for c, p in players.items()} == COMPANIES
    assert sorted(COMPANIES.values())[0] < 5 <= sorted(COMPANIES.values())[1]
