"""Politics catalog (seed 003): campaigns, debates, votes, lobbying, polls, balance."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from questlog.events.envelope import (
    EventBase,
    Id,
    Key,
    NonNegativeInt,
    NonNegativeNumber,
    PositiveInt,
    Tags,
    Text,
)

# Seed 003's fairness checks: a seat weighs something, a margin or an error is a size,
# a debate is scored out of 100, a buff or a penalty is a size (its sign is in its name).
PositiveNumber = Annotated[float, Field(gt=0, description="Greater than 0.")]
Margin = Annotated[NonNegativeNumber, Field(description="0 or more.")]
Score = Annotated[float, Field(ge=0, le=100, description="From 0 to 100.")]
Magnitude = Annotated[NonNegativeNumber, Field(description="0 or more.")]


class PoliticsEvent(EventBase):
    catalog = "politics"


class CampaignPhaseChanged(PoliticsEvent):
    type: Literal["CAMPAIGN_PHASE_CHANGE"] = "CAMPAIGN_PHASE_CHANGE"
    campaign_id: Id
    phase_from: Text
    phase_to: Text


class DebateScored(PoliticsEvent):
    type: Literal["DEBATE_RESULT"] = "DEBATE_RESULT"
    debate_id: Id
    persuasion_score: Score
    participants: Annotated[list[Id], Field(min_length=1, max_length=64)]


class EndorsementMade(PoliticsEvent):
    type: Literal["ENDORSEMENT"] = "ENDORSEMENT"
    from_company_id: Id
    to_company_id: Id
    boost: float
    credibility_impact: float


class BillVoted(PoliticsEvent):
    type: Literal["BILL_VOTE"] = "BILL_VOTE"
    bill_id: Id
    stance: Literal["yea", "nay", "abstain"]
    seat_weight: PositiveNumber
    lobby_payments_count: NonNegativeInt


class PolicyEnacted(PoliticsEvent):
    type: Literal["POLICY_ENACTED"] = "POLICY_ENACTED"
    policy_id: Id
    effect_types: Tags
    scope: Text


class LobbyAttempted(PoliticsEvent):
    type: Literal["LOBBY_ATTEMPT"] = "LOBBY_ATTEMPT"
    difficulty_tier: PositiveInt
    success: bool
    spend: float
    breakdown: Annotated[dict[Key, float], Field(max_length=64)]


class MomentumShifted(PoliticsEvent):
    type: Literal["MOMENTUM_SHIFT"] = "MOMENTUM_SHIFT"
    state_code: Text | None = None
    momentum_from: float
    momentum_to: float
    poll_id: Id | None = Field(
        default=None,
        description="The poll the shift rests on: it must be stored and its margin must have "
        "changed (seed 003's proof of a legitimate shift), else unsupported_momentum.",
    )


class PollTaken(PoliticsEvent):
    type: Literal["POLL_INTERVAL"] = "POLL_INTERVAL"
    poll_id: Id
    leading_candidate: Text
    margin: Margin
    moe: Margin


class PollTakenV2(PoliticsEvent):
    """Version 2 of POLL_INTERVAL: polls report their sample size; moe became optional."""

    type: Literal["POLL_INTERVAL"] = "POLL_INTERVAL"
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    poll_id: Id
    leading_candidate: Text
    margin: Margin
    moe: Margin | None = None
    sample_size: PositiveInt


class BalanceApplied(PoliticsEvent):
    type: Literal["SYSTEM_BALANCE_APPLIED"] = "SYSTEM_BALANCE_APPLIED"
    poll_id: Id
    underdog_buff: Magnitude
    frontrunner_penalty: Magnitude
    cap_compressed: bool


EVENTS: tuple[type[EventBase], ...] = (
    CampaignPhaseChanged,
    DebateScored,
    EndorsementMade,
    BillVoted,
    PolicyEnacted,
    LobbyAttempted,
    MomentumShifted,
    PollTaken,
    PollTakenV2,
    BalanceApplied,
)
