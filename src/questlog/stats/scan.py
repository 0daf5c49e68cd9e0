"""One pass over a day's raw events into its buckets' documents. Pure.

The rollup's hot path. Each event is read once (the store streams the day's events
over the event_time index) and added to the buckets it counts in: its type's bucket
of the whole game, of its company and of its player. The documents are one per owner
(see buckets.py), each holding the owner's buckets of every type.

Most buckets hold one event (a player rarely sends one type twice a day), so a bucket
first keeps just that event (`Seen`) and becomes an Accumulator (accumulator.py) at its
second one. A one-event bucket's field statistics depend on its value alone and are
built once per distinct value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from questlog.stats.accumulator import (
    EMPTY_FIELD,
    Accumulator,
    Seen,
    accumulated_part,
    sketch_key,
    sketch_of,
)
from questlog.stats.buckets import TYPES, Owner, Span, bucket_header, owner_part
from questlog.stats.fields import SHAPES, SUCCESS_FIELD, TypeShape

SAMPLE_RATE = "sample_rate"  # stored on a sampled event (questlog.ops.sampling)
_NO_SHAPE = TypeShape()
_NUMBER = (int, float)  # bool is its own type here, never counted as a number
_UNSEEN = object()


Bucket = Seen | Accumulator
OwnerKey = tuple[str, str | None]  # (scope, company or user id): tuples hash fast
_GLOBAL_KEY: OwnerKey = ("global", None)


def _owner(scope: str, label: str | None) -> Owner:
    if scope == "company":
        return Owner("company", company_id=label)
    return Owner("user", user_id=label) if scope == "user" else Owner("global")


class DayScan:
    """Feed it a day's events (`add`), then take its documents (`iter_documents`)."""

    def __init__(self) -> None:
        self.owners: dict[OwnerKey, dict[str, Bucket]] = {}
        self.events = 0
        self._keys: dict[float, int | None] = {}  # sketch keys of the values seen: they repeat
        self._single: dict[tuple[float, type], dict[str, Any]] = {}  # see _single_field

    def add_all(self, events: Iterable[Mapping[str, Any]]) -> None:
        for event in events:
            self.add(event)

    def add(self, event: Mapping[str, Any]) -> None:
        event_type = event.get("type")
        if type(event_type) is not str:
            return
        self.events += 1
        shape = SHAPES.get(event_type, _NO_SHAPE)
        company, user = event.get("company_id"), event.get("user_id")
        present: list[tuple[str, float, int | None]] = []
        keys = self._keys
        for name in shape.numeric:
            value: Any = event.get(name)
            if type(value) in _NUMBER:
                key = keys.get(value, _UNSEEN)
                if key is _UNSEEN:
                    key = keys[value] = sketch_key(value)
                present.append((name, value, key))  # type: ignore[arg-type]
        seen = Seen(present, shape.has_success and event.get(SUCCESS_FIELD) is True,
                    event.get(SAMPLE_RATE), user)
        owners = self.owners
        self._count(owners, _GLOBAL_KEY, event_type, shape, seen)
        if company is not None:
            self._count(owners, ("company", company), event_type, shape, seen)
        if user is not None:
            self._count(owners, ("user", user), event_type, shape, seen)

    @staticmethod
    def _count(owners: dict[OwnerKey, dict[str, Bucket]], owner: OwnerKey, event_type: str,
               shape: TypeShape, seen: Seen) -> None:
        buckets = owners.get(owner)
        if buckets is None:
            owners[owner] = {event_type: seen}
            return
        bucket = buckets.get(event_type)
        if bucket is None:
            buckets[event_type] = seen
            return
        if type(bucket) is Seen:
            first, bucket = bucket, Accumulator(shape)
            buckets[event_type] = bucket
            bucket.add(first)
        bucket.add(seen)  # type: ignore[union-attr]

    def iter_documents(self, span: Span) -> Iterator[dict[str, Any]]:
        """One document per owner, with its buckets of every type (buckets.to_document's
        shape, built here directly: this runs hundreds of thousands of times a dense day)."""
        start = span.start_day.isoformat()
        for (scope, label), buckets in self.owners.items():
            owner = _owner(scope, label)
            document = bucket_header(span, owner, owner_part(owner) + start)
            document[TYPES] = {t: self._part(t, buckets[t]) for t in sorted(buckets)}
            yield document

    def documents(self, span: Span) -> list[dict[str, Any]]:
        return list(self.iter_documents(span))

    def _part(self, event_type: str, bucket: Bucket) -> dict[str, Any]:
        if type(bucket) is Seen:
            return self._single_part(SHAPES.get(event_type, _NO_SHAPE), bucket)
        return accumulated_part(bucket)  # type: ignore[arg-type]

    def _single_part(self, shape: TypeShape, seen: Seen) -> dict[str, Any]:
        """A one-event bucket's statistics (the shape of accumulated_part)."""
        user, rate = seen.user, seen.rate
        fields = dict.fromkeys(shape.numeric, EMPTY_FIELD)
        for name, value, key in seen.present:
            fields[name] = self._single_field(value, key, rate)
        part: dict[str, Any] = {
            "count": 1,
            "successes": int(seen.success) if shape.has_success else None,
            "distinct_users": 0 if user is None else 1,
            "distinct_users_exact": True,
            "users": [] if user is None else [user],
            "users_hll": None,
            "fields": fields,
        }
        if rate is not None:
            part["estimated_count"] = 1 / rate
        return part

    def _single_field(self, value: float, key: int | None, rate: float | None
                      ) -> dict[str, Any]:
        """One value's field statistics. Unsampled, they are shared between the buckets
        of equal values (values repeat; documents are only encoded, never changed): by
        value and type, as 1 and 1.0 are stored apart; zeros not, for -0.0 is not 0.0."""
        memo = rate is None and value != 0
        if memo:
            stored = self._single.get((value, type(value)))
            if stored is not None:
                return stored
        stored = {"n": 1, "sum": float(value), "sum_sq": float(value * value),
                  "min": value, "max": value, "q": sketch_of([key])}
        if rate is not None:
            stored["weighted_sum"] = value / rate
        elif memo:
            self._single[(value, type(value))] = stored
        return stored

