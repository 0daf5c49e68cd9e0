"""Bucket keys and the stored form of a bucket. Pure.

A bucket is one period (a day or an ISO week) of one event type in one scope: the
whole game, one company or one user. Its `_id` is made of the seed's key, period
start + type + company_id? + user_id?, so every write of a bucket is an idempotent
upsert of the same document.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import quote

from questlog.stats.merge import Aggregate, FieldStats, merge, success_rate
from questlog.stats.periods import Period
from questlog.stats.quantiles import decode_sketch, encode_sketch
from questlog.stats.sketch import decode, encode

Scope = Literal["global", "company", "user"]
SCOPES: tuple[Scope, ...] = ("global", "company", "user")


@dataclass(frozen=True)
class Owner:
    """Whose bucket: the whole game, one company or one user."""

    scope: Scope
    company_id: str | None = None
    user_id: str | None = None

    @property
    def label(self) -> str:
        return self.company_id or self.user_id or ""


GLOBAL = Owner("global")


def owners_of(company_id: str | None, user_id: str | None) -> list[Owner]:
    """The buckets an event of this company and user counts in."""
    owners = [GLOBAL]
    if company_id is not None:
        owners.append(Owner("company", company_id=company_id))
    if user_id is not None:
        owners.append(Owner("user", user_id=user_id))
    return owners


def bucket_id(period_start: date, event_type: str, owner: Owner) -> str:
    """"2025-01-06/BILL_VOTE/company/c_1a2b": each part escaped, so ids never collide."""
    return id_prefix(period_start, event_type) + owner_part(owner)


def id_prefix(period_start: date, event_type: str) -> str:
    """The part of a bucket id that its period and type make (the same for many buckets)."""
    return f"{period_start.isoformat()}/{_escaped(event_type)}/"


def owner_part(owner: Owner) -> str:
    label = owner.label
    return f"{owner.scope}/{_escaped(label)}" if label else owner.scope


def _escaped(part: str) -> str:
    # quote() leaves these alone anyway; most ids are made of them only, and quote is slow.
    return part if _PLAIN.fullmatch(part) else quote(part, safe="")


_PLAIN = re.compile(r"[A-Za-z0-9_.\-~]*")


@dataclass(frozen=True)
class Span:
    """Where a bucket sits in time: its period, first day and UTC bounds."""

    period: Period
    start_day: date
    starts_at: datetime
    ends_at: datetime
    time_zone: str


def bucket_documents(
    span: Span, event_type: str, parts: Iterable[tuple[Owner, Aggregate]]
) -> list[dict[str, Any]]:
    """One document per owner, merging every part that belongs to it."""
    by_owner: defaultdict[Owner, list[Aggregate]] = defaultdict(list)
    for owner, aggregate in parts:
        by_owner[owner].append(aggregate)
    return [to_document(span, event_type, owner, merge(p)) for owner, p in by_owner.items()]


def bucket_header(span: Span, event_type: str, owner: Owner, _id: str) -> dict[str, Any]:
    """What names a bucket: its id, period, type and owner, and its period's bounds."""
    return {
        "_id": _id,
        "period": span.period,
        "period_start": span.start_day.isoformat(),
        "type": event_type,
        "scope": owner.scope,
        "company_id": owner.company_id,
        "user_id": owner.user_id,
        "starts_at": span.starts_at,
        "ends_at": span.ends_at,
        "time_zone": span.time_zone,
    }


def to_document(span: Span, event_type: str, owner: Owner, aggregate: Aggregate) -> dict[str, Any]:
    return {
        **bucket_header(span, event_type, owner, bucket_id(span.start_day, event_type, owner)),
        "count": aggregate.count,
        "successes": aggregate.successes,
        "distinct_users": aggregate.users.count(),
        "distinct_users_exact": aggregate.users.is_exact,
        **encode(aggregate.users),
        "fields": {name: _field_document(f) for name, f in aggregate.fields.items()},
        # Only where sampled events were counted: the estimates of the unsampled totals.
        **({} if aggregate.weighted_count is None
           else {"estimated_count": aggregate.weighted_count}),
    }


def _field_document(f: FieldStats) -> dict[str, Any]:
    stored = {"n": f.n, "sum": f.total, "sum_sq": f.total_sq, "min": f.low, "max": f.high,
              "q": encode_sketch(f.sketch)}
    if f.weighted_total is not None:
        stored["weighted_sum"] = f.weighted_total
    return stored


def owner_of(document: dict[str, Any]) -> Owner:
    return Owner(document["scope"], document.get("company_id"), document.get("user_id"))


def aggregate_of(document: dict[str, Any]) -> Aggregate:
    return Aggregate(
        count=document["count"],
        successes=document.get("successes"),
        users=decode(document),
        fields=_fields_of(document),
        weighted_count=document.get("estimated_count"),
    )


def _fields_of(document: dict[str, Any]) -> dict[str, FieldStats]:
    return {
        name: FieldStats(
            n=f["n"], total=f["sum"], total_sq=f["sum_sq"], low=f["min"], high=f["max"],
            sketch=decode_sketch(f.get("q")),
            weighted_total=f.get("weighted_sum"),
        )
        for name, f in document.get("fields", {}).items()
    }


def public(document: dict[str, Any]) -> dict[str, Any]:
    """A bucket as the stats API shows it (its sketch is left packed: the count is stored)."""
    return {
        "period": document["period"],
        "period_start": document["period_start"],
        "type": document["type"],
        "scope": document["scope"],
        "company_id": document.get("company_id"),
        "user_id": document.get("user_id"),
        "count": document["count"],
        "distinct_users": document["distinct_users"],
        "distinct_users_exact": document["distinct_users_exact"],
        "success_rate": success_rate(document.get("successes"), document["count"]),
        # count, scaled by 1 / sample_rate for sampled events: the unsampled total's
        # estimate; when sampled, distinct users are those of the sampled cohort (exact
        # over it, never scaled).
        "estimated_count": document.get("estimated_count", document["count"]),
        "sampled": "estimated_count" in document,
        "fields": {
            name: {**f.finalize(), "estimated_sum": f.estimated_total}
            for name, f in _fields_of(document).items()
        },
    }
