"""A bucket's stored statistics (its part of the owner's document) from its events. Pure.

The rollup's scan (scan.py) keeps each event as a row: the values of its type's numeric
fields in the order of the type's shape (whatever the event holds there), whether it
succeeded, and its sample rate. A bucket is then its rows, and each figure comes out of
all of them at once, column by column: sums by math.fsum (exact, so however the rows
were grouped), the sketch by counting keys, each key computed once per distinct value;
a big column of plain numbers by numpy, to the same figures (columns.py).
A one-row bucket's field statistics depend on its value alone and are built once per
distinct value (most players' buckets are one event).
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any, cast

from bson.int64 import Int64

from questlog.stats.columns import BIG, field_of_column
from questlog.stats.fields import TypeShape
from questlog.stats.merge import exact_sum
from questlog.stats.quantiles import MAPPING
from questlog.stats.sketch import EXACT_LIMIT, Positions, users_of

Row = tuple[tuple[Any, ...], bool, float | None]  # (field values, success, sample rate)

# bool is its own type here, never counted as a number; an int beyond int32 is stored
# as int64 and read back as bson's Int64, an int of its own type.
_NUMBER = (int, float, Int64)
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


class SketchKeys(dict[float, int | None]):
    """value -> sketch key, each computed at its first lookup: values repeat."""

    def __missing__(self, value: float) -> int | None:
        key = self[value] = sketch_key(value)
        return key


EMPTY_FIELD: dict[str, Any] = {  # a field no event of the bucket held a number for
    "n": 0, "sum": 0.0, "sum_sq": 0.0, "min": None, "max": None,
    "q": {"pk": [], "pc": [], "nk": [], "nc": [], "z": 0}}


class Parts:
    """Builds buckets' parts, sharing what repeats between the buckets of a day."""

    def __init__(self) -> None:
        self.keys = SketchKeys()  # the day's values' sketch keys, each computed once
        self._single: dict[tuple[float, type], dict[str, Any]] = {}  # see single_field
        self._one_key: dict[int | None, dict[str, Any]] = {}  # see _sketch_of_one
        self._positions: Positions = {}  # see _stored_users

    def part(self, shape: TypeShape, rows: list[Row], users: Collection[str]
             ) -> dict[str, Any]:
        """The stored statistics of the bucket of `rows` (buckets.stored_part's shape),
        whose events came from `users`."""
        if len(rows) == 1:
            return self._single_part(shape, rows[0], users)
        count = len(rows)
        values, successes, sample_rates = zip(*rows, strict=True)  # the rows' columns
        rates = None if sample_rates.count(None) == count else sample_rates
        part = {
            "count": count,
            "successes": successes.count(True) if shape.has_success else None,
            **self._stored_users(users),
            "fields": {},
        }
        if shape.numeric:
            columns = zip(*values, strict=True)
            part["fields"] = {name: self._field(column, rates)
                              for name, column in zip(shape.numeric, columns, strict=True)}
        if rates is not None:
            part["estimated_count"] = math.fsum([1.0 if r is None else 1 / r for r in rates])
        return part

    def _field(self, column: tuple[Any, ...], rates: Sequence[float | None] | None
               ) -> dict[str, Any]:
        if rates is None and len(column) >= BIG:  # most of a dense day's shared values
            stored = field_of_column(column)
            if stored is not None:
                return stored
        numbers = [v for v in column if type(v) in _NUMBER]
        if not numbers:
            return EMPTY_FIELD
        keys = self.keys
        stored = {"n": len(numbers), "sum": exact_sum(numbers),
                  "sum_sq": exact_sum([v * v for v in numbers]),
                  "min": min(numbers), "max": max(numbers),
                  "q": sketch_of(list(map(keys.__getitem__, numbers)))}
        if rates is not None:
            stored["weighted_sum"] = exact_sum(
                [v if r is None else v / r
                 for v, r in zip(column, rates, strict=True) if type(v) in _NUMBER])
        return stored

    def _single_part(self, shape: TypeShape, row: Row, users: Collection[str]
                     ) -> dict[str, Any]:
        values, success, rate = row
        fields = dict.fromkeys(shape.numeric, EMPTY_FIELD)
        for name, value in zip(shape.numeric, values, strict=True):
            if type(value) in _NUMBER:
                fields[name] = self.single_field(value, rate)
        part: dict[str, Any] = {
            "count": 1,
            "successes": int(success) if shape.has_success else None,
            "distinct_users": len(users),
            "distinct_users_exact": True,
            "users": list(users),
            "users_hll": None,
            "fields": fields,
        }
        if rate is not None:
            part["estimated_count"] = 1 / rate
        return part

    def single_field(self, value: float, rate: float | None) -> dict[str, Any]:
        """One value's field statistics. Unsampled, they are shared between the buckets
        of equal values (values repeat; documents are only encoded, never changed): by
        value and type, as 1 and 1.0 are stored apart; zeros not, for -0.0 is not 0.0."""
        memo = rate is None and value != 0
        if memo:
            stored = self._single.get((value, type(value)))
            if stored is not None:
                return stored
        stored = {"n": 1, "sum": float(value), "sum_sq": float(value * value),
                  "min": value, "max": value, "q": self._sketch_of_one(self.keys[value])}
        if rate is not None:
            stored["weighted_sum"] = value / rate
        elif memo:
            self._single[(value, type(value))] = stored
        return stored

    def _sketch_of_one(self, key: int | None) -> dict[str, Any]:
        """The stored sketch of one value's key, shared by every bucket of that key (as
        `single_field` shares fields: documents are only encoded, never changed)."""
        stored = self._one_key.get(key)
        if stored is None:
            stored = self._one_key[key] = sketch_of([key])
        return stored

    def _stored_users(self, users: Collection[str]) -> dict[str, Any]:
        """The users' stored form; above EXACT_LIMIT a HyperLogLog, each user's register
        hashed once a day (the game's buckets of every type hold nearly every player: on
        a dense day 450,000 hashes, 50,000 so)."""
        if len(users) <= EXACT_LIMIT:
            return {"distinct_users": len(users), "distinct_users_exact": True,
                    "users": sorted(users), "users_hll": None}
        sketch = users_of(users, self._positions)
        assert sketch.registers is not None
        return {"distinct_users": sketch.count(), "distinct_users_exact": False,
                "users": None, "users_hll": zlib.compress(sketch.registers)}


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
    if len(keys) <= _FEW and None not in keys:
        ordered = sorted(cast(list[int], keys))
        if ordered[-1] < NEGATIVE_FROM:  # keys of positive values only: most buckets
            distinct, times = _runs(ordered)
            return {"pk": distinct, "pc": times, "nk": [], "nc": [], "z": 0}
    if len(keys) > _FEW:
        counts: dict[int | None, int] = Counter(keys)
    else:  # Counter's own set-up is most of the time for a few keys
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


def _runs(ordered: list[int]) -> tuple[list[int], list[int]]:
    """The distinct keys of sorted `ordered`, and how many times each occurs."""
    found: list[int] = []
    counts: list[int] = []
    last: int | None = None
    for key in ordered:
        if key == last:
            counts[-1] += 1
        else:
            found.append(key)
            counts.append(1)
            last = key
    return found, counts
