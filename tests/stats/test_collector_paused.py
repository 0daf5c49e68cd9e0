"""The rollup's pause of the cyclic collector: held by a day's store and the next day's
read at once, it lasts until the last of them lets go, never turns on a collector
that someone else had turned off, and ends with the day's rows let go of."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import aclosing
from datetime import UTC, datetime, time, timedelta

import pytest
from stats_scenarios import Clock, ingest, rollup, services

from questlog.bootstrap import Questlog
from questlog.stats.streams import collector_paused
from questlog.stats.writer import Tally

NOW = datetime.now(UTC).replace(microsecond=0)
EVENTS = 2000


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_overlapping_holders_keep_it_off_until_the_last_one_leaves() -> None:
    gc.enable()
    store, read = collector_paused(), collector_paused()
    store.__enter__()
    read.__enter__()
    store.__exit__(None, None, None)  # the day's store is done, the next day still reads
    assert not gc.isenabled()
    read.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_it_comes_back_when_the_period_fails() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the store went away")
    assert gc.isenabled()


async def test_a_days_rows_are_let_go_of_before_the_collector_comes_back(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alive when the collector resumes, a dense day's rows would all be walked at its
    next collection (1.1-1.6 s of a day of 1,000,000 events, on the rollup's path)."""
    day = NOW.date() - timedelta(days=1)
    noon = datetime.combine(day, time(12), UTC)
    ingestor, _ = services(questlog, Clock(NOW))
    await ingest(ingestor, [
        {"type": "BILL_VOTE", "user_id": f"p{i % 50}", "company_id": f"c{i % 5}",
         "bill_id": "b", "stance": "yea", "seat_weight": 1.5 * (i + 1),
         "lobby_payments_count": i, "occurred_at": (noon + timedelta(seconds=i)).isoformat()}
        for i in range(EVENTS)])
    rows_at_resumption: list[int] = []
    resume = gc.enable
    monkeypatch.setattr(gc, "enable", lambda: (rows_at_resumption.append(alive_rows()), resume()))

    async with aclosing(rollup().days([day])) as outcomes:  # the store outlives days()' hold
        tallies = [tally async for _, tally in outcomes]

    assert [t.events_read for t in tallies if isinstance(t, Tally)] == [EVENTS]
    assert rows_at_resumption == [0]


def alive_rows() -> int:
    """The scan's rows (parts.Row: the values, success, the sample rate) alive."""
    return sum(1 for o in gc.get_objects()
               if type(o) is tuple and len(o) == 3 and type(o[0]) is tuple
               and type(o[1]) is bool)
