"""One pass over a day's raw events into its buckets' documents. Pure.

The rollup's hot path. Each event is read once (the store streams the day's events
over the event_time index) and added to the accumulators of the buckets it counts in:
its type's global bucket, its company's and its player's. An accumulator keeps the
raw numbers of its bucket (per field the values, and their sketch keys, computed once
per value), so that each figure comes out of all of the bucket's values at once: sums
by math.fsum (exact), the sketch by counting keys. Then each accumulator becomes the
stored document of its bucket (buckets.to_document's shape, built here directly: this
runs once per bucket, hundreds of thousands of times on a dense day).

Measured on secantusd-rs, streaming the events costs about what a server-side $group
of them does (the server's $group with every numeric field $push-ed cost ten times
its plain count), and building the documents straight from the accumulators avoids
the per-row Aggregate objects and their merges.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from questlog.stats.buckets import GLOBAL, Owner, Span, bucket_header, id_prefix, owner_part
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


def sketch_key(x: float) -> int | None:
    """The tagged sketch key of a value; None for NaN, which counts nowhere."""
    if x > _smallest:
        return _key(x)
    if x < -_smallest:
        return NEGATIVE + _key(-x)
    return ZERO if x == x else None


class FieldValues:
    """The values of one numeric field in one bucket."""

    __slots__ = ("keys", "values", "weighted")

    def __init__(self) -> None:
        self.values: list[float] = []
        self.keys: list[int | None] = []
        self.weighted: list[float] | None = None  # v / rate, only once a sampled value came


class Accumulator:
    """Everything one bucket needs, as it streams by."""

    __slots__ = ("count", "fields", "rates", "successes", "users")

    def __init__(self, shape: TypeShape) -> None:
        self.count = 0
        self.successes = 0 if shape.has_success else None
        self.rates: list[float] | None = None  # 1 / rate of each event, once one is sampled
        self.users: set[str] = set()
        self.fields = {name: FieldValues() for name in shape.numeric}


# (type, scope, company or user id): plain tuples hash and compare far faster than Owner.
BucketKey = tuple[str, str, str | None]


def _owner(scope: str, label: str | None) -> Owner:
    if scope == "company":
        return Owner("company", company_id=label)
    return Owner("user", user_id=label) if scope == "user" else GLOBAL


class DayScan:
    """Feed it a day's events (`add`), then take its buckets' documents (`documents`)."""

    def __init__(self) -> None:
        self.buckets: dict[BucketKey, Accumulator] = {}
        self.events = 0
        self._keys: dict[float, int | None] = {}  # sketch keys of the values seen: they repeat

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
        owners: list[BucketKey] = [(event_type, "global", None)]
        if company is not None:
            owners.append((event_type, "company", company))
        if user is not None:
            owners.append((event_type, "user", user))
        rate = event.get(SAMPLE_RATE)
        success = shape.has_success and event.get(SUCCESS_FIELD) is True
        present: list[tuple[str, float, int | None]] = []
        keys = self._keys
        for name in shape.numeric:
            value: Any = event.get(name)
            if type(value) in _NUMBER:
                key = keys.get(value, _UNSEEN)
                if key is _UNSEEN:
                    key = keys[value] = sketch_key(value)
                present.append((name, value, key))  # type: ignore[arg-type]
        buckets = self.buckets
        for owner in owners:
            bucket = buckets.get(owner)
            if bucket is None:
                bucket = buckets[owner] = Accumulator(shape)
            bucket.count += 1
            if success:
                bucket.successes += 1  # type: ignore[operator]
            if user is not None:
                bucket.users.add(user)
            if rate is not None or bucket.rates is not None:
                _weigh(bucket, rate)
            fields = bucket.fields
            for name, value, key in present:
                values = fields[name]
                values.values.append(value)
                values.keys.append(key)
                if bucket.rates is not None:
                    _weigh_value(values, value, rate)

    def iter_documents(self, span: Span) -> Iterator[dict[str, Any]]:
        prefixes: dict[str, str] = {}
        for (event_type, scope, label), bucket in self.buckets.items():
            prefix = prefixes.get(event_type)
            if prefix is None:
                prefix = prefixes[event_type] = id_prefix(span.start_day, event_type)
            owner = _owner(scope, label)
            yield document(span, event_type, owner, bucket, prefix + owner_part(owner))

    def documents(self, span: Span) -> list[dict[str, Any]]:
        return list(self.iter_documents(span))


def _weigh(bucket: Accumulator, rate: float | None) -> None:
    """Record an event's weight; the first sampled event weighs the earlier ones at 1."""
    if bucket.rates is None:
        bucket.rates = [1.0] * (bucket.count - 1)
        for values in bucket.fields.values():
            values.weighted = list(values.values)
    bucket.rates.append(1 / rate if rate is not None else 1.0)


def _weigh_value(values: FieldValues, value: float, rate: float | None) -> None:
    assert values.weighted is not None  # _weigh set it for every field of the bucket
    values.weighted.append(value / rate if rate is not None else value)


def document(
    span: Span, event_type: str, owner: Owner, bucket: Accumulator, bucket_id: str
) -> dict[str, Any]:
    """The stored form of one bucket (the shape of buckets.to_document)."""
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
        **bucket_header(span, event_type, owner, bucket_id),
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
        return {"n": 0, "sum": 0.0, "sum_sq": 0.0, "min": None, "max": None,
                "q": {"pk": [], "pc": [], "nk": [], "nc": [], "z": 0}}
    if len(numbers) == 1:  # most player buckets
        value = numbers[0]
        total, total_sq, low, high = float(value), float(value * value), value, value
    else:
        total, total_sq = exact_sum(numbers), exact_sum([v * v for v in numbers])
        low, high = min(numbers), max(numbers)
    stored = {"n": len(numbers), "sum": total, "sum_sq": total_sq, "min": low, "max": high,
              "q": _sketch(values.keys)}
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
    counts = Counter(keys)
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
