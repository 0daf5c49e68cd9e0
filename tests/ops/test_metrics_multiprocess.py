"""prometheus-client's multiprocess mode: with PROMETHEUS_MULTIPROC_DIR, counters of
several worker processes add up in a scrape of any of them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from questlog.ops.metrics import Metrics
    metrics = Metrics(multiprocess_dir=Path(sys.argv[1]))
    metrics.received.inc(int(sys.argv[2]))
    metrics.accepted.labels(type="BILL_VOTE").inc(int(sys.argv[2]))
    if len(sys.argv) > 3:
        print(metrics.render()[0].decode())
""")


def run(directory: Path, *args: str) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run([sys.executable, "-c", WORKER, str(directory), *args], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def test_a_scrape_sums_the_counters_of_every_worker(tmp_path: Path) -> None:
    run(tmp_path, "3")
    run(tmp_path, "4")
    text = run(tmp_path, "5", "scrape")
    assert "questlog_events_received_total 12.0" in text
    assert 'questlog_events_accepted_total{type="BILL_VOTE"} 12.0' in text
