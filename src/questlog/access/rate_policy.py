"""Rate-limit policies: a default per player and per key, and one per event type,
read from a YAML settings file (the shipped rate_limits.yaml, or QUESTLOG_RATE_LIMITS_FILE)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from questlog.access.rates import Rate

DEFAULT_FILE = Path(__file__).with_name("rate_limits.yaml")


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_second: float = Field(gt=0)
    burst: float = Field(ge=1)


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_player: RateIn | None = None
    per_key: RateIn | None = None


class PoliciesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requests_per_key: RateIn | None = None
    default: PolicyIn = PolicyIn()
    types: dict[str, PolicyIn] = Field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    per_player: Rate | None = None
    per_key: Rate | None = None


@dataclass(frozen=True)
class RatePolicies:
    requests_per_key: Rate | None = None
    default: Policy = Policy()
    types: dict[str, Policy] = field(default_factory=dict)

    def of(self, event_type: str) -> Policy:
        return self.types.get(event_type, self.default)


class PolicyError(ValueError):
    pass


def _rate(value: RateIn | None) -> Rate | None:
    return None if value is None else Rate(per_second=value.per_second, burst=value.burst)


def _policy(value: PolicyIn, fallback: Policy) -> Policy:
    """A type's policy; a side it leaves out is the default's."""
    return Policy(
        per_player=_rate(value.per_player) if value.per_player else fallback.per_player,
        per_key=_rate(value.per_key) if value.per_key else fallback.per_key,
    )


def parse_policies(data: Any) -> RatePolicies:
    try:
        parsed = PoliciesIn.model_validate(data or {})
    except ValidationError as exc:
        raise PolicyError(f"rate limits: {exc}") from exc
    default = _policy(parsed.default, Policy())
    return RatePolicies(
        requests_per_key=_rate(parsed.requests_per_key),
        default=default,
        types={name: _policy(p, default) for name, p in parsed.types.items()},
    )


def load_policies(path: Path | None) -> RatePolicies:
    source = path or DEFAULT_FILE
    try:
        return parse_policies(yaml.safe_load(source.read_text()))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"rate limits file {source}: {exc}") from exc
