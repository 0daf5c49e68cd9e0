"""A bucket's stored statistics (its part of the owner's document) from its events. Pure.

The rollup's scan (scan.py) keeps each event as a row: the values of its type's numeric
fields in the order of the type's shape (whatever the event holds there), whether it
succeeded, and its sample rate. A bucket is then its rows, and each figure comes out of
all of them at once, column by column: sums by math.fsum (exact, so however the rows
were grouped), the sketch by counting keys, each key computed once per distinct value.
A one-row bucket's field statistics depend on its value alone and are built once per
distinct value (most players' buckets are one event). A bucket of other buckets' rows
(the game's: its companies' and the events of none) is built from their columns
(`joined`), the same figures without going over the rows again: on a dense day of
1,000,000 events the game's and the companies' documents took 3.6-4.5 s to build from
rows and 2.2-2.4 s so, the players' 2.9-3.7 s and 3.6-3.8 s (their buckets now pass
through columns too).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Collection, Iterable
from itertools import chain
from typing import Any, NamedTuple

from questlog.stats.fields import TypeShape
from questlog.stats.merge import exact_sum
from questlog.stats.quantiles import MAPPING
from questlog.stats.sketch import EXACT_LIMIT, Positions, users_of

Row = tuple[tuple[Any, ...], bool, float | None]  # (field values, success, sample rate)

_NUMBER = (int, float)  # bool is its own type here, never counted as a number
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


class _SketchKeys(dict[float, int | None]):
    """value -> sketch key, each computed at its first lookup: values repeat."""

    def __missing__(self, value: float) -> int | None:
        key = self[value] = sketch_key(value)
        return key


EMPTY_FIELD: dict[str, Any] = {  # a field no event of the bucket held a number for
    "n": 0, "sum": 0.0, "sum_sq": 0.0, "min": None, "max": None,
    "q": {"pk": [], "pc": [], "nk": [], "nc": [], "z": 0}}


# One numeric field of a bucket, as values: what its stored statistics come from, and
# what the buckets that hold this one (the game's, of its companies') join. A plain
# tuple, unpacked where read: a bucket of a few rows is built in microseconds, and a
# NamedTuple's constructor added a tenth to the players' buckets (a dense day's most).
Column = tuple[
    list[Any],  # numbers: the values that are numbers, in row order
    list[Any],  # squares: each number squared
    dict[int | None, int],  # counts: sketch key -> how many of the numbers fall in it
    Any,  # low: the least number (the first of equal ones)
    Any,  # high: the greatest
    list[float] | None,  # weighted: each number / its sample rate, when the bucket is sampled
]


class Columns(NamedTuple):
    """A bucket's rows as columns (see Parts.columns): they join exactly, so a bucket of
    many others' rows is built from theirs without going over its rows again."""

    rows: int
    successes: int
    estimates: list[float] | None  # 1 / sample rate (1.0 unsampled) per row, when sampled
    fields: list[Column | None]  # in the order of the shape; None: no number held


