"""What a scheduled job is: a name, an async function and the trigger it declares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger

from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar
from questlog.stats.service import StatsService


@dataclass(frozen=True)
class Job:
    name: str  # also the name of its lease and of its runs
    run: Callable[[StatsService, datetime], Awaitable[JobRun]]
    # Given the buckets' calendar: "after midnight" means the buckets' midnight.
    trigger: Callable[[Calendar], BaseTrigger]
