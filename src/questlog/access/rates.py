"""Token buckets, pure: how many tokens a bucket holds now, which requests get one.

A bucket holds at most `burst` tokens and gains `per_second` of them every second; an
event (or a request) takes one token from each bucket it counts against, and is
refused when any of them has less than one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: float


@dataclass(frozen=True)
class BucketState:
    tokens: float
    updated: float  # unix seconds


def level(state: BucketState | None, rate: Rate, now: float) -> float:
    """The tokens a bucket holds at `now` (a bucket never seen is full)."""
    if state is None:
        return rate.burst
    return min(rate.burst, state.tokens + max(0.0, now - state.updated) * rate.per_second)


@dataclass(frozen=True)
class Outcome:
    granted: list[bool]
    states: dict[str, BucketState]  # the new state of every bucket touched
    retry_after: float  # seconds until the first refused request would get its tokens


def take(
    states: Mapping[str, BucketState | None],
    requests: Sequence[Sequence[tuple[str, Rate]]],
    now: float,
) -> Outcome:
    """Grant each request (a list of (bucket, rate)) one token from each of its buckets,
    in order; a request refused takes nothing."""
    tokens: dict[str, float] = {}
    rates: dict[str, Rate] = {}
    for request in requests:
        for key, rate in request:
            if key not in tokens:
                tokens[key], rates[key] = level(states.get(key), rate, now), rate
    granted, wait = [], 0.0
    for request in requests:
        short = [(key, rate) for key, rate in request if tokens[key] < 1.0]
        if short:
            granted.append(False)
            need = max((1.0 - tokens[key]) / rate.per_second if rate.per_second > 0 else 3600.0
                       for key, rate in short)
            wait = wait or need
        else:
            granted.append(True)
            for key, _ in request:
                tokens[key] -= 1.0
    new_states = {key: BucketState(tokens=value, updated=now) for key, value in tokens.items()}
    return Outcome(granted=granted, states=new_states, retry_after=wait)
