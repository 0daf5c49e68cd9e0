"""Where the live gauges read from, in a running Questlog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from questlog.clock import utcnow
from questlog.ops.live import EvaluatorReading, LiveSources, QueueReading
from questlog.ops.replay import Replayer
from questlog.ops.runtime import ping_within
from questlog.store.documents import RejectedEvent

if TYPE_CHECKING:
    from questlog.bootstrap import Questlog


def watch_live_state(questlog: Questlog) -> None:
    bus, buffer, gate = questlog.bus, questlog.best_effort, questlog.ops.gate
    evaluator = questlog.achievements.evaluator

    async def evaluator_lag() -> EvaluatorReading:
        lag = await evaluator.lag()
        return EvaluatorReading(pending=lag.pending, lag_seconds=lag.lag_seconds)

    questlog.ops.watch(LiveSources(
        queues={
            "bus": lambda: QueueReading(bus.stats.queued, bus.stats.dropped),
            "best_effort": lambda: QueueReading(buffer.stats.buffered, buffer.stats.dropped),
            "ingest": lambda: QueueReading(gate.stats.in_flight, 0),
        },
        store_up=lambda: ping_within(questlog.store.ping()),
        evaluator=evaluator_lag,
        sessions_open=questlog.sessions.service.open_count,
        job_due=questlog.scheduler.next_runs if questlog.scheduler is not None else None,
        clock=utcnow,
    ))


def replayer_of(questlog: Questlog) -> Replayer:
    """The replay of quarantined events through this process's ingestor."""
    return Replayer(settings=questlog.settings, rejected=RejectedEvent.get_motor_collection(),
                    ingestor=questlog.ingestor)
