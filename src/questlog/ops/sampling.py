"""The sampling policy: which share of each event type is kept, the same for the server
and its clients. Pure, apart from reading the file.

The policy is a YAML file (QUESTLOG_SAMPLING_FILE, else the shipped sampling.yaml with
seed 002's table), validated at start: an unknown type, a `when` on a field the type
lacks or a rate outside (0, 1] stops the start, naming the rule. An event is kept when
the hash of its player and type falls under its rate (questlog.client.policy.in_sample,
so client and server agree); every kept event of a rate below 1 is stored with that
`sample_rate`, so statistics can weigh it by 1 / rate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from questlog.client.policy import in_sample
from questlog.events.registry import EVENT_MODELS, EVENT_TYPES

SAMPLE_RATE = "sample_rate"  # the stored field
# Seed 002's adaptive heartbeat: under held load the adaptive rates are scaled by this.
ADAPTIVE_FACTOR = 0.5
LOAD_HELD = timedelta(minutes=2)


class PolicyError(ValueError):
    """The sampling policy cannot be used; the message names the file and the rule."""


class Default(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rate: float = Field(default=1.0, gt=0, le=1)
    priority: int = Field(default=2, ge=0, le=9)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    types: tuple[str, ...] = Field(min_length=1)
    when: dict[str, tuple[str | int | bool, ...]] = Field(default_factory=dict)
    rate: float = Field(gt=0, le=1)
    priority: int = Field(default=2, ge=0, le=9)
    adaptive: bool = False

    @model_validator(mode="after")
    def _known_types_and_fields(self) -> Rule:
        unknown = sorted(set(self.types) - EVENT_TYPES)
        if unknown:
            raise ValueError(f"unknown event types {unknown}")
        for event_type in self.types:
            fields = FIELDS_OF_TYPE[event_type]
            missing = sorted(set(self.when) - fields)
            if missing:
                raise ValueError(f"{event_type} has no field {missing[0]!r} for `when`")
        return self

    def matches(self, event: Mapping[str, Any]) -> bool:
        if event.get("type") not in self.types:
            return False
        return all(event.get(name) in values for name, values in self.when.items())


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int | str
    default: Default = Default()
    rules: tuple[Rule, ...] = ()

    def rule_for(self, event: Mapping[str, Any]) -> Rule | None:
        return next((r for r in self.rules if r.matches(event)), None)

    def per_type(self) -> tuple[dict[str, float], dict[str, int]]:
        """Rates and priorities by event type alone, for clients that sample by type (the
        TypeScript client): a type whose first rule has a `when` condition keeps rate 1
        there, and the server applies the condition."""
        rates: dict[str, float] = {}
        priorities: dict[str, int] = {}
        for rule in self.rules:
            for event_type in rule.types:
                if event_type not in priorities:
                    priorities[event_type] = rule.priority
                    rates[event_type] = 1.0 if rule.when else rule.rate
        return rates, priorities

    def served(self, *, load_high: bool) -> Policy:
        """The policy as served now: adaptive rates lowered while the load is high."""
        if not load_high:
            return self
        rules = tuple(
            r.model_copy(update={"rate": r.rate * ADAPTIVE_FACTOR}) if r.adaptive else r
            for r in self.rules
        )
        return Policy(version=self.version, default=self.default, rules=rules)

    def protecting(self, types: Iterable[str]) -> tuple[Policy, list[str]]:
        """The policy with every event of `types` kept whole (a first rule at 100 %), and
        the types that needed it: those some rule, or the default, would have sampled.

        For the types achievements read: a player outside a sample would otherwise never
        reach an achievement counted on them."""
        sampled = sorted(
            t for t in set(types)
            if any(t in r.types and r.rate < 1 for r in self.rules)
            or (self.default.rate < 1 and all(t not in r.types for r in self.rules))
        )
        if not sampled:
            return self, []
        keep = Rule(name="read by achievements: kept whole", types=tuple(sampled), rate=1.0,
                    priority=3)
        return Policy(version=self.version, default=self.default,
                      rules=(keep, *self.rules)), sampled

    def digest(self) -> str:
        """A version that changes with any rate: what clients compare to refetch."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


FIELDS_OF_TYPE: dict[str, set[str]] = {}
for _model in EVENT_MODELS:
    FIELDS_OF_TYPE.setdefault(_model.tag().partition("@")[0], set()).update(_model.model_fields)


def rate_of(policy: Policy | Sampler, event: Mapping[str, Any]) -> float:
    if isinstance(policy, Sampler):
        return policy.rate_of(event)
    rule = policy.rule_for(event)
    return rule.rate if rule is not None else policy.default.rate


@dataclass(frozen=True)
class Sampler:
    """A policy compiled for the hot path: each type's rules looked up by type, in plain
    dicts (a pydantic model's attributes cost more per event than the rule itself)."""

    policy: Policy
    by_type: dict[str, tuple[tuple[tuple[tuple[str, tuple[Any, ...]], ...], float], ...]]
    default_rate: float

    @classmethod
    def of(cls, policy: Policy) -> Sampler:
        by_type: dict[str, list[tuple[tuple[tuple[str, tuple[Any, ...]], ...], float]]] = {}
        for rule in policy.rules:
            for event_type in rule.types:
                by_type.setdefault(event_type, []).append((tuple(rule.when.items()), rule.rate))
        return cls(policy, {t: tuple(r) for t, r in by_type.items()}, policy.default.rate)

    def rate_of(self, event: Mapping[str, Any]) -> float:
        for when, rate in self.by_type.get(event.get("type"), ()):  # type: ignore[arg-type]
            if all(event.get(name) in values for name, values in when):
                return rate
        return self.default_rate


def sample_key(event: Mapping[str, Any]) -> str:
    """What the hash is of: the player and the type (the event itself without a player),
    exactly as the Python client computes it."""
    who = event.get("user_id") or event.get("event_id") or event.get("_id")
    return f"{who}\x1f{event.get('type')}"


def keeps(policy: Policy | Sampler, event: Mapping[str, Any]) -> float | None:
    """The rate `event` is kept at, or None when the policy leaves it out."""
    rate = rate_of(policy, event)
    if rate >= 1:  # the common case on the hot path: no key, no hash
        return rate
    return rate if in_sample(sample_key(event), rate) else None


def load_policy(path: Path | None) -> Policy:
    if path is None:
        text, source = resources.files("questlog.ops").joinpath("sampling.yaml").read_text(), \
            "sampling.yaml (default)"
    else:
        try:
            text, source = path.read_text(), str(path)
        except OSError as exc:
            raise PolicyError(f"cannot read the sampling policy {path}: {exc}") from exc
    try:
        return Policy.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise PolicyError(f"the sampling policy {source} is invalid: {exc}") from exc


@dataclass
class LoadSignal:
    """Seed 002's circuit breaker: the load is high when refusals (backpressure) have gone
    on for LOAD_HELD with no quiet gap longer than `gap`."""

    gap: timedelta = timedelta(seconds=30)
    streak_start: datetime | None = None
    last_refusal: datetime | None = None

    def refused(self, now: datetime) -> None:
        if self.last_refusal is None or now - self.last_refusal > self.gap:
            self.streak_start = now
        self.last_refusal = now

    def high(self, now: datetime) -> bool:
        if self.streak_start is None or self.last_refusal is None:
            return False
        if now - self.last_refusal > self.gap:
            return False
        return now - self.streak_start >= LOAD_HELD