class Parts:
    """Builds buckets' parts, sharing what repeats between the buckets of a day."""

    def __init__(self) -> None:
        self._keys = _SketchKeys()
        self._single: dict[tuple[float, type], dict[str, Any]] = {}  # see _single_field
        self._one_key: dict[int | None, dict[str, Any]] = {}  # see _sketch_of_one
        self._positions: Positions = {}  # see _stored_users

    def part(self, shape: TypeShape, rows: list[Row], users: Collection[str]
             ) -> dict[str, Any]:
        """The stored statistics of the bucket of `rows` (buckets.stored_part's shape),
        whose events came from `users`."""
        if len(rows) == 1:
            return self._single_part(shape, rows[0], users)
        return self.stored(shape, self.columns(shape, rows), users)

    def columns(self, shape: TypeShape, rows: list[Row]) -> Columns:
        rates: list[float | None] | None = [row[2] for row in rows]
        if rates.count(None) == len(rows):  # type: ignore[union-attr]
            rates = None
        fields: list[Column | None] = []
        if shape.numeric:
            columns = zip(*[row[0] for row in rows], strict=True)
            fields = [self._column(column, rates) for column in columns]
        estimates = None if rates is None else [1.0 if r is None else 1 / r for r in rates]
        return Columns(len(rows), [row[1] for row in rows].count(True), estimates, fields)

    def _column(self, column: tuple[Any, ...], rates: list[float | None] | None
                ) -> Column | None:
        numbers = [v for v in column if type(v) in _NUMBER]
        if not numbers:
            return None
        keys = self._keys
        weighted = None if rates is None else [
            v if r is None else v / r
            for v, r in zip(column, rates, strict=True) if type(v) in _NUMBER]
        return (numbers, [v * v for v in numbers], key_counts([keys[v] for v in numbers]),
                min(numbers), max(numbers), weighted)

    def stored(self, shape: TypeShape, columns: Columns, users: Collection[str]
               ) -> dict[str, Any]:
        """The stored statistics of the bucket of `columns`, whose events came from
        `users`. Every sum is math.fsum's of the values themselves (exact_sum), so a
        bucket joined from others' columns holds the same bits as one built from rows."""
        sampled = columns.estimates is not None
        part = {
            "count": columns.rows,
            "successes": columns.successes if shape.has_success else None,
            **self._stored_users(users),
            "fields": {name: EMPTY_FIELD if f is None else _field_document(f, sampled)
                       for name, f in zip(shape.numeric, columns.fields, strict=True)},
        }
        if columns.estimates is not None:
            part["estimated_count"] = exact_sum(columns.estimates)
        return part

    def _single_part(self, shape: TypeShape, row: Row, users: Collection[str]
                     ) -> dict[str, Any]:
        values, success, rate = row
        fields = dict.fromkeys(shape.numeric, EMPTY_FIELD)
        for name, value in zip(shape.numeric, values, strict=True):
            if type(value) in _NUMBER:
                fields[name] = self._single_field(value, rate)
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

    def _single_field(self, value: float, rate: float | None) -> dict[str, Any]:
        """One value's field statistics. Unsampled, they are shared between the buckets
        of equal values (values repeat; documents are only encoded, never changed): by
        value and type, as 1 and 1.0 are stored apart; zeros not, for -0.0 is not 0.0."""
        memo = rate is None and value != 0
        if memo:
            stored = self._single.get((value, type(value)))
            if stored is not None:
                return stored
        stored = {"n": 1, "sum": float(value), "sum_sq": float(value * value),
                  "min": value, "max": value, "q": self._sketch_of_one(self._keys[value])}
        if rate is not None:
            stored["weighted_sum"] = value / rate
        elif memo:
            self._single[(value, type(value))] = stored
        return stored

    def _sketch_of_one(self, key: int | None) -> dict[str, Any]:
        """The stored sketch of one value's key, shared by every bucket of that key (as
        `_single_field` shares fields: documents are only encoded, never changed)."""
        stored = self._one_key.get(key)
        if stored is None:
            stored = self._one_key[key] = sketch_of([key])
        return stored

    def _stored_users(self, users: Collection[str]) -> dict[str, Any]:
        """The users' stored form; above EXACT_LIMIT a HyperLogLog, each user's register
        hashed once a day (the game's buckets of every type hold nearly every player)."""
        if len(users) <= EXACT_LIMIT:
            return {"distinct_users": len(users), "distinct_users_exact": True,
                    "users": sorted(users), "users_hll": None}
        sketch = users_of(users, self._positions)
        assert sketch.registers is not None
        return {"distinct_users": sketch.count(), "distinct_users_exact": False,
                "users": None, "users_hll": zlib.compress(sketch.registers)}


def joined(parts: list[Columns]) -> Columns:
    """The columns of a bucket holding every row of `parts`, in their order: the same
    numbers, so the same sums, extremes (the first of equal ones, as over the rows) and
    sketch counts as over the rows themselves."""
    if len(parts) == 1:
        return parts[0]
    sampled = any(p.estimates is not None for p in parts)
    return Columns(
        rows=sum(p.rows for p in parts),
        successes=sum(p.successes for p in parts),
        estimates=list(chain.from_iterable(p.estimates or [1.0] * p.rows for p in parts))
        if sampled else None,
        fields=[_joined_column([p.fields[i] for p in parts], sampled)
                for i in range(len(parts[0].fields))],
    )


def _joined_column(columns: list[Column | None], sampled: bool) -> Column | None:
    held = [c for c in columns if c is not None]
    if not held:
        return None
    counts: dict[int | None, int] = {}
    for _, _, part, _, _, _ in held:
        for key, count in part.items():
            counts[key] = counts.get(key, 0) + count
    return (
        list(chain.from_iterable(c[0] for c in held)),
        list(chain.from_iterable(c[1] for c in held)),
        counts,
        min(c[3] for c in held),
        max(c[4] for c in held),
        list(chain.from_iterable(c[0] if c[5] is None else c[5] for c in held))
        if sampled else None,
    )


def _field_document(column: Column, sampled: bool) -> dict[str, Any]:
    numbers, squares, counts, low, high, weighted = column
    stored = {"n": len(numbers), "sum": exact_sum(numbers), "sum_sq": exact_sum(squares),
              "min": low, "max": high, "q": stored_sketch(counts)}
    if sampled:
        assert weighted is not None
        stored["weighted_sum"] = exact_sum(weighted)
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
    return stored_sketch(key_counts(keys))


def key_counts(keys: list[int | None]) -> dict[int | None, int]:
    if len(keys) > _FEW:
        return Counter(keys)
    counts: dict[int | None, int] = {}  # Counter's own set-up is most of the time for a few
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return counts


def stored_sketch(counts: dict[int | None, int]) -> dict[str, Any]:
    """quantiles.encode_sketch's form, from the tagged keys' counts (left as they are)."""
    pk: list[int] = []
    pc: list[int] = []
    nk: list[int] = []
    nc: list[int] = []
    keys: Iterable[int] = counts if ZERO not in counts and None not in counts else (  # type: ignore[assignment]
        k for k in counts if k is not None and k != ZERO)
    for key in sorted(keys):
        if key >= NEGATIVE_FROM:
            nk.append(key - NEGATIVE)
            nc.append(counts[key])
        else:
            pk.append(key)
            pc.append(counts[key])
    return {"pk": pk, "pc": pc, "nk": nk, "nc": nc, "z": counts.get(ZERO, 0)}
