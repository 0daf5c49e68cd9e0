"""The analytics service: runs the pipelines inside MongoDB and hands their rows to the
pure modules; company scopes answer only above the privacy threshold (seed 004)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from questlog.analytics import breakdown, funnels, pipelines, sessions
from questlog.analytics.activity import Activity, Cohort, active_players, retention
from questlog.events import EVENT_TYPES
from questlog.stats.periods import Rejected, checked_range
from questlog.stats.reads import WithheldForPrivacy
from questlog.store.types import MotorCollection

MAX_DAYS = 400
DEFAULT_DAYS = 14


@dataclass(frozen=True)
class Range:
    """UTC days first..last, of the whole game or of one company."""

    first: date
    last: date
    company_id: str | None = None

    @property
    def start(self) -> datetime:
        return midnight(self.first)

    @property
    def end(self) -> datetime:
        return midnight(self.last + timedelta(days=1))

    def echo(self) -> dict[str, Any]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(),
                "company_id": self.company_id, "time_zone": "UTC"}


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def analytics_range(
    *, first: date | None, last: date | None, company_id: str | None, today: date,
) -> Range:
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    checked_range(first, last, max_days=MAX_DAYS)
    return Range(first, last, company_id or None)


def checked_type(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise Rejected("unknown_event_type", f"unknown event type {event_type[:64]!r}")
    return event_type


class AnalyticsService:
    def __init__(
        self, *, events: MotorCollection, min_company_n: int,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._events = events
        self._min_company_n = min_company_n
        self._now = now

    def today(self) -> date:
        return self._now().astimezone(UTC).date()

    async def _rows(self, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [row async for row in self._events.aggregate(pipeline)]

    async def activity(self, company_id: str | None, until: datetime) -> Activity:
        """Every player's active days, from the oldest stored event to `until`."""
        match = pipelines.scope_match(company_id=company_id, start=None, end=until)
        return Activity.from_rows(await self._rows(pipelines.active_days(match)))

    def _guard(self, scope: Range, players: int) -> None:
        if scope.company_id is not None and players < self._min_company_n:
            raise WithheldForPrivacy(
                f"company {scope.company_id!r} has fewer than {self._min_company_n} distinct "
                "players in this range; its analytics are withheld"
            )

    async def active(self, scope: Range) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        activity = await self.activity(scope.company_id, scope.end)
        self._guard(scope, len(activity.players_between(scope.first, scope.last)))
        return active_players(activity, scope.first, scope.last), {"query": scope.echo()}

    async def retention(
        self, scope: Range, cohort: Cohort
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        until = min(self._now(), midnight(self.today() + timedelta(days=1)))
        activity = await self.activity(scope.company_id, until)
        self._guard(scope, len(activity.players_between(scope.first, scope.last)))
        grid = retention(activity, cohort=cohort, first=scope.first, last=scope.last,
                         observed_until=self.today())
        firsts = [min(days) for days in activity.days_by_player.values()]
        meta = {"query": {**scope.echo(), "cohort": cohort},
                "observed_until": self.today().isoformat(),
                "oldest_day": min(firsts).isoformat() if firsts else None}
        return grid, meta

    async def sessions(self, scope: Range) -> tuple[dict[str, Any], dict[str, Any]]:
        match = pipelines.scope_match(company_id=scope.company_id, start=scope.start,
                                      end=scope.end, players_only=False)
        totals, days = sessions.summarize(
            await self._rows(pipelines.sessions(match)), scope.first, scope.last
        )
        self._guard(scope, totals["players"])
        return {"totals": totals, "days": days}, {"query": scope.echo()}

    async def funnel(
        self, scope: Range, funnel: funnels.Funnel
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        for step in funnel.steps:
            checked_type(step.event_type)
            if step.field is not None:
                breakdown.checked_field(step.event_type, step.field)
        first, *rest = funnel.steps
        entry = pipelines.scope_match(company_id=scope.company_id, start=scope.start,
                                      end=scope.end) | first.match()
        starts = {r["_id"]: r["first"] for r in await self._rows(pipelines.first_times(entry))}
        self._guard(scope, len(starts))
        later = []
        for step in rest:
            match = pipelines.scope_match(
                company_id=scope.company_id, start=scope.start, end=scope.end + funnel.window
            ) | step.match()
            rows = await self._rows(pipelines.all_times(match))
            later.append({r["_id"]: r["times"] for r in rows})
        reached = funnels.walk(starts, later, funnel.window)
        meta = {"query": scope.echo(), "funnel": funnel.public()}
        return funnels.conversion(funnel.steps, reached), meta

    async def breakdown(
        self, scope: Range, event_type: str, field: str
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        breakdown.checked_field(checked_type(event_type), field)
        match = pipelines.scope_match(company_id=scope.company_id, start=scope.start,
                                      end=scope.end, players_only=False) | {"type": event_type}
        rows = await self._rows(pipelines.value_counts(field, match))
        self._guard(scope, len({r["_id"].get("u") for r in rows} - {None}))
        meta = {"query": {**scope.echo(), "type": event_type, "field": field}}
        return breakdown.counts(rows), meta

    async def companies(self, scope: Range) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The companies with events in the range, with their events and players."""
        match = pipelines.scope_match(company_id=None, start=scope.start, end=scope.end,
                                      players_only=False) | {"company_id": {"$ne": None}}
        rows = breakdown.counts(await self._rows(pipelines.value_counts("company_id", match)))
        listed = [{"company_id": r["value"], "events": r["events"], "players": r["players"],
                   "above_threshold": r["players"] >= self._min_company_n} for r in rows]
        return listed, {"query": scope.echo(), "min_company_n": self._min_company_n}
