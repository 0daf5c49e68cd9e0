"""The access gate of ingestion: pseudonymous ids, a player token's own events only,
opt-out and erasure, session ownership, reference checks and rate limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from questlog.access.limiter import Limiter
from questlog.access.players import PlayerFlags
from questlog.access.pseudonyms import Pseudonyms
from questlog.access.rate_policy import RatePolicies
from questlog.access.rates import Rate
from questlog.access.references import References
from questlog.access.sessions import ClaimsDropped, SessionOwners
from questlog.clock import utcnow
from questlog.ingest.codes import Code
from questlog.ingest.gate import OPTED_OUT, Origin, Refusal, Verdict
from questlog.store.transactions import OneTransaction, WriteUnit

NOT_YOURS = Refusal(Code.FORBIDDEN, "a player token writes its own player's events only")
NOT_OWNED = Refusal(Code.SESSION_NOT_OWNED, "this session_id belongs to another player")
TOO_FAST = Refusal(Code.RATE_LIMITED, "over the rate limit of this event type; send it later")


def player_bucket(user_id: str) -> str:
    """The start of the ids of a player's rate-limit buckets (one per event type), which
    name the player: an erasure removes them (access.erasure)."""
    return f"player:{user_id}:"


class AccessGate:
    def __init__(
        self, *, pseudonyms: Pseudonyms, flags: PlayerFlags, sessions: SessionOwners,
        references: References, limiter: Limiter | None, policies: RatePolicies,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.pseudonyms = pseudonyms
        self._flags, self._sessions, self._references = flags, sessions, references
        self._limiter, self._policies, self._clock = limiter, policies, clock

    def prepare(self, item: object, origin: Origin) -> object:
        if not isinstance(item, dict):
            return item
        item = self.pseudonyms.item(item)
        if origin.player is not None and "user_id" not in item and "userId" not in item:
            item = {**item, "user_id": origin.player}
        return item

    async def screen(self, documents: Sequence[dict[str, Any]], origin: Origin, *,
                     within: WriteUnit | None = None) -> list[Verdict]:
        verdicts: list[Verdict] = [None] * len(documents)
        if origin.player is not None:
            for i, d in enumerate(documents):
                if d.get("user_id") != origin.player:
                    verdicts[i] = NOT_YOURS
        await self._silence_and_own(documents, verdicts, within)
        await self._check_references(documents, verdicts)
        await self._limit(documents, verdicts, origin)
        if origin.country:
            for d, verdict in zip(documents, verdicts, strict=True):
                if verdict is None:
                    d["country"] = origin.country
        return verdicts

    async def _silence_and_own(self, documents: Sequence[dict[str, Any]],
                               verdicts: list[Verdict], within: WriteUnit | None) -> None:
        """Opt-out and erasure, then the sessions of the players not silenced.

        Where the claims wait for the events' write (one command), the flags are read
        first: a silenced player's claims are never in it. Where the claims go in a
        transaction, the flags are read while the claims are made in it: for a player
        this process has not seen, one round trip less. Should a player turn out
        silenced, or the transaction not take the claims, the transaction is dropped
        and the kept players' claims made again on their own, so no claim is ever
        stored for a silenced player (rare: it takes an opted-out or erased player this
        process has not seen, or a session claimed meanwhile)."""
        if not isinstance(within, OneTransaction) or not within.enabled:
            await self._silence(documents, verdicts)
            await self._own_sessions(documents, verdicts, within)
            return
        # Both run to their end, and a failure is raised as itself (a TaskGroup would
        # wrap it in an ExceptionGroup, which the API would not answer with a 503).
        silenced, owners = await asyncio.gather(
            self._silenced(documents, verdicts), self._owners_within(documents, verdicts, within),
            return_exceptions=True)
        if isinstance(silenced, BaseException):
            raise silenced
        if isinstance(owners, BaseException):
            raise owners
        self._mark_silenced(documents, verdicts, silenced)
        if owners is None or (silenced and within.started):
            await within.abort()
            owners = await self._owners(documents, verdicts, None)
        self._mark_not_owned(documents, verdicts, owners)

    async def _owners_within(
        self, documents: Sequence[dict[str, Any]], verdicts: list[Verdict],
        within: OneTransaction,
    ) -> dict[str, str] | None:
        """The owners, new claims in `within` only; None when it could not take them."""
        try:
            return await self._owners(documents, verdicts, within, fall_back=False)
        except ClaimsDropped:
            return None

    async def _silence(self, documents: Sequence[dict[str, Any]], verdicts: list[Verdict]) -> None:
        self._mark_silenced(documents, verdicts, await self._silenced(documents, verdicts))

    async def _silenced(self, documents: Sequence[dict[str, Any]],
                        verdicts: list[Verdict]) -> set[str]:
        return await self._flags.silenced(
            d["user_id"] for d, v in zip(documents, verdicts, strict=True)
            if v is None and d.get("user_id"))

    @staticmethod
    def _mark_silenced(documents: Sequence[dict[str, Any]], verdicts: list[Verdict],
                       silenced: set[str]) -> None:
        for i, d in enumerate(documents):
            if verdicts[i] is None and d.get("user_id") in silenced:
                verdicts[i] = OPTED_OUT

    async def reclaim(self, documents: Sequence[dict[str, Any]]) -> list[Verdict]:
        """The session check again, for documents whose claims were in a write unit
        that did not land whole (a transaction dropped, or one command cut short or
        refused): each claim on its own this time."""
        verdicts: list[Verdict] = [None] * len(documents)
        await self._own_sessions(documents, verdicts, None)
        return verdicts

    async def _own_sessions(self, documents: Sequence[dict[str, Any]],
                            verdicts: list[Verdict], within: WriteUnit | None) -> None:
        owners = await self._owners(documents, verdicts, within)
        self._mark_not_owned(documents, verdicts, owners)

    async def _owners(self, documents: Sequence[dict[str, Any]], verdicts: list[Verdict],
                      within: WriteUnit | None, *, fall_back: bool = True) -> dict[str, str]:
        """The owners of the sessions of the documents still kept, claimed if new."""
        wanted: dict[str, str] = {}
        for d, v in zip(documents, verdicts, strict=True):
            if v is None and d.get("session_id") and d.get("user_id"):
                wanted.setdefault(d["session_id"], d["user_id"])
        return await self._sessions.claim(wanted, self._clock(), within=within,
                                          fall_back=fall_back)

    @staticmethod
    def _mark_not_owned(documents: Sequence[dict[str, Any]], verdicts: list[Verdict],
                        owners: dict[str, str]) -> None:
        for i, d in enumerate(documents):
            session, user = d.get("session_id"), d.get("user_id")
            if verdicts[i] is None and user and session in owners and owners[session] != user:
                verdicts[i] = NOT_OWNED

    async def _check_references(self, documents: Sequence[dict[str, Any]],
                                verdicts: list[Verdict]) -> None:
        live = [(i, d) for i, d in enumerate(documents) if verdicts[i] is None]
        if any(d["type"] == "BILL_VOTE" for _, d in live):
            bills = await self._references.bills()
            for i, d in live:
                if bills and d["type"] == "BILL_VOTE" and d["bill_id"] not in bills:
                    verdicts[i] = Refusal(Code.UNKNOWN_REFERENCE,
                                          f"bill_id {d['bill_id'][:64]!r} is not a known bill")
        shifts = [(i, d) for i, d in live if d["type"] == "MOMENTUM_SHIFT" and d.get("poll_id")]
        if shifts:
            supported = await self._references.supported_polls(
                (d["poll_id"] for _, d in shifts), [d for _, d in live])
            for i, d in shifts:
                if d["poll_id"] not in supported:
                    verdicts[i] = Refusal(
                        Code.UNSUPPORTED_MOMENTUM,
                        f"poll {d['poll_id'][:64]!r} is not stored or its margin has not "
                        "changed: a momentum shift needs a poll that moved")

    async def _limit(self, documents: Sequence[dict[str, Any]], verdicts: list[Verdict],
                     origin: Origin) -> None:
        if self._limiter is None:
            return
        indexes, requests = [], []
        for i, d in enumerate(documents):
            if verdicts[i] is not None:
                continue
            policy = self._policies.of(d["type"])
            buckets: list[tuple[str, Rate]] = []
            if policy.per_player and d.get("user_id"):
                buckets.append((player_bucket(d["user_id"]) + d["type"], policy.per_player))
            if policy.per_key and origin.api_key:
                buckets.append((f"key:{origin.api_key}:{d['type']}", policy.per_key))
            if buckets:
                indexes.append(i)
                requests.append(buckets)
        if not requests:
            return
        outcome = await self._limiter.take(requests, self._clock().timestamp())
        for i, granted in zip(indexes, outcome.granted, strict=True):
            if not granted:
                verdicts[i] = TOO_FAST
