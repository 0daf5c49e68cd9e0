"""The cyclic garbage collector's setting for a long-running Questlog process: set by
`questlog serve` and `questlog jobs`, and by the benchmarks of what such a process runs
(the achievements evaluator's rules, the rollup), so that they time it as it runs there."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two young collections (CPython's default: 700). A batch of the
# achievements evaluator allocates a few hundred thousand objects, nearly all freed by
# reference counting; collecting every 700 of them promoted the batch's live events to
# the old generations, which were then walked again and again. A young collection walks
# only the young objects still alive, so requests, which keep little, pause no longer.
GC_YOUNG_THRESHOLD = 50_000


def settle_long_running(young: int = GC_YOUNG_THRESHOLD) -> None:
    """For a process that runs until stopped, once it is set up: what exists now
    (modules, the app, its models) lives as long as the process, so it is moved out of
    the collector's way (a full collection walks only what came later), and young
    collections come every `young` allocations. Garbage made so far is collected
    first, so that none of it is frozen for good."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(young)


@contextmanager
def as_long_running(young: int = GC_YOUNG_THRESHOLD) -> Iterator[None]:
    """The collector as settle_long_running leaves it, for the time of a benchmark, and
    as it was afterwards: the benchmark's own data, made before, is frozen with the
    modules (it is the benchmark's baggage, not the measured code's)."""
    thresholds = gc.get_threshold()
    settle_long_running(young)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
