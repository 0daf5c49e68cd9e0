"""Politics catalog (seed 003): campaigns, debates, votes, lobbying, polls, balance."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from questlog.events.envelope import EventBase, Id, Key, NonNegativeInt, PositiveInt, Tags, Text


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
    persuasion_score: float
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
    seat_weight: float
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


class PollTaken(PoliticsEvent):
    type: Literal["POLL_INTERVAL"] = "POLL_INTERVAL"
    poll_id: Id
    leading_candidate: Text
    margin: float
    moe: float


class PollTakenV2(PoliticsEvent):
    """Version 2 of POLL_INTERVAL: polls report their sample size; moe became optional."""

    type: Literal["POLL_INTERVAL"] = "POLL_INTERVAL"
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    poll_id: Id
    leading_candidate: Text
    margin: float
    moe: float | None = None
    sample_size: PositiveInt


class BalanceApplied(PoliticsEvent):
    type: Literal["SYSTEM_BALANCE_APPLIED"] = "SYSTEM_BALANCE_APPLIED"
    poll_id: Id
    underdog_buff: float
    frontrunner_penalty: float
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
