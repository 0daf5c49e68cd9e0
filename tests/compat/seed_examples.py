"""The seeds' examples as committed in contracts/seeds/, moved to recent times."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parents[2] / "contracts" / "seeds"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
BASE = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamps(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _stamps(v)]
    if isinstance(value, list):
        return [s for v in value for s in _stamps(v)]
    return [value] if isinstance(value, str) and STAMP.match(value) else []


def _shift(value: Any, delta: timedelta) -> Any:
    if isinstance(value, dict):
        return {k: _shift(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, delta) for v in value]
    if isinstance(value, str) and STAMP.match(value):
        return stamp(parse(value) + delta)
    return value


def examples(seed: str) -> list[dict[str, Any]]:
    """The seed's examples, every timestamp moved by one delta: the earliest is BASE."""
    loaded: list[dict[str, Any]] = json.loads((SEEDS / f"{seed}.json").read_text())["examples"]
    stamps = [parse(s) for s in _stamps(loaded)]
    delta = BASE - min(stamps) if stamps else timedelta(0)
    shifted: list[dict[str, Any]] = _shift(loaded, delta)
    return shifted


def example(seed: str, name: str) -> dict[str, Any]:
    return next(e for e in examples(seed) if e["name"] == name)
