"""The job lease: one holder at a time, across processes sharing one MongoDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from stats_scenarios import Clock

from questlog.bootstrap import Questlog
from questlog.stats.documents import Lease
from questlog.stats.lease import Leases

NOW = datetime.now(UTC)


def leases(clock: Clock, ttl: timedelta = timedelta(minutes=5)) -> Leases:
    return Leases(Lease.get_motor_collection(), ttl=ttl, clock=clock)


async def test_a_held_lease_is_refused_to_others_until_released(questlog: Questlog) -> None:
    clock = Clock(NOW)
    one, other = leases(clock), leases(clock)

    assert await one.acquire("rollup", "process-a")
    assert not await other.acquire("rollup", "process-b")
    assert await one.acquire("rollup", "process-a")  # renewing is taking it again

    await one.release("rollup", "process-a")
    assert await other.acquire("rollup", "process-b")


async def test_an_expired_lease_can_be_taken_over(questlog: Questlog) -> None:
    clock = Clock(NOW)
    crashed, survivor = leases(clock), leases(clock)
    assert await crashed.acquire("rollup", "process-a")

    clock.advance(minutes=5)

    assert await survivor.acquire("rollup", "process-b")
    await crashed.release("rollup", "process-a")  # too late: not the holder any more
    assert not await crashed.acquire("rollup", "process-a")


async def test_leases_of_different_jobs_are_independent(questlog: Questlog) -> None:
    clock = Clock(NOW)

    assert await leases(clock).acquire("daily", "process-a")
    assert await leases(clock).acquire("weekly", "process-b")


async def test_of_two_runners_starting_together_exactly_one_runs(questlog: Questlog) -> None:
    ran: list[str] = []

    async def runner(name: str) -> None:
        async with leases(Clock(NOW)).hold("rollup") as held:
            if held:
                ran.append(name)
                await asyncio.sleep(0.01)  # still running while the other one tries

    await asyncio.gather(runner("a"), runner("b"))

    assert len(ran) == 1


async def test_a_long_run_keeps_its_lease_by_renewing_it(questlog: Questlog) -> None:
    # On the real clock: renewal happens on a timer.
    short = Leases(Lease.get_motor_collection(), ttl=timedelta(seconds=0.15))
    other = Leases(Lease.get_motor_collection(), ttl=timedelta(seconds=0.15))

    async with short.hold("rollup") as held:
        assert held
        await asyncio.sleep(0.4)  # longer than the lease lasts without renewal
        assert not await other.acquire("rollup", "process-b")

    assert await other.acquire("rollup", "process-b")  # released at the end
