"""Bucket keys and the stored form of buckets. Pure.

A bucket is one period (a day or an ISO week) of one event type in one scope: the
whole game, one company or one user. The buckets of one period and one owner are
stored together, in one document whose `types` maps each event type to its bucket's
statistics: a player's day is one document whatever the types they played, so a day's
rollup writes about half as many documents (and index entries) as with a document per
type, and an owner's reads are one range of `_id`s.

The `_id` is the owner, then the period start: `company/c_1a2b/2025-01-06`,
`global/2025-01-06`. Each part is escaped, so ids never collide, and an owner's
documents sort by period, so `owner_range` finds any span of them through the `_id`
index alone. Every write of a document is an idempotent upsert of the same document.

Readers see buckets one type at a time, flat (`flat`): the document's naming fields,
`type`, and that type's statistics, the shape the API shows. Event types are the
catalogs' names (identifiers: never a "." or a leading "$"), so each is a plain key of
`types` and a query can name `types.<type>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import quote

from questlog.stats.merge import Aggregate, FieldStats, exact_sum, merge, success_rate, weighted
from questlog.stats.periods import Period
from questlog.stats.quantiles import decode_sketch, encode_sketch, merge_sketches
from questlog.stats.sketch import EXACT_LIMIT, decode, encode

Scope = Literal["global", "company", "user"]
TYPES = "types"  # the stored document's map of event type -> statistics


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


def owner_part(owner: Owner) -> str:
    """The first part of the owner's ids: "company/c_1a2b/", "global/"."""
    return scope_part(owner.scope, owner.label)


def scope_part(scope: Scope, label: str) -> str:
    """owner_part of the owner of `scope` named `label` ("" for the game)."""
    return f"{scope}/{_escaped(label)}/" if label else f"{scope}/"


def bucket_id(owner: Owner, period_start: date | str) -> str:
    start = period_start if isinstance(period_start, str) else period_start.isoformat()
    return owner_part(owner) + start


def owner_range(owner: Owner, first: str | None = None, last: str | None = None
                ) -> dict[str, Any]:
    """The query of the owner's documents whose period starts in first..last (both
    included; either open): a range of `_id`s. ISO dates sort as they compare, and
    "0" follows "/", so `prefix + "0"` bounds every id of the owner."""
    prefix = owner_part(owner)
    upper = {"$lte": prefix + last} if last else {"$lt": prefix[:-1] + "0"}
    return {"_id": {"$gte": prefix + (first or ""), **upper}}


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


# The naming fields of a stored document, besides its _id (see bucket_header).
NAMING = ("period", "period_start", "scope", "company_id", "user_id", "starts_at", "ends_at",
          "time_zone")


def bucket_header(span: Span, owner: Owner, _id: str) -> dict[str, Any]:
    """What names a document: its id, period and owner, and its period's bounds."""
    return {
        "_id": _id,
        "period": span.period,
        "period_start": span.start_day.isoformat(),
        "scope": owner.scope,
        "company_id": owner.company_id,
        "user_id": owner.user_id,
        "starts_at": span.starts_at,
        "ends_at": span.ends_at,
        "time_zone": span.time_zone,
    }


def to_document(span: Span, owner: Owner, types: Mapping[str, dict[str, Any]]
                ) -> dict[str, Any]:
    """The stored document of one owner's period; `types` maps event type -> stored_part."""
    return {**bucket_header(span, owner, bucket_id(owner, span.start_day)), TYPES: dict(types)}


