"""The nightly export job: off unless QUESTLOG_EXPORT_DIR is set; then it exports what
was received since its last run, removes day partitions past the retention, and
records its run like every job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.dataset as ds
from conftest import bill_vote, iso

from jobs.scheduler import JobScheduler
from questlog.bootstrap import Questlog
from questlog.ops.jobs import EXPORT_EVENTS, operations_jobs
from questlog.stats.documents import Lease
from questlog.stats.lease import Leases


def test_no_export_job_without_an_export_dir(questlog: Questlog) -> None:
    jobs = operations_jobs(questlog.settings, questlog.ops.exporter, questlog.ops.metrics)
    assert [job.name for job in jobs] == ["data_quality"]


async def test_export_job_exports_since_last_and_applies_retention(
    questlog: Questlog, tmp_path: Path
) -> None:
    settings = questlog.settings.model_copy(
        update={"export_dir": str(tmp_path), "export_retention_days": 30}
    )
    (_, job) = operations_jobs(settings, questlog.ops.exporter, questlog.ops.metrics)
    assert job.name == EXPORT_EVENTS
    old = tmp_path / "date=2020-01-01" / "catalog=politics"
    old.mkdir(parents=True)
    (old / "part-x.parquet").write_bytes(b"")
    moment = datetime.now(UTC) - timedelta(days=1)
    await questlog.ingestor.ingest([bill_vote(occurred_at=iso(moment)) for _ in range(4)])
    clock = datetime.now(UTC) + timedelta(minutes=5)  # past the settling margin
    questlog.ops.exporter._clock = lambda: clock

    runs: list[str] = []
    scheduler = JobScheduler(jobs=[job], stats=questlog.stats,
                             leases=Leases(Lease.get_motor_collection()),
                             on_run=lambda run: runs.append(run.status))
    run = await scheduler.run_once(job)
    assert run is not None
    assert run.status == "ok", run.errors
    assert run.events_read == 4
    assert run.documents_deleted == 1
    assert runs == ["ok"]
    assert not (tmp_path / "date=2020-01-01").exists()
    assert ds.dataset(tmp_path, format="parquet", partitioning="hive").count_rows() == 4
    recorded = await questlog.stats.runs.last_success(EXPORT_EVENTS)
    assert recorded is not None
    assert recorded.events_read == 4
