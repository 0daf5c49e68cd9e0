"""The achievement definitions file: its models, and its validation at start.

The file is YAML or JSON of one shape, `{"achievements": [...]}`. Every error names
the definition it is in ("achievement 'big_spender' (#2): ..."), so a typo in a file
of a hundred definitions is found at once, before the service starts.
"""

from __future__ import annotations

import itertools
import json
import types
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo

from questlog.events import EVENT_MODELS

# Fields a model has but the store does not keep under that name.
NOT_STORED = frozenset({"event_id", "company_name"})


class DefinitionsError(ValueError):
    """The definitions file is unreadable or a definition in it is wrong."""


def _utc(value: object) -> object:
    """A date is midnight UTC; a time without a zone is UTC."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


Moment = Annotated[datetime, BeforeValidator(_utc)]
Scalar = StrictStr | StrictBool | StrictInt | StrictFloat | None
Positive = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _EventRule(_Strict):
    event: str
    # field -> the value it must have, or a list of values it may have
    where: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)


class CounterRule(_EventRule):
    kind: Literal["counter"]
    threshold: Positive | None = None


class SumRule(_EventRule):
    kind: Literal["sum"]
    field: str
    threshold: Positive | None = None


class DistinctRule(_EventRule):
    kind: Literal["distinct"]
    field: str
    threshold: Annotated[int, Field(ge=1)] | None = None


class StreakRule(_EventRule):
    kind: Literal["streak"]
    days: Annotated[int, Field(ge=1, le=3660)] | None = None


class AllOfRule(_Strict):
    kind: Literal["all_of"]
    achievements: Annotated[list[str], Field(min_length=1)]


Rule = Annotated[
    CounterRule | SumRule | DistinctRule | StreakRule | AllOfRule, Field(discriminator="kind")
]
EventRule = CounterRule | SumRule | DistinctRule | StreakRule


class Tier(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    threshold: Positive


class Window(_Strict):
    """Only events whose event_time is in [start, end) count."""

    start: Moment | None = None
    end: Moment | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start and self.end and self.start >= self.end:
            raise ValueError("window: start must be before end")
        return self

    def contains(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )


class Reward(_Strict):
    description: Annotated[str, Field(min_length=1, max_length=500)]


class Achievement(_Strict):
    # An id is a key inside MongoDB documents: no dots, no dollar signs.
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    name: str = ""
    description: str = ""
    # What a game groups it under in its lists; GET /api/v1/achievements?category= reads it.
    category: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = "general"
    rule: Rule
    tiers: list[Tier] = Field(default_factory=list)
    hidden: bool = False
    repeatable: bool = False
    window: Window | None = None
    reward: Reward | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Achievement:
        rule = self.rule
        if isinstance(rule, AllOfRule):
            if self.tiers or self.repeatable:
                raise ValueError("an all_of achievement has no tiers and is not repeatable")
            return self
        _check_fields(rule)
        own = rule.days if isinstance(rule, StreakRule) else rule.threshold
        name = "days" if isinstance(rule, StreakRule) else "threshold"
        if (own is None) == (not self.tiers):
            raise ValueError(f"give either rule.{name} or tiers, not both nor neither")
        thresholds = [t.threshold for t in self.tiers]
        if any(b <= a for a, b in itertools.pairwise(thresholds)):
            raise ValueError(f"tier thresholds must increase: {thresholds}")
        if len({t.name for t in self.tiers}) < len(self.tiers):
            raise ValueError("tier names must be unique")
        if self.repeatable and (self.tiers or not isinstance(rule, CounterRule | SumRule)):
            raise ValueError("only a counter or sum achievement without tiers can be repeatable")
        return self

    @property
    def title(self) -> str:
        return self.name or self.id

    @property
    def levels(self) -> tuple[tuple[str | None, float], ...]:
        """(tier name, threshold) of each level; one unnamed level without tiers."""
        if self.tiers:
            return tuple((t.name, t.threshold) for t in self.tiers)
        rule = self.rule
        if isinstance(rule, AllOfRule):
            return ((None, float(len(rule.achievements))),)
        own = rule.days if isinstance(rule, StreakRule) else rule.threshold
        return ((None, float(own or 0)),)


def _fields_of(event_type: str) -> dict[str, FieldInfo]:
    """The fields stored for `event_type`, across its schema versions."""
    fields: dict[str, FieldInfo] = {}
    for model in EVENT_MODELS:
        if model.tag().partition("@")[0] == event_type:
            fields.update(model.model_fields)
    return {k: v for k, v in fields.items() if k not in NOT_STORED}


def _base_types(annotation: Any) -> set[Any]:
    """int, float, str, bool, Literal... of an annotation, through Optional and Annotated."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _base_types(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_base_types(a) for a in get_args(annotation) if a is not type(None)))
    return {origin or annotation}