def stored_part(aggregate: Aggregate) -> dict[str, Any]:
    """One type's statistics, as stored under the document's `types`."""
    return {
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


def merged_part(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """stored_part(merge([aggregate_of(p) for p in parts])), worked out on the stored
    parts themselves: a week's merge of its days (rollup.merged_by_owner) makes no
    Aggregate or FieldStats objects to encode back (a property test holds the two
    equal). Users kept as a HyperLogLog, or more than EXACT_LIMIT together, go the
    objects' way."""
    users = _exact_users(parts)
    if users is None:
        return stored_part(merge([aggregate_of(p) for p in parts]))
    successes = [p["successes"] for p in parts if p.get("successes") is not None]
    fields: dict[str, list[Mapping[str, Any]]] = {}
    for part in parts:
        for name, stored in part.get("fields", {}).items():
            fields.setdefault(name, []).append(stored)
    merged = {
        "count": sum(p["count"] for p in parts),
        "successes": sum(successes) if successes else None,
        "distinct_users": len(users),
        "distinct_users_exact": True,
        "users": sorted(users),
        "users_hll": None,
        "fields": {name: _merged_field(stored) for name, stored in fields.items()},
    }
    estimate = weighted([(p.get("estimated_count"), p.get("estimated_count", p["count"]))
                         for p in parts])
    if estimate is not None:
        merged["estimated_count"] = estimate
    return merged


def _exact_users(parts: list[dict[str, Any]]) -> set[str] | None:
    """The users of `parts` together, if every part keeps its users' ids and they stay
    within EXACT_LIMIT; else None."""
    users: set[str] = set()
    for part in parts:
        ids = part.get("users")
        if part.get("users_hll") is not None or not isinstance(ids, list):
            return None
        users.update(ids)
    return users if len(users) <= EXACT_LIMIT else None


def _merged_field(fields: list[Mapping[str, Any]]) -> dict[str, Any]:
    """_field_document(merge_fields(...)) of stored fields."""
    lows = [f["min"] for f in fields if f["min"] is not None]
    highs = [f["max"] for f in fields if f["max"] is not None]
    sketch = merge_sketches([decode_sketch(f.get("q")) for f in fields])
    merged = {"n": sum(f["n"] for f in fields), "sum": exact_sum([f["sum"] for f in fields]),
              "sum_sq": exact_sum([f["sum_sq"] for f in fields]),
              "min": min(lows, default=None), "max": max(highs, default=None),
              "q": encode_sketch(sketch)}
    estimate = weighted([(f.get("weighted_sum"), f.get("weighted_sum", f["sum"]))
                         for f in fields])
    if estimate is not None:
        merged["weighted_sum"] = estimate
    return merged


def owner_of(document: Mapping[str, Any]) -> Owner:
    return Owner(document["scope"], document.get("company_id"), document.get("user_id"))


def flat(document: Mapping[str, Any], event_type: str) -> dict[str, Any]:
    """The bucket of `event_type` in a stored document: its naming fields, the type and
    that type's statistics (KeyError when the owner had no such event in the period)."""
    naming = {k: v for k, v in document.items() if k != TYPES}
    return {**naming, "type": event_type, **document[TYPES][event_type]}


def flat_buckets(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every bucket of a stored document, one per event type."""
    for event_type in document[TYPES]:
        yield flat(document, event_type)


def aggregate_of(part: dict[str, Any]) -> Aggregate:
    """The statistics of one type's part (or of a flat bucket, which holds them too)."""
    return Aggregate(
        count=part["count"],
        successes=part.get("successes"),
        users=decode(part),
        fields=_fields_of(part),
        weighted_count=part.get("estimated_count"),
    )


def _fields_of(part: Mapping[str, Any]) -> dict[str, FieldStats]:
    return {
        name: FieldStats(
            n=f["n"], total=f["sum"], total_sq=f["sum_sq"], low=f["min"], high=f["max"],
            sketch=decode_sketch(f.get("q")),
            weighted_total=f.get("weighted_sum"),
        )
        for name, f in part.get("fields", {}).items()
    }


def public(bucket: Mapping[str, Any]) -> dict[str, Any]:
    """A flat bucket as the stats API shows it (its sketch is left packed: the count is
    stored)."""
    return {
        "period": bucket["period"],
        "period_start": bucket["period_start"],
        "type": bucket["type"],
        "scope": bucket["scope"],
        "company_id": bucket.get("company_id"),
        "user_id": bucket.get("user_id"),
        "count": bucket["count"],
        "distinct_users": bucket["distinct_users"],
        "distinct_users_exact": bucket["distinct_users_exact"],
        "success_rate": success_rate(bucket.get("successes"), bucket["count"]),
        # count, scaled by 1 / sample_rate for sampled events: the unsampled total's
        # estimate; when sampled, distinct users are those of the sampled cohort (exact
        # over it, never scaled).
        "estimated_count": bucket.get("estimated_count", bucket["count"]),
        "sampled": "estimated_count" in bucket,
        "fields": {
            name: {**f.finalize(), "estimated_sum": f.estimated_total}
            for name, f in _fields_of(bucket).items()
        },
    }
