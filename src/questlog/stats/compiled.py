"""The rollup's C extension, `_rollup.c`, where `pip install` could build it (setup.py):
the scan of a day's raw events (scan.py's add_batch) and the encoding of the players'
documents (encoded.py). Where no C compiler was found, COMPILED is False, and the
rollup decodes the events into dicts and builds the documents as dicts, to the same
buckets (property tests compare the two)."""

from __future__ import annotations

import bson

from questlog.stats.parts import EMPTY_FIELD
from questlog.stats.quantiles import MAPPING

__all__ = ["COMPILED", "HOW", "native"]

try:
    from questlog.stats import _rollup as native
except ImportError:  # built without a C compiler
    native = None  # type: ignore[assignment]
else:
    native.configure(MAPPING._multiplier, MAPPING.min_possible, bson.encode(EMPTY_FIELD))

COMPILED = native is not None
# What the rollup does in C in this install, as the benchmarks print it.
HOW = ("its scan and the players' documents in C (stats/_rollup.c)" if COMPILED
       else "all in Python (the C extension was not built: setup.py)")
