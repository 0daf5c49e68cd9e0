"""The sessions sweep job: under its lease, it summarizes what the worker missed and
closes idle sessions, and records its run like the rollups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobs import sweep_sessions
from jobs.scheduler import JobScheduler
from questlog.bootstrap import Questlog
from questlog.stats.documents import Lease
from questlog.stats.lease import Leases
from questlog.store.queries import Page


async def test_the_job_summarizes_and_closes_idle_sessions_under_its_lease(
    questlog: Questlog,
) -> None:
    long_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    await questlog.ingestor.ingest([
        {"type": "choice_made", "session_id": "idle", "user_id": "u", "occurred_at": long_ago},
    ])
    await questlog.sessions.settle(questlog.bus)
    job = sweep_sessions.job(questlog.sessions.sweeper)
    scheduler = JobScheduler(jobs=[job], stats=questlog.stats,
                             leases=Leases(Lease.get_motor_collection()))

    run = await scheduler.run_once(job)

    assert run is not None
    assert (run.job, run.status) == ("sweep_sessions", "ok")
    session = await questlog.sessions.service.get("idle")
    assert (session["status"], session["closed_by"]) == ("closed", "idle_timeout")
    runs, found = await questlog.stats.runs.page(job="sweep_sessions", page=Page(1, 10))
    assert found.total == 1
    assert runs[0].documents_written == 1


async def test_the_job_does_not_run_while_another_process_holds_its_lease(
    questlog: Questlog,
) -> None:
    leases = Leases(Lease.get_motor_collection())
    job = sweep_sessions.job(questlog.sessions.sweeper)
    assert await leases.acquire(sweep_sessions.NAME, "another-process")
    scheduler = JobScheduler(jobs=[job], stats=questlog.stats, leases=leases)
    assert await scheduler.run_once(job) is None
