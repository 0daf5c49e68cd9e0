"""The sessions service: summarize a session whole from its stored events, close it,
refit its player's model, and read both.

Every write of a session is guarded by the `version` it was computed from, and
retried from a fresh read when the guard refuses it. A summary is a function of the
session's stored events (and of how and when it was first closed), so two closers, or
a closer and a late event, end with the summary of all the events: whoever read the
events last writes last, every other write is refused and recomputed. A session
whose events are fewer than its summary counted (raw events expired) keeps its summary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from questlog.clock import utcnow
from questlog.ingest.validation import to_millis
from questlog.sessions import features as feats
from questlog.sessions.documents import ClosedBy
from questlog.sessions.learner import model_state
from questlog.store.queries import Page
from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)

# The fields of a stored event the features read.
EVENT_FIELDS = dict.fromkeys((
    "type", "event_time", "user_id", "company_id", "task_id", "expected_duration_s",
    "duration_s", "sequence", "attempt_number", "success", "question_id", "payload.state",
), 1)
# Derived fields compared to tell whether a recomputation changed anything.
DERIVED = (
    "user_id", "company_id", "company_ids", "catalogs", "started_at", "last_event_at",
    "ended_at", "status", "closed_by", "closed_at", "event_count", "events_by_type",
    "features", "conflict", "model_pending",
)
# A write that retries this often against other writers is a bug, not contention.
MAX_ATTEMPTS = 50


class SessionError(Exception):
    pass


class UnknownSession(SessionError):
    pass


class MixedCompany(SessionError):
    def __init__(self, summary: dict[str, Any]) -> None:
        conflict = summary["conflict"]
        super().__init__(
            f"the attempts of session {summary['_id']!r} name several companies "
            f"({', '.join(conflict['company_ids'])}); it cannot be finalized"
        )
        self.summary = summary


@dataclass(frozen=True)
class Close:
    how: ClosedBy
    idle_before: datetime | None = None  # idle_timeout: close only if the last event is older


class SessionService:
    def __init__(
        self, *, events: MotorCollection, sessions: MotorCollection, models: MotorCollection,
        raw_ttl: timedelta, clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._events, self._sessions, self._models = events, sessions, models
        self._raw_ttl, self._clock = raw_ttl, clock

    # -- reads ------------------------------------------------------------------------

    async def get(self, session_id: str) -> dict[str, Any] | None:
        return await self._sessions.find_one({"_id": session_id})

    async def for_player(self, user_id: str, page: Page) -> tuple[list[dict[str, Any]], int]:
        query = {"user_id": user_id}
        total = await self._sessions.count_documents(query)
        cursor = self._sessions.find(query).sort([("started_at", -1), ("_id", -1)])
        cursor = cursor.skip((page.number - 1) * page.size).limit(page.size)
        return [doc async for doc in cursor], total

    async def model(self, user_id: str) -> dict[str, Any] | None:
        return await self._models.find_one({"_id": user_id})

    async def open_count(self) -> int:
        """Sessions not yet closed (an end event, an explicit close or the idle timeout);
        counted through the index status_last_event."""
        return int(await self._sessions.count_documents({"status": "open"}))

    # -- summaries --------------------------------------------------------------------

    async def refresh(self, session_id: str) -> dict[str, Any] | None:
        """Bring the session's summary up to date with its stored events; None if it has none."""
        return await self._summarize(session_id, None)

    async def close(self, session_id: str, *, how: ClosedBy = "explicit") -> dict[str, Any]:
        """Close the session (idempotent): UnknownSession, or MixedCompany for an explicit
        close of a session whose attempts name several companies (the conflict is recorded)."""
        summary = await self._summarize(session_id, Close(how))
        if summary is None:
            raise UnknownSession(f"no events of session {session_id!r} are stored")
        if summary["status"] != "closed" and summary.get("conflict"):
            raise MixedCompany(summary)
        return summary

    async def close_if_idle(self, session_id: str, *, idle_before: datetime) -> bool:
        summary = await self._summarize(session_id, Close("idle_timeout", idle_before))
        return summary is not None and summary.get("closed_by") == "idle_timeout"

    async def _summarize(self, session_id: str, close: Close | None) -> dict[str, Any] | None:
        for _ in range(MAX_ATTEMPTS):
            doc = await self._sessions.find_one({"_id": session_id})
            # A closed summary (or an open one nobody is closing) is kept once its events
            # may have expired: a recomputation would shrink it. A close always closes.
            keep = doc is not None and (doc["status"] == "closed" or close is None)
            if keep and doc is not None and self._frozen(doc):
                return doc
            head = await self._header_of(session_id)
            if head is None:
                return doc
            if keep and doc is not None and head["event_count"] < doc["event_count"]:
                return doc
            closed_by = self._closed_by(doc, head, close)
            events = None
            if closed_by is not None:  # features need the events themselves
                events = await self._events_of(session_id)
                if not events:
                    return doc
                head = feats.header(events)
            new = self._derive(doc, head, events, closed_by)
            written: dict[str, Any] | None = doc
            if doc is None or any(doc.get(k) != new.get(k) for k in DERIVED):
                written = await self._write(session_id, doc, new)
            if written is None:
                continue  # another writer came first: recompute from what is stored now
            if written.get("model_pending"):
                await self._refit_after(written)
            return written
        raise RuntimeError(f"session {session_id!r}: {MAX_ATTEMPTS} writes refused in a row")

    def _frozen(self, doc: dict[str, Any]) -> bool:
        """Raw events of sessions this old may have expired: their summaries are kept."""
        return bool(doc["started_at"] < self._clock() - self._raw_ttl)

    async def _header_of(self, session_id: str) -> dict[str, Any] | None:
        """The session's header from one server-side group: no event is read back."""
        rows = [row async for row in self._events.aggregate([
            {"$match": {"session_id": session_id}},
            {"$sort": {"event_time": 1, "_id": 1}},
            {"$group": {
                "_id": {"t": "$type", "u": "$user_id", "c": "$company_id"},
                "n": {"$sum": 1}, "first": {"$first": "$event_time"},
                "first_id": {"$first": "$_id"}, "last": {"$max": "$event_time"},
            }},
        ])]
        return feats.header_of_groups(rows) if rows else None

    async def _events_of(self, session_id: str) -> list[dict[str, Any]]:
        cursor = self._events.find({"session_id": session_id}, EVENT_FIELDS)
        return feats.ordered([doc async for doc in cursor])

    def _closed_by(
        self, doc: dict[str, Any] | None, head: dict[str, Any], close: Close | None
    ) -> str | None:
        """How the session is closed: as it was first closed, by an ending event, or now."""
        if doc is not None and doc["status"] == "closed":
            closed_by: str = doc["closed_by"]
            return closed_by
        if any(t in feats.ENDING_TYPES for t in head["events_by_type"]):
            return "end_event"
        if close is None:
            return None
        if close.how == "explicit" and head["conflict"]:
            return None  # seed 004: refused; the conflict is recorded on the open session
        if close.idle_before is not None and head["last_event_at"] >= close.idle_before:
            return None  # events arrived since the job looked
        return close.how

    def _derive(
        self, doc: dict[str, Any] | None, head: dict[str, Any],
        events: list[dict[str, Any]] | None, closed_by: str | None,
    ) -> dict[str, Any]:
        new = dict(head)
        if closed_by is not None and events is not None:
            already = doc is not None and doc["status"] == "closed"
            new.update(
                status="closed", closed_by=closed_by, ended_at=new["last_event_at"],
                closed_at=doc["closed_at"] if already and doc else to_millis(self._clock()),
                features=feats.features(events),
            )
        else:
            new.update(status="open", closed_by=None, ended_at=None, closed_at=None,
                       features=None)
        before = _learner_input(doc) if doc is not None else None
        new["model_pending"] = before != _learner_input(new) or bool(
            doc and doc.get("model_pending")
        )
        return new

    async def _write(
        self, session_id: str, doc: dict[str, Any] | None, new: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The guarded write; None when another writer changed the session meanwhile."""
        fields = {**new, "summarized_at": to_millis(self._clock())}
        if doc is None:
            written = {"_id": session_id, "version": 1, **fields}
            try:
                await self._sessions.insert_one(written)
            except DuplicateKeyError:
                return None
            return written
        version = doc["version"]
        result = await self._sessions.update_one(
            {"_id": doc["_id"], "version": version},
            {"$set": {**fields, "version": version + 1}},
        )
        if result.matched_count != 1:
            return None
        return {**doc, **fields, "version": version + 1}

    # -- the learner ------------------------------------------------------------------

    async def _refit_after(self, session: dict[str, Any]) -> None:
        if session.get("user_id"):
            await self.refit(session["user_id"])
        # Cleared only if nobody rewrote the session since: a newer write refits again.
        await self._sessions.update_one(
            {"_id": session["_id"], "version": session["version"]},
            {"$set": {"model_pending": False}},
        )

    async def refit(self, user_id: str) -> dict[str, Any]:
        """Refit the player's model from their finalized sessions with first-try metrics."""
        for _ in range(MAX_ATTEMPTS):
            current = await self._models.find_one({"_id": user_id})
            pairs = await self._learner_sessions(user_id)
            state = model_state(pairs, trained_at=to_millis(self._clock()))
            if current is None:
                try:
                    await self._models.insert_one({"_id": user_id, "version": 1, **state})
                except DuplicateKeyError:
                    continue
                return {"_id": user_id, "version": 1, **state}
            result = await self._models.update_one(
                {"_id": user_id, "version": current["version"]},
                {"$set": {**state, "version": current["version"] + 1}},
            )
            if result.matched_count == 1:
                return {**current, **state, "version": current["version"] + 1}
        raise RuntimeError(f"model of {user_id!r}: {MAX_ATTEMPTS} writes refused in a row")

    async def _learner_sessions(self, user_id: str) -> list[tuple[float, float]]:
        cursor = self._sessions.find(
            {"user_id": user_id, "status": "closed", "conflict": None,
             "features.fta_level": {"$ne": None}},
            {"features.fta_level": 1, "features.repetition_burden": 1},
        ).sort([("started_at", 1), ("_id", 1)])
        return [
            (d["features"]["fta_level"], d["features"]["repetition_burden"])
            async for d in cursor
            if d.get("features", {}).get("fta_level") is not None
        ]

    async def refit_pending(self) -> int:
        """Refit what a crash left pending (a session written, its model not yet refitted)."""
        done = 0
        async for doc in self._sessions.find({"model_pending": True}):
            await self._refit_after(doc)
            done += 1
        return done


def _learner_input(doc: dict[str, Any]) -> tuple[Any, ...] | None:
    """What the player's model takes from one session; None when it takes nothing."""
    f = doc.get("features") or {}
    if doc.get("status") != "closed" or doc.get("conflict") or f.get("fta_level") is None:
        return None
    if not doc.get("user_id"):
        return None
    return (doc["user_id"], doc["started_at"], f["fta_level"], f["repetition_burden"])
