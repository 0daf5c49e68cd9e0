"""API models of achievements and players: what the routes take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from questlog.achievements.evaluator import Lag
from questlog.achievements.service import Listed, Redemption, Stats
from questlog.achievements.views import ProgressView


def _plain(value: object) -> object:
    """3.0 reads 3: thresholds and counts are mostly whole numbers."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Number = Annotated[int | float, BeforeValidator(_plain)]


class TierOut(BaseModel):
    name: str
    threshold: Number
    unlocked_at: datetime | None = None


class ProgressOut(BaseModel):
    achievement_id: str
    value: Number
    threshold: Number = Field(description="the next tier's threshold; the last once all reached")
    percent: float
    tier: str | None = Field(description="the highest tier reached")
    unlocked: bool
    unlocked_at: datetime | None = Field(description="occurred_at of the event that completed it")
    redeemed: bool
    times: int = Field(description="unlocks so far; more than 1 only for a repeatable achievement")
    tiers: list[TierOut]

    @classmethod
    def of(cls, view: ProgressView) -> ProgressOut:
        return cls(
            achievement_id=view.achievement_id, value=view.value, threshold=view.threshold,
            percent=view.percent, tier=view.tier, unlocked=view.unlocked,
            unlocked_at=view.unlocked_at, redeemed=view.redeemed, times=view.times,
            tiers=[TierOut(name=t.name, threshold=t.threshold, unlocked_at=t.unlocked_at)
                   for t in view.tiers],
        )


class WindowOut(BaseModel):
    start: datetime | None
    end: datetime | None


class AchievementOut(BaseModel):
    id: str
    name: str
    description: str
    category: str
    kind: str
    event: str | None
    hidden: bool
    repeatable: bool
    reward: str | None
    window: WindowOut | None
    tiers: list[TierOut]
    progress: ProgressOut | None

    @classmethod
    def of(cls, listed: Listed) -> AchievementOut:
        a = listed.achievement
        return cls(
            id=a.id, name=a.title, description=a.description, category=a.category,
            kind=a.rule.kind,
            event=getattr(a.rule, "event", None), hidden=a.hidden, repeatable=a.repeatable,
            reward=a.reward.description if a.reward else None,
            window=WindowOut(start=a.window.start, end=a.window.end) if a.window else None,
            tiers=[TierOut(name=t.name, threshold=t.threshold) for t in a.tiers],
            progress=ProgressOut.of(listed.progress) if listed.progress else None,
        )


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Annotated[str | None, Field(
        min_length=1, max_length=128,
        description="required with an API key; a player token may leave it out",
    )] = None
    achievement_id: Annotated[str, Field(min_length=1, max_length=64)]


class RedemptionOut(BaseModel):
    user_id: str
    achievement_id: str
    reward: str
    redeemed_at: datetime
    count: int

    @classmethod
    def of(cls, redemption: Redemption) -> RedemptionOut:
        return cls(
            user_id=redemption.user_id, achievement_id=redemption.achievement_id,
            reward=redemption.reward, redeemed_at=redemption.redeemed_at, count=redemption.count,
        )


class UnlockRateOut(BaseModel):
    achievement_id: str
    name: str
    hidden: bool
    unlocked: int
    share: float


class StatsOut(BaseModel):
    days: int
    since: datetime
    active_players: int = Field(
        description="players with an event counted by some achievement in the last `days` days"
    )
    achievements: list[UnlockRateOut]

    @classmethod
    def of(cls, stats: Stats) -> StatsOut:
        return cls(
            days=stats.days, since=stats.since, active_players=stats.active_players,
            achievements=[
                UnlockRateOut(achievement_id=r.achievement.id, name=r.achievement.title,
                              hidden=r.achievement.hidden, unlocked=r.unlocked,
                              share=round(r.share, 4))
                for r in stats.rates
            ],
        )


class LagOut(BaseModel):
    pending: int = Field(description="stored events of counted types not evaluated yet")
    oldest_pending_received_at: datetime | None
    lag_seconds: float
    evaluated: int
    unlocks: int
    conflicts: int
    failures: int
    last_error: str | None
    busy_seconds: float = Field(description="wall seconds of the evaluator's passes that "
                                "applied events; evaluated / busy_seconds is its own rate")

    @classmethod
    def of(cls, lag: Lag) -> LagOut:
        return cls(
            pending=lag.pending, oldest_pending_received_at=lag.oldest_pending_received_at,
            lag_seconds=round(lag.lag_seconds, 3), evaluated=lag.stats.evaluated,
            unlocks=lag.stats.unlocks, conflicts=lag.stats.conflicts,
            failures=lag.stats.failures, last_error=lag.stats.last_error,
            busy_seconds=round(lag.stats.busy_seconds, 3),
        )


class TokenOut(BaseModel):
    token: str
    expires_at: datetime
