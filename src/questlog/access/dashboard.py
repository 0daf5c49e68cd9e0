"""A company's dashboard (seed 004): aggregates of one company only, above the threshold.

Players and event counts come from the company's daily statistics buckets; sessions and
their metrics (FTA level, repetition burden, earth score) from the AttemptSubmitted
events still stored (raw events expire after QUESTLOG_RAW_TTL_DAYS). Nothing here
returns a raw event or a per-player number.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from questlog.access.earth_metrics import SessionMetrics, session_metrics
from questlog.clock import utcnow
from questlog.stats.buckets import Owner, flat_buckets
from questlog.stats.periods import Calendar, week_of
from questlog.stats.repository import owner_documents, owner_users
from questlog.stats.sketch import decode, merge_users
from questlog.store.types import MotorCollection

Bucket = Literal["day", "week"]
DEFAULT_DAYS = 30
MAX_DAYS = 400
NOT_ENOUGH = "not enough data yet"


class BelowThreshold(Exception):
    pass


@dataclass(frozen=True)
class Period:
    first: date
    last: date


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Dashboard:
    def __init__(self, *, daily: MotorCollection, events: MotorCollection, calendar: Calendar,
                 min_company_n: int, clock: Callable[[], datetime] = utcnow) -> None:
        self._daily, self._events, self._calendar = daily, events, calendar
        self._min, self._clock = min_company_n, clock

    def period(self, first: date | None, last: date | None) -> Period:
        last = last or self._calendar.day_of(self._clock())
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last or (last - first).days >= MAX_DAYS:
            raise ValueError(f"from..to must be 1 to {MAX_DAYS} days, in order")
        return Period(first, last)

    async def company(self, company_id: str) -> dict[str, Any]:
        """Always answers: the company, its player count and whether it can be shown."""
        players = await self._players(company_id, None)
        enough = players >= self._min
        return {"company_id": company_id, "players": players, "min_company_n": self._min,
                "status": "ok" if enough else NOT_ENOUGH}

    async def summary(self, company_id: str, period: Period) -> dict[str, Any]:
        players = await self._guard(company_id, period)
        buckets = await self._buckets(company_id, period)
        sessions = await self._sessions(company_id, period)
        return {"company_id": company_id, "from": period.first.isoformat(),
                "to": period.last.isoformat(), "players": players,
                **_session_figures(list(sessions.values())),
                "event_counts": _counts(buckets)}

    async def timeseries(self, company_id: str, period: Period, bucket: Bucket) -> dict[str, Any]:
        await self._guard(company_id, period)
        buckets = await self._buckets(company_id, period)
        sessions = await self._sessions(company_id, period)
        key = (lambda d: d) if bucket == "day" else week_of
        rows: defaultdict[date, list[dict[str, Any]]] = defaultdict(list)
        for b in buckets:
            rows[key(date.fromisoformat(b["period_start"]))].append(b)
        by_start: defaultdict[date, list[SessionMetrics]] = defaultdict(list)
        for (_, first_day), metrics in sessions.items():
            by_start[key(first_day)].append(metrics)
        series = []
        for start in sorted(set(rows) | set(by_start)):
            series.append({
                "period_start": start.isoformat(),
                "players": merge_users(decode(b) for b in rows.get(start, [])).count(),
                **_session_figures(by_start.get(start, [])),
                "event_counts": _counts(rows.get(start, [])),
            })
        return {"company_id": company_id, "bucket": bucket, "from": period.first.isoformat(),
                "to": period.last.isoformat(), "series": series}

    async def _guard(self, company_id: str, period: Period) -> int:
        players = await self._players(company_id, period)
        if players < self._min:
            raise BelowThreshold(
                f"fewer than {self._min} distinct players in this period: "
                "the company's aggregates are withheld")
        return players

    async def _players(self, company_id: str, period: Period | None) -> int:
        """Distinct players, read without the buckets' field statistics."""
        first, last = (None, None) if period is None else (
            period.first.isoformat(), period.last.isoformat())
        users = await owner_users(self._daily, Owner("company", company_id=company_id),
                                  first, last)
        return users.count()

    async def _buckets(self, company_id: str, period: Period | None) -> list[dict[str, Any]]:
        """The company's daily buckets of every type (in `period`, or all of them)."""
        first, last = (None, None) if period is None else (
            period.first.isoformat(), period.last.isoformat())
        documents = owner_documents(self._daily, Owner("company", company_id=company_id),
                                    first, last)
        return [b async for d in documents for b in flat_buckets(d)]

    async def _sessions(self, company_id: str, period: Period) -> dict[tuple[str, date],
                                                                        SessionMetrics]:
        """Each session's metrics, keyed by (session, its first day)."""
        starts_at = self._calendar.midnight(period.first)
        ends_at = self._calendar.midnight(period.last + timedelta(days=1))
        query = {"type": "AttemptSubmitted", "company_id": company_id,
                 "event_time": {"$gte": starts_at, "$lt": ends_at}}
        fields = {"session_id": 1, "sequence": 1, "attempt_number": 1, "success": 1,
                  "event_time": 1}
        attempts: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        async for a in self._events.find(query, fields):
            attempts[a["session_id"]].append(a)
        out = {}
        for session, rows in attempts.items():
            metrics = session_metrics(rows)
            first = self._calendar.day_of(min(_utc(r["event_time"]) for r in rows))
            if metrics is not None:
                out[(session, first)] = metrics
        return out


def _session_figures(sessions: list[SessionMetrics]) -> dict[str, Any]:
    n = len(sessions)
    scores = Counter(s.earth_score for s in sessions)
    return {
        "sessions": n,
        "mean_fta_level": sum(s.fta_level for s in sessions) / n if n else None,
        "mean_repetition_burden": sum(s.repetition_burden for s in sessions) / n if n else None,
        "earth_score_distribution": {str(k): scores.get(k, 0) for k in (0, 5, 10)},
    }


def _counts(buckets: list[dict[str, Any]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for b in buckets:
        counts[b["type"]] += b["count"]
    return dict(sorted(counts.items()))
