"""One pass over a day's raw events into its buckets' documents. Pure.

The rollup's hot path. Each event is read once (the store streams the day's events
over the event_time index) and added to the buckets it counts in: its type's bucket
of the whole game, of its company and of its player. The documents are one per owner
(see buckets.py), each holding the owner's buckets of every type.

Most buckets hold one event (a player rarely sends one type twice a day), so a bucket
first keeps just that event (`Seen`) and becomes an Accumulator at its second one. An
accumulator keeps the raw numbers of its bucket (per field the values, and their
sketch keys, computed once per distinct value), so that each figure comes out of all
of the bucket's values at once: sums by math.fsum (exact), the sketch by counting
keys. A one-event bucket's field statistics depend on its value alone and are built
once per distinct value. All of this was measured: per bucket, building accumulators
and their field documents was most of the rollup's Python time.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from questlog.stats.buckets import TYPES, Owner, Span, bucket_header, owner_part
from questlog.stats.fields import SHAPES, SUCCESS_FIELD, TypeShape
from questlog.stats.merge import exact_sum
from questlog.stats.quantiles import MAPPING
from questlog.stats.sketch import EXACT_LIMIT, users_of

SAMPLE_RATE = "sample_rate"  # stored on a sampled event (questlog.ops.sampling)
# Sketch keys of one field in one list: a positive value's key as is, a negative
# value's key of |x| shifted by NEGATIVE, a zero as ZERO. A double's key lies within
# +-2**16 (log_gamma of 1e+-308 is about 35,500), so the ranges never meet.
NEGATIVE = 1 << 40
NEGATIVE_FROM = NEGATIVE >> 1
ZERO = 1 << 42
_key, _smallest = MAPPING.key, MAPPING.min_possible
_NO_SHAPE = TypeShape()
_NUMBER = (int, float)  # bool is its own type here, never counted as a number
_UNSEEN = object()
_FEW = 32


def sketch_key(x: float) -> int | None:
    """The tagged sketch key of a value; None for NaN, which counts nowhere."""
    if x > _smallest:
        return _key(x)
    if x < -_smallest:
        return NEGATIVE + _key(-x)
    return ZERO if x == x else None


class Seen(NamedTuple):
    """One event, as its buckets need it: its numbers (name, value, sketch key)."""

    present: list[tuple[str, float, int | None]]
    success: bool
    rate: float | None
    user: str | None


class FieldValues:
    """The values of one numeric field in one bucket."""

    __slots__ = ("keys", "values", "weighted")

    def __init__(self) -> None:
        self.values: list[float] = []
        self.keys: list[int | None] = []
        self.weighted: list[float] | None = None  # v / rate, only once a sampled value came


class Accumulator:
    """Everything a bucket of two events or more needs, as they stream by."""

    __slots__ = ("count", "fields", "rates", "successes", "users")

    def __init__(self, shape: TypeShape) -> None:
        self.count = 0
        self.successes = 0 if shape.has_success else None
        self.rates: list[float] | None = None  # 1 / rate of each event, once one is sampled
        self.users: set[str] = set()
        self.fields = {name: FieldValues() for name in shape.numeric}

    def add(self, seen: Seen) -> None:
        self.count += 1
        if seen.success:
            self.successes += 1  # type: ignore[operator]
        if seen.user is not None:
            self.users.add(seen.user)
        rate = seen.rate
        if rate is not None or self.rates is not None:
            self._weigh(rate)
        fields = self.fields
        for name, value, key in seen.present:
            values = fields[name]
            values.values.append(value)
            values.keys.append(key)
            if values.weighted is not None:
                values.weighted.append(value / rate if rate is not None else value)

    def _weigh(self, rate: float | None) -> None:
        """Record an event's weight; the first sampled event weighs the earlier ones at 1."""
        if self.rates is None:
            self.rates = [1.0] * (self.count - 1)
            for values in self.fields.values():
                values.weighted = list(values.values)
        self.rates.append(1 / rate if rate is not None else 1.0)


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
                  "min": value, "max": value, "q": _sketch([key])}
        if rate is not None:
            stored["weighted_sum"] = value / rate
        elif memo:
            self._single[(value, type(value))] = stored
        return stored


EMPTY_FIELD: dict[str, Any] = {  # a field no event of the bucket held a number for
    "n": 0, "sum": 0.0, "sum_sq": 0.0, "min": None, "max": None,
    "q": {"pk": [], "pc": [], "nk": [], "nc": [], "z": 0}}


def accumulated_part(bucket: Accumulator) -> dict[str, Any]:
    """The stored statistics of one bucket of several events (buckets.stored_part's shape)."""
    users = bucket.users
    if len(users) <= EXACT_LIMIT:
        stored_users: dict[str, Any] = {"users": sorted(users), "users_hll": None}
        distinct, exact = len(users), True
    else:
        sketch = users_of(users)
        assert sketch.registers is not None
        stored_users = {"users": None, "users_hll": zlib.compress(sketch.registers)}
        distinct, exact = sketch.count(), False
    stored = {
        "count": bucket.count,
        "successes": bucket.successes,
        "distinct_users": distinct,
        "distinct_users_exact": exact,
        **stored_users,
        "fields": {name: _field(values) for name, values in bucket.fields.items()},
    }
    if bucket.rates is not None:
        stored["estimated_count"] = math.fsum(bucket.rates)
    return stored


def _field(values: FieldValues) -> dict[str, Any]:
    numbers = values.values
    if not numbers:
        return EMPTY_FIELD
    stored = {"n": len(numbers), "sum": exact_sum(numbers),
              "sum_sq": exact_sum([v * v for v in numbers]),
              "min": min(numbers), "max": max(numbers), "q": _sketch(values.keys)}
    if values.weighted is not None:
        stored["weighted_sum"] = exact_sum(values.weighted)
    return stored


def _sketch(keys: list[int | None]) -> dict[str, Any]:
    """quantiles.encode_sketch's form, from the tagged keys."""
    if len(keys) == 1:
        key = keys[0]
        if key is None:
            return {"pk": [], "pc": [], "nk": [], "nc": [], "z": 0}
        if key == ZERO:
            return {"pk": [], "pc": [], "nk": [], "nc": [], "z": 1}
        if key >= NEGATIVE_FROM:
            return {"pk": [], "pc": [], "nk": [key - NEGATIVE], "nc": [1], "z": 0}
        return {"pk": [key], "pc": [1], "nk": [], "nc": [], "z": 0}
    if len(keys) > _FEW:
        counts: dict[int | None, int] = Counter(keys)
    else:  # Counter's own set-up is most of the time for a few keys (most buckets)
        counts = {}
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    zeros = counts.pop(ZERO, 0)
    counts.pop(None, None)
    pk, pc, nk, nc = [], [], [], []
    for key in sorted(counts):  # type: ignore[type-var]
        if key >= NEGATIVE_FROM:  # type: ignore[operator]
            nk.append(key - NEGATIVE)  # type: ignore[operator]
            nc.append(counts[key])
        else:
            pk.append(key)
            pc.append(counts[key])
    return {"pk": pk, "pc": pc, "nk": nk, "nc": nc, "z": zeros}
