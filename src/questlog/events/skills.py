"""Skill-assessment catalog (seed 000): missions, tasks, behaviour, focus and social signals.

Every event carries a free-form `data` object; mission and task events carry the ids
the seed's session features are computed from (completion rate, time efficiency...).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from questlog.events.envelope import EventBase, Id, JsonObject, NonNegativeNumber


class SkillEvent(EventBase):
    catalog = "skills"

    mission_id: Id | None = None
    task_id: Id | None = None
    data: JsonObject = Field(default_factory=dict)


class MissionEvent(SkillEvent):
    """mission_id is optional: seed 000's own example batch starts a mission without one."""


class TaskEvent(SkillEvent):
    task_id: Id


class MissionStarted(MissionEvent):
    type: Literal["mission_start"] = "mission_start"


class MissionCompleted(MissionEvent):
    type: Literal["mission_complete"] = "mission_complete"


class TaskStarted(TaskEvent):
    type: Literal["task_start"] = "task_start"
    expected_duration_s: NonNegativeNumber | None = None


class TaskCompleted(TaskEvent):
    type: Literal["task_complete"] = "task_complete"
    expected_duration_s: NonNegativeNumber | None = None
    duration_s: NonNegativeNumber | None = None


class ChoiceMade(SkillEvent):
    type: Literal["choice_made"] = "choice_made"


class Retried(SkillEvent):
    type: Literal["retry"] = "retry"


class Restarted(SkillEvent):
    type: Literal["restart"] = "restart"


class Failed(SkillEvent):
    type: Literal["failure"] = "failure"


class MistakeMade(SkillEvent):
    type: Literal["mistake"] = "mistake"


class Recovered(SkillEvent):
    type: Literal["recovery"] = "recovery"


class SucceededAfterFailure(SkillEvent):
    type: Literal["success_after_failure"] = "success_after_failure"


class Distracted(SkillEvent):
    type: Literal["distraction"] = "distraction"


class Paused(SkillEvent):
    type: Literal["pause"] = "pause"


class Collaborated(SkillEvent):
    type: Literal["collaboration"] = "collaboration"


class HelpGiven(SkillEvent):
    type: Literal["help_given"] = "help_given"


class HelpReceived(SkillEvent):
    type: Literal["help_received"] = "help_received"


class LeadershipShown(SkillEvent):
    type: Literal["leadership"] = "leadership"


class InitiativeTaken(SkillEvent):
    type: Literal["initiative"] = "initiative"


class DecisionMade(SkillEvent):
    type: Literal["decision_made"] = "decision_made"


EVENTS: tuple[type[EventBase], ...] = (
    MissionStarted,
    MissionCompleted,
    TaskStarted,
    TaskCompleted,
    ChoiceMade,
    Retried,
    Restarted,
    Failed,
    MistakeMade,
    Recovered,
    SucceededAfterFailure,
    Distracted,
    Paused,
    Collaborated,
    HelpGiven,
    HelpReceived,
    LeadershipShown,
    InitiativeTaken,
    DecisionMade,
)
