"""A big bucket's field statistics by numpy, equal to parts.py's own. Pure.

The game's and the companies' buckets of a dense day hold thousands to hundreds of
thousands of values per field; parts.py handles each of them in Python several times
(the number check, the square, the sketch key). Here a column of plain finite numbers
of one kind becomes an array once, and the square and the sketch keys are computed
over the whole array. The figures are the very ones parts.py stores:
- the sums are math.fsum over the same values (exact, so in any order);
- min and max are Python's over the same values (an int column keeps its ints);
- the sketch keys are the `ddsketch` mapping's, ceil(log2(x) * multiplier): numpy's log
  may differ from the C library's by an ulp or so, so a key whose log lies within
  NEAR of a whole number is computed again by the mapping itself.
Absent values (None) are left out, as parts.py leaves them. Any other column (bools,
NaN or infinities, ints and floats mixed, or ints whose squares a double cannot hold
exactly) returns None, and parts.py computes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from questlog.stats.merge import exact_sum
from questlog.stats.quantiles import MAPPING

BIG = 256  # a column of fewer values is left to parts.py: numpy's set-up would dominate
NEAR = 1e-6  # far above numpy's and libm's log differences (a few ulps of keys < 2**16)
EXACT_SQUARE = 2 ** 26  # an int below this in magnitude squares exactly as a double
_LN2 = math.log(2)
# The mapping's own multiplier (ddsketch keeps it private; a test holds the keys equal).
_multiplier, _key, _smallest = MAPPING._multiplier, MAPPING.key, MAPPING.min_possible
_NONE = type(None)


def field_of_column(column: Sequence[Any]) -> dict[str, Any] | None:
    """parts.Parts._field's stored statistics of an unsampled column, or None."""
    kinds = set(map(type, column))
    numbers = column
    if _NONE in kinds:  # absent values (an optional field) count nowhere
        kinds.discard(_NONE)
        numbers = [v for v in column if v is not None]
    if len(kinds) != 1 or not numbers:
        return None
    kind = kinds.pop()
    if kind is not float and kind is not int:
        return None
    low, high = min(numbers), max(numbers)
    if kind is int and max(-low, high) >= EXACT_SQUARE:
        return None
    values = np.array(numbers, dtype=np.float64)
    if kind is float and not np.isfinite(values).all():
        return None  # NaN makes min and max depend on order: parts.py's own answer
    with np.errstate(over="ignore"):  # an inf square, as Python's own v * v gives
        squares = (values * values).tolist()
    return {"n": len(numbers), "sum": exact_sum(numbers), "sum_sq": exact_sum(squares),
            "min": low, "max": high, "q": sketch_of_array(values)}


def sketch_of_array(values: np.ndarray) -> dict[str, Any]:
    """parts.sketch_of's stored sketch of finite values."""
    positive = values[values > _smallest]
    negative = -values[values < -_smallest]
    pk, pc = _keys_and_counts(positive)
    nk, nc = _keys_and_counts(negative)
    return {"pk": pk, "pc": pc, "nk": nk, "nc": nc,
            "z": len(values) - len(positive) - len(negative)}


def _keys_and_counts(values: np.ndarray) -> tuple[list[int], list[int]]:
    """The sorted sketch keys of positive `values`, and how many values fall in each."""
    if not len(values):
        return [], []
    logs = np.log(values) / _LN2 * _multiplier  # math.log(x, 2) * multiplier, in order
    keys = np.ceil(logs)
    near = np.abs(logs - np.rint(logs)) < NEAR
    if near.any():  # 1.0 above all (its log is 0); values repeat: each keyed once
        distinct, where = np.unique(values[near], return_inverse=True)
        keys[near] = np.array([_key(v) for v in distinct.tolist()], dtype=np.float64)[where]
    found, counts = np.unique(keys, return_counts=True)
    return found.astype(np.int64).tolist(), counts.tolist()
