"""What a player sees of one achievement: value, next threshold, percent, tier. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from questlog.achievements.definitions import Achievement, AllOfRule, StreakRule
from questlog.achievements.kinds import utc_day
from questlog.achievements.rules import Entry


@dataclass(frozen=True)
class TierView:
    name: str
    threshold: float
    unlocked_at: datetime | None


@dataclass(frozen=True)
class ProgressView:
    achievement_id: str
    value: float
    threshold: float
    percent: float
    tier: str | None  # the highest tier reached
    unlocked: bool
    unlocked_at: datetime | None  # the first unlock
    redeemed: bool  # every reward earned so far was redeemed (False without a reward)
    times: int  # unlocks so far: 0 or 1, more for a repeatable achievement
    tiers: tuple[TierView, ...]


def progress_view(
    achievement: Achievement, state: Mapping[str, Entry], redeemed: Mapping[str, Any],
    now: datetime,
) -> ProgressView:
    """The progress of `achievement` for a player whose entries are `state`."""
    entry = state.get(achievement.id, {})
    reached = entry.get("reached", [])
    levels = achievement.levels
    times = entry.get("times", 0) if achievement.repeatable else min(len(reached), 1)
    value = _value(achievement, entry, state, now)
    if achievement.repeatable:
        value -= times * levels[0][1]
    threshold = levels[min(len(reached), len(levels) - 1)][1]
    done = len(reached) == len(levels) and not achievement.repeatable
    percent = 100.0 if done else min(100.0, round(100 * value / threshold, 1))
    count = redeemed.get(achievement.id, {}).get("count", 0)
    return ProgressView(
        achievement_id=achievement.id,
        value=value,
        threshold=threshold,
        percent=percent,
        tier=levels[len(reached) - 1][0] if reached else None,
        unlocked=bool(reached),
        unlocked_at=reached[0]["at"] if reached else None,
        redeemed=achievement.reward is not None and times > 0 and count >= times,
        times=times,
        tiers=tuple(
            TierView(t.name, t.threshold, reached[i]["at"] if i < len(reached) else None)
            for i, t in enumerate(achievement.tiers)
        ),
    )


def _value(
    achievement: Achievement, entry: Entry, state: Mapping[str, Entry], now: datetime
) -> float:
    rule = achievement.rule
    if isinstance(rule, AllOfRule):
        return float(sum(1 for part in rule.achievements if state.get(part, {}).get("reached")))
    if isinstance(rule, StreakRule):
        return float(current_run(entry.get("days", []), now))
    value: float = entry.get("value", 0)
    return value


def current_run(days: list[int], now: datetime) -> int:
    """The run of consecutive days ending today or yesterday: a streak still alive."""
    if not days or days[-1] < utc_day(now) - 1:
        return 0
    run = 1
    while run < len(days) and days[-run - 1] == days[-run] - 1:
        run += 1
    return run


def visible(achievement: Achievement, state: Mapping[str, Entry]) -> bool:
    """A hidden achievement shows only once the player unlocked it."""
    return not achievement.hidden or bool(state.get(achievement.id, {}).get("reached"))
