"""Questlog's Prometheus metrics: one registry per process, the names the alerts use.

Counters and histograms are changed where things happen (the ingest hooks, the HTTP
middleware, the scheduler); the gauges of live state (queue depths, evaluator lag,
store up) are refreshed from their sources before each scrape and every few seconds.

With several worker processes (uvicorn --workers, gunicorn), set
PROMETHEUS_MULTIPROC_DIR to an empty directory shared by the workers: every process
then writes its values there and a scrape of any of them answers the sum
(prometheus-client's multiprocess mode; docs/operations.md).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from questlog.ingest.validation import Rejection

BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
INSERT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
JOB_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)
QUEUES = ("bus", "best_effort", "ingest")
# A drop's cause: opted out (privacy), sampled out (the policy), over a rate limit
# (access), or no room left in a bounded queue.
DROP_CAUSES = ("opted_out", "sampled", "rate_limited", "overflow")


class Metrics:
    def __init__(self, *, multiprocess_dir: Path | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._multiprocess_dir = multiprocess_dir
        r = self.registry
        self.received = Counter(
            "questlog_events_received", "Items received for ingestion (valid or not)",
            registry=r)
        self.accepted = Counter(
            "questlog_events_accepted", "Events stored, per type", ["type"], registry=r)
        self.duplicates = Counter(
            "questlog_events_duplicate", "Events already stored (same event_id), per type",
            ["type"], registry=r)
        self.rejected = Counter(
            "questlog_events_rejected", "Events refused and quarantined, per type and code",
            ["type", "code"], registry=r)
        self.dropped = Counter(
            "questlog_events_dropped", "Events dropped on purpose, per type and cause",
            ["type", "cause"], registry=r)
        self.batch_size = Histogram(
            "questlog_batch_size", "Items per ingested batch", buckets=BATCH_BUCKETS,
            registry=r)
        self.insert_seconds = Histogram(
            "questlog_insert_duration_seconds", "Time of one batch insert, retries included",
            buckets=INSERT_BUCKETS, registry=r)
        self.inserts = Counter(
            "questlog_inserts", "Batch inserts, by outcome (ok, failed)", ["outcome"],
            registry=r)
        self.request_seconds = Histogram(
            "questlog_http_request_duration_seconds", "HTTP request latency per route",
            ["method", "route", "status"], registry=r)
        self.queue_depth = Gauge(
            "analytics_queue_depth", "Items waiting in a bounded queue (seed 002's name)",
            ["queue"], multiprocess_mode="livesum", registry=r)
        self.queue_drops = Counter(
            "analytics_drop", "Items a bounded queue dropped or refused (seed 002's name)",
            ["queue"], registry=r)
        self.overloaded = Counter(
            "questlog_overloaded", "Requests refused with 503 overloaded (backpressure)",
            registry=r)
        self.evaluator_pending = Gauge(
            "questlog_evaluator_pending_events", "Events the achievement evaluator has not "
            "applied yet", multiprocess_mode="livemax", registry=r)
        self.evaluator_lag = Gauge(
            "questlog_evaluator_lag_seconds", "Age of the oldest event pending evaluation",
            multiprocess_mode="livemax", registry=r)
        self.sessions_open = Gauge(
            "questlog_sessions_open", "Sessions open in the store (not yet ended or timed "
            "out)", multiprocess_mode="livemax", registry=r)
        self.job_runs = Counter(
            "questlog_job_runs", "Job runs, per job and status (ok, failed)",
            ["job", "status"], registry=r)
        self.job_seconds = Histogram(
            "questlog_job_duration_seconds", "Job run duration", ["job"], buckets=JOB_BUCKETS,
            registry=r)
        self.job_lag = Gauge(
            "questlog_job_lag_seconds", "How late a scheduled job is behind its schedule",
            ["job"], multiprocess_mode="livemax", registry=r)
        self.store_up = Gauge(
            "questlog_store_up", "1 when MongoDB answers a ping, else 0",
            multiprocess_mode="livemin", registry=r)
        self.quality_variance = Gauge(
            "questlog_data_quality_variance_ratio", "Relative variance of a nightly data "
            "quality check (0.03 = 3 %)", ["check"], multiprocess_mode="max", registry=r)
        for queue in QUEUES:  # present from the first scrape, so rate() has a start
            self.queue_depth.labels(queue=queue).set(0)
            self.queue_drops.labels(queue=queue)
        self.inserts.labels(outcome="ok")
        self.inserts.labels(outcome="failed")

    # The write path (ops.hooks calls these).

    def count_batch(
        self, *, items: int, stored: Sequence[dict[str, Any]],
        duplicates: Sequence[dict[str, Any]], rejections: Sequence[Rejection],
    ) -> None:
        self.received.inc(items)
        self.batch_size.observe(items)
        # One increment per type, not per event: this runs for every batch.
        for event_type, count in Tally(d["type"] for d in stored).items():
            self.accepted.labels(type=event_type).inc(count)
        for event_type, count in Tally(d["type"] for d in duplicates).items():
            self.duplicates.labels(type=event_type).inc(count)
        refused = Tally((r.event_type or "unknown", str(r.code)) for r in rejections)
        for (event_type, code), count in refused.items():
            self.rejected.labels(type=event_type, code=code).inc(count)

    def count_dropped(self, event_type: str, cause: str, count: int = 1) -> None:
        """Events left out on purpose; received already counted them if they came in."""
        self.dropped.labels(type=event_type, cause=cause).inc(count)

    # Scraping.

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        registry = self.registry
        if self._multiprocess_dir is not None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=str(self._multiprocess_dir))  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
