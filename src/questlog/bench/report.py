"""What every benchmark shares: percentiles, the printed figures and the progress bar."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tqdm import tqdm

Figure = tuple[str, str]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of `values`, interpolated between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "n/a"


def latency_figures(label: str, seconds: Sequence[float]) -> list[Figure]:
    """p50, p95 and p99 of `seconds`, in milliseconds."""
    if not seconds:
        return [(f"{label} p50/p95/p99", "n/a (no answer)")]
    p50, p95, p99 = (percentile(seconds, q) * 1000 for q in (50, 95, 99))
    return [(f"{label} p50/p95/p99", f"{p50:.2f} / {p95:.2f} / {p99:.2f} ms")]


def print_figures(title: str, figures: Sequence[Figure]) -> None:
    """A title line, then one aligned `label  value` line per figure, on stdout."""
    print(title)
    width = max(len(label) for label, _ in figures)
    for label, value in figures:
        print(f"  {label:<{width}}  {value}")


def progress(total: int, unit: str) -> tqdm:  # type: ignore[type-arg]
    """A progress bar on stderr; silent when stderr is not a terminal (logs, tests)."""
    return tqdm(total=total, unit=unit, unit_scale=True, disable=None, dynamic_ncols=True)
