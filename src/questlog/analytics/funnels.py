"""Funnels: ordered steps, each an event type (optionally with one field's value), within
a window from the first step. Pure, over the times the pipelines return per player."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from questlog.stats.periods import Rejected

MAX_STEPS = 10


@dataclass(frozen=True)
class Step:
    event_type: str
    field: str | None = None
    value: Any = None

    def label(self) -> str:
        if self.field is None:
            return self.event_type
        shown = self.value if isinstance(self.value, str) else json.dumps(self.value)
        return f"{self.event_type}:{self.field}={shown}"

    def match(self) -> dict[str, Any]:
        match: dict[str, Any] = {"type": self.event_type}
        if self.field is not None:
            match[self.field] = self.value
        return match


@dataclass(frozen=True)
class Funnel:
    name: str
    steps: tuple[Step, ...]
    window: timedelta
    description: str = ""

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description,
            "steps": ",".join(s.label() for s in self.steps),
            "window_hours": self.window / timedelta(hours=1),
        }


def parse_step(text: str) -> Step:
    """`TYPE` or `TYPE:FIELD=VALUE`; VALUE is read as JSON when it is (true, 3), else text."""
    event_type, sep, condition = text.strip().partition(":")
    if not sep:
        return Step(event_type)
    field, eq, raw = condition.partition("=")
    if not eq or not field:
        raise Rejected("invalid_funnel", f"step {text[:64]!r}: write TYPE or TYPE:FIELD=VALUE")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return Step(event_type, field.strip(), value)


def parse_steps(text: str) -> tuple[Step, ...]:
    steps = tuple(parse_step(part) for part in text.split(",") if part.strip())
    if not 2 <= len(steps) <= MAX_STEPS:
        raise Rejected("invalid_funnel", f"a funnel has 2 to {MAX_STEPS} steps, not {len(steps)}")
    return steps


# Seed 002: "first session through first combat win within seven days of activation".
ONBOARDING = Funnel(
    name="onboarding",
    description="Seed 002: first session, first enemy engaged, first combat win (XP from "
    "combat) within seven days of the first session.",
    steps=(Step("session_start"), Step("engage_enemy"), Step("xp_gain", "xp_source", "combat")),
    window=timedelta(days=7),
)
EXAMPLES = (ONBOARDING,)


def walk(
    starts: Mapping[str, datetime], later: Sequence[Mapping[str, Sequence[datetime]]],
    window: timedelta,
) -> dict[str, list[datetime]]:
    """Each player's step times: the first step's time, then for each later step the first
    time at or after the previous step's, no later than the first step's time + window."""
    reached = {}
    for player, start in starts.items():
        times = [start]
        for step_times in later:
            candidates = [t for t in step_times.get(player, ()) if times[-1] <= t <= start + window]
            if not candidates:
                break
            times.append(min(candidates))
        reached[player] = times
    return reached


def conversion(
    steps: Sequence[Step], reached: Mapping[str, list[datetime]]
) -> list[dict[str, Any]]:
    """Per step: players who reached it, conversion from the previous step and from the
    first, and the median time to convert (from the previous step and from the start)."""
    rows = []
    entered = len(reached)
    previous = entered
    for index, step in enumerate(steps):
        here = [times for times in reached.values() if len(times) > index]
        from_previous = [(t[index] - t[index - 1]).total_seconds() for t in here] if index else []
        from_start = [(t[index] - t[0]).total_seconds() for t in here] if index else []
        rows.append({
            "step": index + 1,
            "label": step.label(),
            "players": len(here),
            "conversion_from_previous": len(here) / previous if previous else None,
            "conversion_from_first": len(here) / entered if entered else None,
            "median_seconds_from_previous": _median(from_previous),
            "median_seconds_from_start": _median(from_start),
        })
        previous = len(here)
    return rows


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