def _check_fields(rule: EventRule) -> None:
    fields = _fields_of(rule.event)
    if not fields:
        raise ValueError(f"rule.event: unknown event type {rule.event!r}")
    scalar = {str, int, float, bool, Literal}
    named = dict(rule.where)
    if isinstance(rule, SumRule | DistinctRule):
        named[rule.field] = None
    for field in named:
        if field not in fields:
            raise ValueError(f"{rule.event} has no field {field!r}; it has {sorted(fields)}")
        if not _base_types(fields[field].annotation) <= scalar:
            raise ValueError(f"{rule.event}.{field} is not a string, number or boolean")
    if isinstance(rule, SumRule) and not _base_types(fields[rule.field].annotation) <= {int, float}:
        raise ValueError(f"sum needs a number field; {rule.event}.{rule.field} is not one")
    for field, wanted in rule.where.items():
        adapter: TypeAdapter[Any] = TypeAdapter(
            fields[field].rebuild_annotation(), config=ConfigDict(strict=True)
        )
        for value in wanted if isinstance(wanted, list) else [wanted]:
            try:
                adapter.validate_python(value)
            except ValidationError as exc:
                message = exc.errors(include_url=False)[0]["msg"]
                raise ValueError(f"where {field}: {value!r} can never match: {message}") from None


def parse_definitions(data: object, *, source: str) -> list[Achievement]:
    """Validate the parsed file; raise DefinitionsError naming the first bad definition."""
    if not isinstance(data, Mapping) or set(data) != {"achievements"}:
        raise DefinitionsError(f"{source}: expected an object with one key, 'achievements'")
    items = data["achievements"]
    if not isinstance(items, list):
        raise DefinitionsError(f"{source}: 'achievements' must be a list")
    achievements = []
    for index, item in enumerate(items):
        label = _label(item, index)
        try:
            achievements.append(Achievement.model_validate(item))
        except ValidationError as exc:
            raise DefinitionsError(f"{source}: {label}: {_describe(exc)}") from None
    _check_references(achievements, source)
    return achievements


def _label(item: object, index: int) -> str:
    name = item.get("id") if isinstance(item, Mapping) else None
    return f"achievement {name!r} (#{index + 1})" if name else f"achievement #{index + 1}"


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False)[:3]:
        # Drop the union's tag ("counter", "sum"...) from the path: it only repeats `kind`.
        loc = [str(p) for p in error["loc"] if p not in {"counter", "sum", "distinct", "streak",
                                                          "all_of"}]
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc)}: {message}" if loc else message)
    return "; ".join(parts)


def _check_references(achievements: Sequence[Achievement], source: str) -> None:
    by_id: dict[str, Achievement] = {}
    for index, achievement in enumerate(achievements):
        if achievement.id in by_id:
            raise DefinitionsError(f"{source}: achievement {achievement.id!r} (#{index + 1}): "
                                   "duplicate id")
        by_id[achievement.id] = achievement
    for achievement in achievements:
        if isinstance(achievement.rule, AllOfRule):
            unknown = [a for a in achievement.rule.achievements if a not in by_id]
            if unknown:
                raise DefinitionsError(f"{source}: achievement {achievement.id!r}: all_of names "
                                       f"unknown achievement(s) {unknown}")
    for achievement in achievements:
        cycle = _cycle_from(achievement.id, by_id, [])
        if cycle:
            raise DefinitionsError(f"{source}: achievement {achievement.id!r}: all_of cycle "
                                   + " -> ".join(cycle))


def _cycle_from(aid: str, by_id: Mapping[str, Achievement], path: list[str]) -> list[str]:
    if aid in path:
        return [*path[path.index(aid):], aid]
    rule = by_id[aid].rule
    for part in rule.achievements if isinstance(rule, AllOfRule) else ():
        cycle = _cycle_from(part, by_id, [*path, aid])
        if cycle:
            return cycle
    return []


def load_definitions(path: Path | None) -> list[Achievement]:
    """The definitions at `path`, or the shipped default set when `path` is None."""
    if path is None:
        text = resources.files("questlog.achievements").joinpath("default.yaml").read_text()
        return parse_definitions(yaml.safe_load(text), source="default.yaml")
    try:
        text = path.read_text()
    except OSError as exc:
        raise DefinitionsError(f"{path}: cannot read the achievements file: {exc}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise DefinitionsError(f"{path}: not valid {path.suffix[1:] or 'YAML'}: {exc}") from None
    return parse_definitions(data, source=str(path))
