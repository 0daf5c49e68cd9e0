"""`questlog jobs`, `questlog rollup` and `questlog bench rollup` on the in-memory store.

They check what is printed and the exit codes, never timings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from printed_figures import figures

from questlog.cli import main


def test_bench_rollup_loads_the_events_and_times_both_rollups(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "rollup", "--events", "300", "--batch", "70"]) == 0

    title = ("bench rollup: 300 events over 14 days, 1000 players, 9 types, "
             "in-memory store (mongomock)")
    printed = figures(capsys.readouterr().out, title)
    assert printed["loaded"].startswith("300 events in ")
    assert printed["daily rollup"].startswith("14 days in ")
    assert "300 events read" in printed["daily rollup"]
    assert printed["daily rollup"].endswith("(one per owner; best of 5)")
    assert printed["floor (b) insert"].endswith("(best of 5)")
    assert "documents written from daily ones" in printed["weekly rollup"]
    assert "one server-side $group pass over the same events" in printed["floor (a) $group"]
    written = printed["daily rollup"].split(", ")[-1].split()[0]
    assert printed["daily / (a + b)"].split()[0].replace(".", "").isdigit()
    assert "target <= 1.5" in printed["daily / (a + b)"]
    assert "target <= 0.5" in printed["weekly / daily"]
    each = printed["each round's"].split(" (")[0].split(", ")
    assert len(each) == 5  # the default number of rounds
    assert all(float(ratio) > 0 for ratio in each)
    # the best of each side's runs is never below the best round's own ratio
    assert min(map(float, each)) <= float(printed["daily / (a + b)"].split()[0]) + 0.005
    assert int(written) > 0


def test_bench_rollup_refuses_more_types_than_it_can_make(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bench", "rollup", "--events", "300", "--types", "11"])

    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "--types: invalid choice:" in error
    assert "11" in error.split("invalid choice:")[1].split("(")[0]  # quoted from 3.12.8 on


def test_rollup_recomputes_a_range_and_prints_its_run(capsys: pytest.CaptureFixture[str]) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()

    assert main(["rollup", "--from", yesterday, "--to", yesterday]) == 0

    printed = figures(capsys.readouterr().out, f"rollup {yesterday}..{yesterday}: ok")
    assert printed["days"] == f"['{yesterday}']"
    assert printed["errors"] == "[]"


def test_rollup_of_a_range_it_cannot_rebuild_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rollup", "--from", "2001-01-01", "--to", "2001-01-02"]) == 2

    assert "(range_too_old)" in capsys.readouterr().err


def test_jobs_once_runs_one_job_now(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "--once", "rollup_recent_days"]) == 0

    printed = figures(capsys.readouterr().out, "rollup_recent_days: ok")
    assert printed["days"] == f"['{datetime.now(UTC).date().isoformat()}']"


def test_jobs_runs_the_scheduler_until_told_to_stop() -> None:
    env = {**os.environ, "QUESTLOG_MONGODB_URL": "", "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "questlog.cli", "jobs"], env=env, stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stderr is not None
            for line in process.stderr:  # until the scheduler says it runs
                if "running the jobs" in line:
                    break
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            process.kill()
