"""Reading buckets for designers, with seed 004's privacy rule for companies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from questlog.events import EVENT_TYPES
from questlog.stats.buckets import (
    NAMING,
    TYPES,
    Owner,
    Scope,
    aggregate_of,
    flat,
    owner_of,
    public,
    stored_part,
    to_document,
)
from questlog.stats.merge import Aggregate, merge
from questlog.stats.periods import (
    Calendar,
    Period,
    Rejected,
    checked_range,
    period_starts,
    week_of,
)

# owner_documents and BY_ID live in repository.py; access/ still imports them from here.
from questlog.stats.repository import BY_ID as BY_ID
from questlog.stats.repository import owner_documents as owner_documents
from questlog.stats.rollup import weekly_span
from questlog.stats.sketch import decode, merge_users
from questlog.store.types import MotorCollection

MAX_READ_DAYS = 400
DEFAULT_DAYS = {"daily": 7, "weekly": 8 * 7}
# The days a query may name: its default range (8 weeks back), its last week's end and
# the bucket time zone's offset must stay within the dates Python can represent.
FIRST_DAY, LAST_DAY = date.min + timedelta(days=70), date.max - timedelta(days=14)


class WithheldForPrivacy(Exception):
    """A company with too few distinct users for its aggregates to be shown."""


@dataclass(frozen=True)
class StatsQuery:
    event_type: str
    scope: Scope
    company_id: str | None
    user_id: str | None
    period: Period
    first: date
    last: date

    def echo(self) -> dict[str, Any]:
        return {
            "type": self.event_type, "scope": self.scope, "company_id": self.company_id,
            "user_id": self.user_id, "period": self.period,
            "from": self.first.isoformat(), "to": self.last.isoformat(),
        }


def stats_query(
    *, event_type: str, scope: Scope, company_id: str | None, user_id: str | None,
    period: Period, first: date | None, last: date | None, today: date,
    extra_types: frozenset[str] = frozenset(),
) -> StatsQuery:
    """The query with its default range (the last week of days, or 8 weeks), checked;
    `extra_types` are pseudo types read from elsewhere (sessions)."""
    if event_type not in EVENT_TYPES and event_type not in extra_types:
        raise Rejected("unknown_event_type", f"unknown event type {event_type[:64]!r}")
    wanted = {"company": "company_id", "user": "user_id"}.get(scope)
    for name, value in (("company_id", company_id), ("user_id", user_id)):
        if name == wanted and not value:
            raise Rejected("invalid_query", f"scope={scope} needs {name}")
        if name != wanted and value is not None:
            raise Rejected("invalid_query", f"{name} goes with scope={name.removesuffix('_id')}")
    for name, day in (("from", first), ("to", last)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise Rejected("invalid_range", f"{name} ({day}) is outside {FIRST_DAY}..{LAST_DAY}")
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS[period] - 1)
    if period == "weekly":
        first = week_of(first)  # a week is shown whole when the range starts inside it
    checked_range(first, last, max_days=MAX_READ_DAYS)
    return StatsQuery(event_type, scope, company_id, user_id, period, first, last)


async def read_stats(
    collection: MotorCollection, query: StatsQuery, *, calendar: Calendar,
    now: datetime, min_company_n: int, daily: MotorCollection | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The query's buckets oldest first, and meta; WithheldForPrivacy for a small company.

    A player's weeks are not stored (see Rollup.week): they are merged here from the
    player's days in `daily`, the merge the weekly rollup would have stored."""
    starts = [d.isoformat() for d in period_starts(query.period, query.first, query.last)]
    owner = Owner(query.scope, query.company_id, query.user_id)
    if query.period == "weekly" and query.scope == "user" and daily is not None:
        last_day = date.fromisoformat(starts[-1]) + timedelta(days=6)
        days = await _type_buckets(daily, owner, query.event_type, starts[0], last_day.isoformat())
        documents = weeks_of_days(days, calendar)
    else:
        documents = await _type_buckets(collection, owner, query.event_type, starts[0], starts[-1])
    if query.scope == "company":
        users = merge_users(decode(d) for d in documents).count()
        if users < min_company_n:
            raise WithheldForPrivacy(  # without the count: that would tell too much already
                f"company {query.company_id!r} has fewer than {min_company_n} distinct users "
                f"of {query.event_type} in this range; its aggregates are withheld"
            )
    _, last_end = calendar.bounds(query.period, date.fromisoformat(starts[-1]))
    meta = {"query": query.echo(), "time_zone": calendar.time_zone,
            "last_period_open": now < last_end}
    return [public(d) for d in documents], meta


async def _type_buckets(
    collection: MotorCollection, owner: Owner, event_type: str, first: str, last: str
) -> list[dict[str, Any]]:
    """The owner's flat buckets of `event_type` whose periods start in first..last, oldest
    first: one range of _ids, only that type's part of each document read."""
    wanted = f"{TYPES}.{event_type}"
    projection = dict.fromkeys(NAMING, 1) | {wanted: 1}
    found = owner_documents(collection, owner, first, last, projection,
                            also={wanted: {"$exists": True}})
    buckets = [flat(d, event_type) async for d in found]
    # Sorted here: secantusd-rs answers the hinted range in the order its documents
    # were stored, whatever the sort (see repository.owner_documents).
    buckets.sort(key=lambda b: b["period_start"])
    return buckets


def weeks_of_days(days: list[dict[str, Any]], calendar: Calendar) -> list[dict[str, Any]]:
    """One owner's flat daily buckets of one type, oldest first, merged into its weeks."""
    weeks: dict[date, list[Aggregate]] = {}
    for bucket in days:
        weeks.setdefault(week_of(date.fromisoformat(bucket["period_start"])), []).append(
            aggregate_of(bucket))
    if not days:
        return []
    owner, event_type = owner_of(days[0]), days[0]["type"]
    return [flat(to_document(weekly_span(calendar, monday), owner,
                             {event_type: stored_part(merge(parts))}), event_type)
            for monday, parts in weeks.items()]
