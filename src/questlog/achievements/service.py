"""Reads of achievements for the API, the stats of unlocks, and redeeming rewards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from questlog.achievements.book import Book
from questlog.achievements.definitions import Achievement
from questlog.achievements.documents import entries_of
from questlog.achievements.views import ProgressView, progress_view, visible
from questlog.clock import utcnow
from questlog.store.types import MotorCollection


class AchievementError(Exception):
    pass


class UnknownAchievement(AchievementError):
    pass


class UnknownCategory(AchievementError):
    pass


class NoReward(AchievementError):
    pass


class NotUnlocked(AchievementError):
    pass


class AlreadyRedeemed(AchievementError):
    pass


@dataclass(frozen=True)
class Listed:
    achievement: Achievement
    progress: ProgressView | None


@dataclass(frozen=True)
class Redemption:
    achievement_id: str
    user_id: str
    reward: str
    redeemed_at: datetime
    count: int  # rewards of this achievement redeemed so far


@dataclass(frozen=True)
class UnlockRate:
    achievement: Achievement
    unlocked: int
    share: float


@dataclass(frozen=True)
class Stats:
    days: int
    since: datetime
    active_players: int
    rates: list[UnlockRate]


class AchievementService:
    def __init__(
        self, *, book: Book, progress: MotorCollection,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._book, self._progress, self._clock = book, progress, clock

    def _achievement(self, achievement_id: str) -> Achievement:
        achievement = self._book.by_id.get(achievement_id)
        if achievement is None:
            raise UnknownAchievement(f"no achievement {achievement_id!r}")
        return achievement

    async def _player(self, user_id: str) -> dict[str, Any]:
        # Read whole: secantusd-rs charges more for a projection leaving `applied` out
        # than for sending it (docs/performance-history.md, the evaluator's fifth pass).
        doc = await self._progress.find_one({"_id": user_id})
        return doc or {}

    async def listing(
        self, *, user_id: str | None, ids: Sequence[str] | None = None,
        category: str | None = None,
    ) -> list[Listed]:
        """The definitions in file order, hidden ones only once unlocked; with progress
        for a player. `ids` and `category` narrow the list: an id the player cannot see
        (unknown, or hidden and locked) is refused, as is a category no definition has.
        """
        book = self._book.achievements
        if category is not None and category not in {a.category for a in book}:
            shown = sorted({a.category for a in book if not a.hidden})
            raise UnknownCategory(f"no achievement has the category {category!r}; "
                                  f"categories: {', '.join(shown)}")
        doc = await self._player(user_id) if user_id is not None else {}
        state, redeemed = entries_of(doc), doc.get("redeemed", {})
        listed = [a for a in book if visible(a, state)]
        if ids is not None:
            seen, wanted = {a.id for a in listed}, set(ids)
            _refuse_unknown([i for i in dict.fromkeys(ids) if i not in seen])
            listed = [a for a in listed if a.id in wanted]
        if category is not None:
            listed = [a for a in listed if a.category == category]
        now = self._clock()
        return [
            Listed(a, progress_view(a, state, redeemed, now) if user_id is not None else None)
            for a in listed
        ]

    async def progress(self, *, user_id: str, achievement_id: str) -> ProgressView:
        [view] = await self.progress_of(user_id=user_id, achievement_ids=[achievement_id])
        return view

    async def progress_of(
        self, *, user_id: str, achievement_ids: Sequence[str]
    ) -> list[ProgressView]:
        """The progress of each achievement named, in the order named (each once)."""
        wanted = list(dict.fromkeys(achievement_ids))
        doc = await self._player(user_id)
        state, now = entries_of(doc), self._clock()
        by_id = self._book.by_id
        # A hidden one does not exist for the player until unlocked.
        _refuse_unknown([i for i in wanted if i not in by_id or not visible(by_id[i], state)])
        redeemed = doc.get("redeemed", {})
        return [progress_view(by_id[i], state, redeemed, now) for i in wanted]

    async def redeem(self, *, user_id: str, achievement_id: str) -> Redemption:
        """Redeem the reward of an unlock; once per unlock, whatever the races."""
        achievement = self._achievement(achievement_id)
        while True:
            doc = await self._player(user_id)
            state = entries_of(doc)
            if not visible(achievement, state):  # as in progress(): not even its reward shows
                raise UnknownAchievement(f"no achievement {achievement_id!r}")
            if achievement.reward is None:
                raise NoReward(f"achievement {achievement_id!r} has no reward to redeem")
            view = progress_view(achievement, state, {}, self._clock())
            if not view.unlocked:
                raise NotUnlocked(f"{user_id!r} has not unlocked {achievement_id!r}")
            count = doc.get("redeemed", {}).get(achievement_id, {}).get("count", 0)
            if count >= view.times:
                raise AlreadyRedeemed(f"the reward of {achievement_id!r} was already redeemed")
            path, now = f"redeemed.{achievement_id}", self._clock()
            # The count read must still be the count stored: of two racing redeems one
            # wins, the other reads again (and finds nothing left to redeem, if so).
            guard = {f"{path}.count": count} if count else {path: {"$exists": False}}
            result = await self._progress.update_one(
                {"_id": user_id, **guard},
                {"$set": {f"{path}.count": count + 1, f"{path}.last_at": now}},
            )
            if result.matched_count:
                return Redemption(
                    achievement_id, user_id, achievement.reward.description, now, count + 1
                )

    async def stats(self, *, days: int) -> Stats:
        """The share of active players who unlocked each achievement.

        Active: at least one event counted by some achievement, dated (event_time) within
        the last `days` days. Only active players' unlocks count, so a share is at most 1.
        """
        since = self._clock() - timedelta(days=days)
        active = {"last_event_at": {"$gte": since}}
        players = await self._progress.count_documents(active)
        pipeline: list[dict[str, Any]] = [
            {"$match": active},
            {"$unwind": "$unlocked"},
            {"$group": {"_id": "$unlocked", "n": {"$sum": 1}}},
        ]
        counts = {row["_id"]: row["n"] async for row in self._progress.aggregate(pipeline)}
        rates = [
            UnlockRate(a, counts.get(a.id, 0), counts.get(a.id, 0) / players if players else 0.0)
            for a in self._book.achievements
        ]
        return Stats(days=days, since=since, active_players=players, rates=rates)


def _refuse_unknown(ids: Sequence[str]) -> None:
    if ids:
        raise UnknownAchievement(f"no achievement {', '.join(map(repr, ids))}")
