"""A bucket of several events as they stream by, and its stored statistics. Pure.

The rollup's scan (scan.py) keeps a bucket's first event as it is (`Seen`) and makes an
`Accumulator` of the bucket at its second. An accumulator keeps the raw numbers of its
bucket (per field the values, and their sketch keys, computed once per distinct value),
so that each figure comes out of all of the bucket's values at once: sums by math.fsum
(exact), the sketch by counting keys (`accumulated_part`). Measured: per bucket,
building accumulators and their field documents was most of the rollup's Python time.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from typing import Any, NamedTuple

from questlog.stats.fields import TypeShape
from questlog.stats.merge import exact_sum
from questlog.stats.quantiles import MAPPING
from questlog.stats.sketch import EXACT_LIMIT, users_of

# Sketch keys of one field in one list: a positive value's key as is, a negative
# value's key of |x| shifted by NEGATIVE, a zero as ZERO. A double's key lies within
# +-2**16 (log_gamma of 1e+-308 is about 35,500), so the ranges never meet.
NEGATIVE = 1 << 40
NEGATIVE_FROM = NEGATIVE >> 1
ZERO = 1 << 42
_key, _smallest = MAPPING.key, MAPPING.min_possible
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

    def absorb(self, other: Accumulator) -> None:
        """Add every event of another bucket of the same type."""
        if other.rates is not None and self.rates is None:
            self._start_weighing(self.count)
        self.count += other.count
        if other.successes:
            self.successes += other.successes  # type: ignore[operator]
        self.users |= other.users
        if self.rates is not None:
            self.rates.extend(other.rates if other.rates is not None else [1.0] * other.count)
        fields = self.fields
        for name, theirs in other.fields.items():
            values = fields[name]
            values.values.extend(theirs.values)
            values.keys.extend(theirs.keys)
            if values.weighted is not None:
                values.weighted.extend(
                    theirs.values if theirs.weighted is None else theirs.weighted)

    def _weigh(self, rate: float | None) -> None:
        """Record an event's weight; the first sampled event weighs the earlier ones at 1."""
        if self.rates is None:
            self._start_weighing(self.count - 1)
        self.rates.append(1 / rate if rate is not None else 1.0)  # type: ignore[union-attr]

    def _start_weighing(self, unweighted: int) -> None:
        self.rates = [1.0] * unweighted
        for values in self.fields.values():
            values.weighted = list(values.values)


def combined(shape: TypeShape, buckets: list[Seen | Accumulator]) -> Accumulator:
    """One accumulator of the events of several buckets of one type."""
    total = Accumulator(shape)
    for bucket in buckets:
        if type(bucket) is Seen:
            total.add(bucket)
        else:
            total.absorb(bucket)  # type: ignore[arg-type]
    return total



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
              "min": min(numbers), "max": max(numbers), "q": sketch_of(values.keys)}
    if values.weighted is not None:
        stored["weighted_sum"] = exact_sum(values.weighted)
    return stored


def sketch_of(keys: list[int | None]) -> dict[str, Any]:
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
