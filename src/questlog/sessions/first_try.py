"""Seed 004's first-try metrics of a session's earth-task attempts. Pure.

Per distinct `sequence`: attempts = the highest attempt_number seen; solved = some
attempt succeeded; first-try = the attempt numbered 1 succeeded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SequenceTally:
    attempts: int = 0
    successes: list[int] = field(default_factory=list)  # attempt numbers that succeeded

    @property
    def solved(self) -> bool:
        return bool(self.successes)

    @property
    def first_try(self) -> bool:
        return 1 in self.successes

    @property
    def burden(self) -> int:
        """The attempt that first succeeded, or the attempts made when never solved."""
        return min(self.successes) if self.successes else self.attempts


def tally(attempts: Iterable[dict[str, Any]]) -> dict[int, SequenceTally]:
    sequences: dict[int, SequenceTally] = {}
    for a in attempts:
        seq = sequences.setdefault(a["sequence"], SequenceTally())
        seq.attempts = max(seq.attempts, a["attempt_number"])
        if a["success"]:
            seq.successes.append(a["attempt_number"])
    return sequences


def earth_metrics(attempts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """fta_level, fta_strict, repetition_burden, earth_score_bucket (and the sequence count)."""
    sequences = list(tally(attempts).values())
    if not sequences:
        return {}
    first = sum(1 for s in sequences if s.first_try)
    strict = first == len(sequences)
    return {
        "sequences": len(sequences),
        "fta_level": first / len(sequences),
        "fta_strict": strict,
        "repetition_burden": sum(s.burden for s in sequences) / len(sequences),
        "earth_score_bucket": 10 if strict else 0 if not all(s.solved for s in sequences) else 5,
    }
