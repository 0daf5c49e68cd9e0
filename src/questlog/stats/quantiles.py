"""Percentiles that merge: a DDSketch per numeric field of a bucket. Pure.

DDSketch (Masson, Rim, Lee: "DDSketch: a fast and fully-mergeable quantile sketch with
relative-error guarantees", VLDB 2019) counts values in logarithmic bins: a value x > 0
falls in bin ceil(log_gamma(x)), gamma = (1 + a) / (1 - a); negative values in the bins
of |x| on a side of their own, zeros (|x| below the smallest indexable value) apart.
Every value of a bin is within relative error `a` of the bin's representative, so the
q-quantile it answers is within RELATIVE_ACCURACY of the exact one: the value of rank
floor(q * (n - 1)) among the n values sorted. Merging adds bin counts, so a week's
percentiles are its days' sketches merged, exactly as if built from the raw values.

The bin mapping is the `ddsketch` package's LogarithmicMapping (DataDog's reference
implementation); the bins are stored here as plain sorted arrays of (key, count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ddsketch.mapping import LogarithmicMapping

RELATIVE_ACCURACY = 0.01  # every percentile within 1 % of the exact value
PERCENTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))

MAPPING = LogarithmicMapping(RELATIVE_ACCURACY)
_key, _value, _smallest = MAPPING.key, MAPPING.value, MAPPING.min_possible


@dataclass(frozen=True)
class QuantileSketch:
    positive: Mapping[int, int] = field(default_factory=dict)
    negative: Mapping[int, int] = field(default_factory=dict)  # bins of |x|
    zeros: int = 0

    @property
    def count(self) -> int:
        return self.zeros + sum(self.positive.values()) + sum(self.negative.values())

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0 <= q <= 1) within RELATIVE_ACCURACY; None when empty."""
        count = self.count
        if count == 0:
            return None
        rank = int(q * (count - 1))
        seen = 0
        for key in sorted(self.negative, reverse=True):  # the most negative first
            seen += self.negative[key]
            if seen > rank:
                return -_value(key)
        seen += self.zeros
        if seen > rank:
            return 0.0
        for key in sorted(self.positive):
            seen += self.positive[key]
            if seen > rank:
                return float(_value(key))
        raise AssertionError("a rank past the sketch's count")  # pragma: no cover

    def percentiles(self) -> dict[str, float | None]:
        return {name: self.quantile(q) for name, q in PERCENTILES}


EMPTY = QuantileSketch()


def sketch_of(values: Iterable[float]) -> QuantileSketch:
    positive: Counter[int] = Counter()
    negative: Counter[int] = Counter()
    zeros = 0
    for x in values:
        if x > _smallest:
            positive[_key(x)] += 1
        elif x < -_smallest:
            negative[_key(-x)] += 1
        elif x == x:  # NaN counts nowhere
            zeros += 1
    return QuantileSketch(dict(positive), dict(negative), zeros)


def merge_sketches(sketches: Iterable[QuantileSketch]) -> QuantileSketch:
    parts = list(sketches)
    if len(parts) == 1:
        return parts[0]
    positive: dict[int, int] = {}
    negative: dict[int, int] = {}
    zeros = 0
    for sketch in parts:
        for key, count in sketch.positive.items():
            positive[key] = positive.get(key, 0) + count
        for key, count in sketch.negative.items():
            negative[key] = negative.get(key, 0) + count
        zeros += sketch.zeros
    return QuantileSketch(positive, negative, zeros)


def encode_sketch(sketch: QuantileSketch) -> dict[str, Any]:
    """{"pk", "pc", "nk", "nc", "z"}: the bins' keys and counts as sorted arrays."""
    pk, nk = sorted(sketch.positive), sorted(sketch.negative)
    return {"pk": pk, "pc": [sketch.positive[k] for k in pk],
            "nk": nk, "nc": [sketch.negative[k] for k in nk], "z": sketch.zeros}


def decode_sketch(stored: Mapping[str, Any] | None) -> QuantileSketch:
    if not stored:
        return EMPTY
    return QuantileSketch(dict(zip(stored["pk"], stored["pc"], strict=True)),
                          dict(zip(stored["nk"], stored["nc"], strict=True)), stored["z"])
