"""Seed 004's session metrics from a session's attempts, pure.

For each sequence of a session, the attempts it needed are the attempt_number of its
first success (or its last attempt when never solved):
- FTA level: the fraction of sequences solved on the first attempt (0..1);
- repetition burden: the mean attempts needed per sequence (1..3 in the seed's game);
- earth score: 10 when every sequence was solved first try, 5 when all were solved
  with retries, 0 when any was not solved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SessionMetrics:
    fta_level: float
    repetition_burden: float
    earth_score: int


def session_metrics(attempts: Iterable[Mapping[str, Any]]) -> SessionMetrics | None:
    """The metrics of one session's AttemptSubmitted events; None when it has none."""
    by_sequence: defaultdict[int, list[tuple[int, bool]]] = defaultdict(list)
    for a in attempts:
        by_sequence[a["sequence"]].append((a["attempt_number"], bool(a["success"])))
    if not by_sequence:
        return None
    needed, first_try, solved = [], 0, 0
    for tries in by_sequence.values():
        successes = sorted(n for n, ok in tries if ok)
        needed.append(successes[0] if successes else max(n for n, _ in tries))
        solved += bool(successes)
        first_try += bool(successes) and successes[0] == 1
    count = len(by_sequence)
    score = 10 if first_try == count else 5 if solved == count else 0
    return SessionMetrics(first_try / count, sum(needed) / count, score)
