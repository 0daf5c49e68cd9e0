"""The client's decisions, as pure functions: what an answer means, how long to wait,
and which players are in a sample."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any


class Verdict(enum.Enum):
    DELIVERED = "delivered"  # the server answered for every event of the batch
    RETRY = "retry"  # the server could not take it now; the same batch may succeed later
    DROP = "drop"  # the server refused the request itself; resending it cannot help


def verdict(status: int) -> Verdict:
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if status in (408, 429) or status >= 500:
        return Verdict.RETRY
    return Verdict.DROP


def backoff_delay(retry: int, *, base: float, cap: float, draw: float) -> float:
    """Exponential backoff with full jitter: a uniform pick in [0, min(cap, base * 2**retry)).

    `retry` counts from 0 for the first retry and `draw` is a uniform number in [0, 1);
    full jitter spreads the clients a failing server sent away, so they do not come
    back all at once.
    """
    return draw * min(cap, base * 2.0 ** min(retry, 32))


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # HTTP dates are GMT by definition
        return None
    return max(0.0, (moment - now).total_seconds())


def in_sample(key: str, rate: float) -> bool:
    """Whether `key` falls in a sample of `rate` (0..1); the same key always gets the same answer.

    A stable hash (not Python's per-process `hash`) keeps a player in or out of the
    sample across restarts and across machines, so longitudinal studies see whole players.
    """
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") < rate * 2**64


DEFAULT_PRIORITY = 2


class ServedPolicy:
    """The sampling policy a server answers at GET /api/v1/config, applied to payloads.

    The first rule whose types (and `when`: field -> allowed values) match an event gives
    its rate and priority; otherwise the policy's default does. Parsing is lenient about
    what it does not know, so a newer server's policy never breaks an older client.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        sampling = config.get("sampling") or {}
        default = sampling.get("default") or {}
        self.version = str(config.get("version", ""))
        self.refresh_seconds = float(config.get("refresh_seconds", 300))
        self._default = (float(default.get("rate", 1.0)),
                         int(default.get("priority", DEFAULT_PRIORITY)))
        self._rules = [
            (set(r.get("types", ())), dict(r.get("when") or {}), float(r.get("rate", 1.0)),
             int(r.get("priority", DEFAULT_PRIORITY)))
            for r in sampling.get("rules", ())
        ]

    def rate_and_priority(self, payload: Mapping[str, Any]) -> tuple[float, int]:
        event_type = payload.get("type")
        for types, when, rate, priority in self._rules:
            if event_type in types and all(payload.get(k) in v for k, v in when.items()):
                return rate, priority
        return self._default
