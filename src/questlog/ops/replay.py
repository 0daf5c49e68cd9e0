"""Replay of quarantined events: validate them again against today's contracts and
store those that now pass, once however many times the replay runs.

Each quarantined rejection holds the raw JSON it came as: one event, or a whole request
that could not be read as a batch. A replayed event keeps its own event_id; one sent
without is given an id derived from its quarantine record and position, so that a
second replay finds it a duplicate instead of storing it again. Events that still fail
are counted by code and left in the quarantine, never quarantined a second time; each
replayed record is marked with what came of it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from questlog.clock import utcnow
from questlog.ingest.service import Ingestor
from questlog.ingest.validation import Context, Limits, Rejection, check_event, to_millis
from questlog.settings import Settings
from questlog.store.queries import time_range
from questlog.store.types import MotorCollection

MAX_REPLAY = 100_000  # records per call; narrow the filter beyond it


@dataclass(frozen=True)
class ReplayFilter:
    codes: frozenset[str] | None = None
    start: datetime | None = None  # received_at, included
    end: datetime | None = None  # excluded
    ids: frozenset[str] | None = None

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = {"replay.outcome": {"$nin": ["stored", "duplicate"]}}
        if self.codes:
            query["code"] = {"$in": sorted(self.codes)}
        if self.ids is not None:
            query["_id"] = {"$in": [object_id(i) for i in sorted(self.ids)]}
        return query | time_range("received_at", self.start, self.end)


class BadFilter(ValueError):
    pass


def object_id(value: str) -> ObjectId:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError) as exc:
        raise BadFilter(f"{value!r} is not the id of a quarantined record") from exc


@dataclass
class ReplayReport:
    matched: int = 0  # quarantine records the filter found
    events: int = 0  # events in them
    stored: int = 0
    duplicate: int = 0
    still_rejected: Counter[str] = field(default_factory=Counter)  # by code
    unreadable: int = 0  # truncated, or not JSON: nothing to replay

    def public(self) -> dict[str, Any]:
        return {
            "matched": self.matched, "events": self.events, "stored": self.stored,
            "duplicate": self.duplicate, "still_rejected": dict(self.still_rejected),
            "unreadable": self.unreadable,
        }


def events_of(record: dict[str, Any]) -> list[Any] | None:
    """The events a quarantine record holds, or None when it cannot be read."""
    if record.get("raw_truncated"):
        return None
    try:
        parsed = json.loads(record["raw"])
    except (ValueError, TypeError):
        return None
    if record.get("index") is None and isinstance(parsed, dict) and isinstance(
        parsed.get("events"), list
    ):
        return list(parsed["events"])  # a whole batch that was refused as a request
    return [parsed]


def with_replay_id(item: Any, record_id: Any, position: int) -> Any:
    """The item with an event_id: its own, or one derived from where it was quarantined."""
    if not isinstance(item, dict) or item.get("event_id") or item.get("eventId"):
        return item
    return {**item, "event_id": f"replay-{record_id}-{position}"}


Progress = Callable[[int], object]


class Replayer:
    def __init__(
        self, *, settings: Settings, rejected: MotorCollection, ingestor: Ingestor,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._rejected, self._ingestor, self._clock = rejected, ingestor, clock
        self._limits = Limits(
            max_event_bytes=settings.max_event_bytes,
            max_future=timedelta(seconds=settings.max_future_seconds),
            max_past=timedelta(days=settings.max_past_days),
        )
        self._salt = settings.company_salt

    async def count(self, where: ReplayFilter) -> int:
        return int(await self._rejected.count_documents(where.query()))

    async def replay(self, where: ReplayFilter, *, progress: Progress | None = None
                     ) -> ReplayReport:
        report = ReplayReport()
        cursor = self._rejected.find(where.query()).sort("received_at", 1).limit(MAX_REPLAY)
        async for record in cursor:
            report.matched += 1
            await self._replay_one(record, report)
            if progress is not None:
                progress(1)
        return report

    async def _replay_one(self, record: dict[str, Any], report: ReplayReport) -> None:
        items = events_of(record)
        if items is None:
            report.unreadable += 1
            await self._mark(record, "unreadable")
            return
        items = [with_replay_id(item, record["_id"], i) for i, item in enumerate(items)]
        report.events += len(items)
        context = Context(received_at=to_millis(self._clock()), ingest_id="replay-check",
                          company_salt=self._salt)
        checked = [check_event(item, index=i, limits=self._limits, context=context)
                   for i, item in enumerate(items)]
        failed = [c for c in checked if isinstance(c, Rejection)]
        for rejection in failed:
            report.still_rejected[str(rejection.code)] += 1
        valid = [item for item, c in zip(items, checked, strict=True)
                 if not isinstance(c, Rejection)]
        stored: Sequence[str] = []
        if valid:
            result = await self._ingestor.ingest(valid)
            stored = result.event_ids
            report.stored += result.accepted
            report.duplicate += result.duplicates
            for rejection in result.rejections:  # changed between the check and the write
                report.still_rejected[str(rejection.code)] += 1
        if failed:
            outcome = "still_rejected"
        elif stored:
            outcome = "stored"
        else:
            outcome = "duplicate"
        await self._mark(record, outcome, event_ids=list(stored),
                         codes=sorted({str(r.code) for r in failed}))

    async def _mark(self, record: dict[str, Any], outcome: str, **details: Any) -> None:
        replay = {"outcome": outcome, "at": self._clock(), **details}
        await self._rejected.update_one({"_id": record["_id"]}, {"$set": {"replay": replay}})
