"""The nightly data-quality job: sessions seen against session starts, events stored
against events acknowledged, per day; a warning and the metric past 3 %."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobs.scheduler import JobScheduler
from questlog.bootstrap import Questlog
from questlog.ops.jobs import DATA_QUALITY, operations_jobs
from questlog.ops.quality import CheckResult
from questlog.stats.documents import JobRun, Lease
from questlog.stats.lease import Leases


def yesterday_noon() -> datetime:
    """Noon of the day before the test runs (the day the job checks), read when the test
    runs, not when the module is imported: a run that starts before midnight UTC and gets
    here after it checks the next day."""
    now = datetime.now(UTC)
    return (now - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)


def gameplay(event_type: str, session: str, minute: int) -> dict[str, Any]:
    return {"type": event_type, "user_id": "p-1", "session_id": session, "client_guid": "g",
            "build": "1", "platform": "pc", "shard": "eu",
            "occurred_at": (yesterday_noon() + timedelta(minutes=minute)).isoformat()}


async def run_quality(questlog: Questlog) -> JobRun:
    job = next(j for j in operations_jobs(questlog.settings, questlog.ops.exporter,
                                          questlog.ops.metrics, questlog.ops.hooks.acknowledged)
               if j.name == DATA_QUALITY)
    scheduler = JobScheduler(jobs=[job], stats=questlog.stats,
                             leases=Leases(Lease.get_motor_collection()))
    run = await scheduler.run_once(job)
    assert run is not None
    return run


def test_variance_is_relative_to_the_larger_count() -> None:
    assert CheckResult("x", expected=100, observed=97).warning is None
    assert CheckResult("x", expected=100, observed=96).variance == pytest.approx(0.04)
    assert "4.0%" in str(CheckResult("x", expected=100, observed=96).warning)
    assert CheckResult("x", expected=0, observed=0).variance == 0


async def test_sessions_without_their_start_are_warned_of(questlog: Questlog) -> None:
    events = [gameplay("session_start", f"s{i}", i) for i in range(20)]
    events += [{**gameplay("session_end", f"s{i}", 30 + i), "duration_s": 60.0}
               for i in range(21)]  # s20: no start
    # Received "yesterday" as well, so the storage check looks at the same day.
    received = yesterday_noon() + timedelta(hours=2)
    questlog.ingestor._clock = lambda: received
    result = await questlog.ingestor.ingest(events)
    assert result.accepted == 41

    run = await run_quality(questlog)
    assert run.status == "ok"
    assert run.figures["sessions.expected"] == 21
    assert run.figures["sessions.observed"] == 20
    assert run.figures["storage.expected"] == 41  # acknowledged
    assert run.figures["storage.observed"] == 41  # stored
    assert len(run.warnings) == 1
    assert run.warnings[0].startswith("sessions: 20 observed against 21 expected")
    text, _ = questlog.ops.metrics.render()
    assert 'questlog_data_quality_variance_ratio{check="sessions"} 0.047' in text.decode()


async def test_stored_events_missing_against_the_acknowledged_are_warned_of(
    questlog: Questlog,
) -> None:
    received = yesterday_noon() + timedelta(hours=2)
    questlog.ingestor._clock = lambda: received
    result = await questlog.ingestor.ingest(
        [gameplay("session_start", f"s{i}", i) for i in range(10)]
    )
    assert result.accepted == 10
    await questlog.store.database["events"].delete_one({"session_id": "s3"})  # lost later

    run = await run_quality(questlog)
    assert run.figures["storage.expected"] == 10
    assert run.figures["storage.observed"] == 9
    assert any(w.startswith("storage:") for w in run.warnings)


def test_the_job_runs_once_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    from questlog.cli import main

    assert main(["jobs", "--once", "data_quality"]) == 0
    assert "data_quality: ok" in capsys.readouterr().out
    assert main(["jobs", "--once", "export_events"]) == 2  # no QUESTLOG_EXPORT_DIR here
    assert "not configured" in capsys.readouterr().err
