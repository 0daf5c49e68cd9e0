"""Operations as a running process holds them: metrics, the write gate, live gauges."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field

from questlog.bus import Bus
from questlog.clock import utcnow
from questlog.ops.backpressure import WriteGate
from questlog.ops.export.service import Exporter
from questlog.ops.hooks import OpsHooks
from questlog.ops.live import LiveGauges, LiveSources
from questlog.ops.metrics import Metrics
from questlog.ops.quality import AcknowledgedCounter
from questlog.ops.sampling import load_policy
from questlog.settings import Settings
from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar
from questlog.store.documents import StoredEvent

PING_TIMEOUT_SECONDS = 2.0
log = logging.getLogger(__name__)


@dataclass
class Operations:
    settings: Settings
    metrics: Metrics
    gate: WriteGate
    hooks: OpsHooks
    exporter: Exporter
    live: LiveGauges | None = field(default=None)

    @classmethod
    def build(
        cls, settings: Settings, bus: Bus, *, kept_whole: Iterable[str] = ()
    ) -> Operations:
        """Raises PolicyError for a sampling policy that cannot be used. The types in
        `kept_whole` (those achievements read) are never sampled, whatever it says."""
        policy, overridden = load_policy(settings.sampling_file).protecting(kept_whole)
        if overridden:
            log.warning("sampling policy: %s kept at 100 %% (achievements read them; a "
                        "player outside the sample could never reach those achievements)",
                        ", ".join(overridden))
        metrics = Metrics(multiprocess_dir=settings.prometheus_multiproc_dir)
        high_water = settings.bus_high_water * settings.bus_queue_size
        gate = WriteGate(
            max_in_flight=settings.max_in_flight_events,
            retry_after=settings.overload_retry_after_seconds,
            bus_depth=lambda: bus.stats.queued, bus_high_water=high_water,
        )
        exporter = Exporter(
            events=StoredEvent.get_motor_collection(), calendar=Calendar(settings.bucket_tz)
        )
        hooks = OpsHooks(metrics=metrics, gate=gate, policy=policy)
        hooks.acknowledged = AcknowledgedCounter(Calendar(settings.bucket_tz), utcnow)
        return cls(settings=settings, metrics=metrics, gate=gate, hooks=hooks,
                   exporter=exporter)

    def watch(self, sources: LiveSources) -> None:
        """Start refreshing the live gauges from `sources`."""
        self.live = LiveGauges(self.metrics, sources)
        self.live.start()
        if self.hooks.acknowledged is not None:
            self.hooks.acknowledged.start()

    async def scrape(self) -> tuple[bytes, str]:
        if self.live is not None:
            await self.live.refresh()
        return self.metrics.render()

    def observe_run(self, run: JobRun) -> None:
        """Count a finished job run (the scheduler calls this)."""
        self.metrics.job_runs.labels(job=run.job, status=run.status).inc()
        self.metrics.job_seconds.labels(job=run.job).observe(run.duration_s)

    async def close(self) -> None:
        """After the writers stopped (what they stored is counted once more, here)."""
        if self.live is not None:
            await self.live.stop()
        if self.hooks.acknowledged is not None:
            await self.hooks.acknowledged.stop()


async def ping_within(ping: Awaitable[bool], timeout: float = PING_TIMEOUT_SECONDS) -> bool:
    """True when `ping` answers True within `timeout` seconds."""
    try:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the
        # cancellation of a task stopping at shutdown, which then never stops.
        async with asyncio.timeout(timeout):
            return await ping
    except TimeoutError:
        return False
