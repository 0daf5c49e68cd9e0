"""The ingestion service: validate a batch, store what is valid, quarantine the rest, publish."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pydantic_core
from pydantic import BaseModel

from questlog.bus import Bus
from questlog.clock import utcnow
from questlog.events import EventBase
from questlog.ingest.codes import Code
from questlog.ingest.gate import OPTED_OUT, Gate, OpenGate, Origin, Refusal, Verdict
from questlog.ingest.hooks import IngestHooks
from questlog.ingest.quarantine import Quarantine
from questlog.ingest.validation import Context, Limits, Rejection, check_event, to_millis
from questlog.ingest.writer import WriteOutcome, insert_events
from questlog.settings import Settings
from questlog.store.documents import REJECTION_COUNTS
from questlog.store.retry import deadline
from questlog.store.transactions import Transactions, WriteUnit, aborted_on_error
from questlog.store.types import MotorCollection


@dataclass(frozen=True)
class EventsStored:
    """Published on the bus once a batch of events is durable; duplicates are not in it."""

    documents: tuple[dict[str, Any], ...]


@dataclass
class BatchResult:
    accepted: int = 0
    event_ids: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    opted_out: int = 0  # dropped for a player who opted out or was erased: not an error
    sampled_out: int = 0  # valid, but left out by the sampling policy (and counted)

    @property
    def duplicates(self) -> int:
        return len(self.duplicate_ids)

    @property
    def rejected(self) -> int:
        return len(self.rejections)


class EventRejected(Exception):
    def __init__(self, rejection: Rejection) -> None:
        super().__init__(f"{rejection.code}: {rejection.message}")
        self.rejection = rejection


def as_item(event: EventBase | Mapping[str, Any]) -> dict[str, Any]:
    """An in-process event as the JSON object a client would have sent.

    A deep copy: what the caller changes afterwards, at any depth, is not what is stored.
    """
    if isinstance(event, BaseModel):
        return event.model_dump(mode="json", exclude_none=True)
    return copy.deepcopy(dict(event))


class Ingestor:
    def __init__(
        self,
        *,
        settings: Settings,
        events: MotorCollection,
        rejected: MotorCollection,
        bus: Bus,
        counts: MotorCollection | None = None,
        clock: Callable[[], datetime] = utcnow,
        gate: Gate | None = None,
        hooks: IngestHooks | None = None,
        transactions: Transactions | None = None,
    ) -> None:
        self._settings = settings
        self.gate: Gate = gate or OpenGate()
        self._hooks = hooks or IngestHooks()
        self._events = events
        self._transactions = transactions or Transactions()
        self._quarantine = Quarantine(
            settings=settings, rejected=rejected,
            counts=counts if counts is not None else rejected.database[REJECTION_COUNTS],
        )
        self._bus = bus
        self._clock = clock
        self._limits = Limits(
            max_event_bytes=settings.max_event_bytes,
            max_future=timedelta(seconds=settings.max_future_seconds),
            max_past=timedelta(days=settings.max_past_days),
        )

    async def ingest(
        self,
        items: Sequence[object],
        *,
        sent_at: datetime | None = None,
        api_key: str | None = None,
        origin: Origin | None = None,
    ) -> BatchResult:
        """Store every valid event of `items`; the invalid ones are quarantined, never lost."""
        origin = origin or Origin(api_key=api_key)
        context = Context(
            received_at=to_millis(self._clock()),
            ingest_id=uuid.uuid4().hex,
            company_salt=self._settings.company_salt,
            sent_at=sent_at,
        )
        documents, result = [], BatchResult()
        for index, item in enumerate(items):
            prepared = self.gate.prepare(item, origin)
            checked = check_event(prepared, index=index, limits=self._limits, context=context)
            if isinstance(checked, Rejection):
                result.rejections.append(checked)
            else:
                documents.append((index, checked))
        with self._hooks.admitted(len(items)):  # may refuse the batch: Overloaded
            # One deadline for the whole write, retries included, and the access checks'
            # reads before it: a store that does not answer costs the client
            # write_deadline_seconds, then a 503 to retry. The screening's writes (the
            # sessions' claims) and the events' insert go in one command or one commit
            # where the store has those (questlog.store.transactions).
            async with (
                deadline(self._settings.write_deadline_seconds),
                aborted_on_error(await self._transactions.unit(events=len(documents))) as unit,
            ):
                screened = await self._screen(documents, origin, result, unit)
                kept = self._hooks.sampled([d for _, d in screened])
                result.sampled_out = len(screened) - len(kept)
                await self.quarantine(result.rejections, context=context, api_key=api_key)
                outcome = WriteOutcome(stored=[], duplicates=[])
                if kept:
                    with self._hooks.inserting(len(kept)):
                        outcome = await self._store(kept, unit, screened, result,
                                                    context=context, api_key=api_key)
                else:
                    await unit.commit()  # the claims stand, as on their own
            result.accepted = len(outcome.stored)
            result.duplicate_ids = [d["_id"] for d in outcome.duplicates]
            result.event_ids = [d["_id"] for d in outcome.stored]
            if outcome.stored:
                self._bus.publish(EventsStored(tuple(outcome.stored)))
        self._hooks.ingested(
            items=len(items), stored=outcome.stored, duplicates=outcome.duplicates,
            rejections=result.rejections,
        )
        return result

    async def _store(
        self, kept: list[dict[str, Any]], unit: WriteUnit,
        screened: list[tuple[int, dict[str, Any]]], result: BatchResult, *,
        context: Context, api_key: str | None,
    ) -> WriteOutcome:
        """Insert `kept`: with `unit`'s writes when the screening made some in it, else
        each batch on its own (with retries, duplicates told apart)."""
        if unit.started:
            # Any failure there (a duplicate included) leaves no retry inside it.
            if await unit.commit_with(self._events, kept):
                return WriteOutcome(stored=list(kept), duplicates=[])
            # Not all of it landed (or that is not known): the claims again on their
            # own (one already made is found ours), then the insert as without a unit (an
            # event that did land carries this request's ingest_id: ours).
            ours = {id(d) for d in kept}
            again = [(i, d) for i, d in screened if id(d) in ours]
            verdicts = await self.gate.reclaim([d for _, d in again])
            kept = [d for _, d in self._apply(again, verdicts, result)]
            refused = {i for (i, _), verdict in zip(again, verdicts, strict=True) if verdict}
            late = [r for r in result.rejections if r.index in refused]
            await self.quarantine(late, context=context, api_key=api_key)
        await unit.commit()
        return await insert_events(
            self._events, kept, retries=self._settings.write_retries,
            backoff=self._settings.write_backoff_seconds,
        )

    async def _screen(
        self, documents: list[tuple[int, dict[str, Any]]], origin: Origin, result: BatchResult,
        unit: WriteUnit,
    ) -> list[tuple[int, dict[str, Any]]]:
        """The documents access control keeps; the refused ones join the rejections."""
        if not documents:
            return documents
        verdicts = await self.gate.screen([d for _, d in documents], origin, within=unit)
        return self._apply(documents, verdicts, result)

    @staticmethod
    def _apply(
        documents: list[tuple[int, dict[str, Any]]], verdicts: list[Verdict],
        result: BatchResult,
    ) -> list[tuple[int, dict[str, Any]]]:
        """The documents whose verdict keeps them; the others counted or rejected."""
        kept = []
        for (index, document), verdict in zip(documents, verdicts, strict=True):
            if verdict is None:
                kept.append((index, document))
            elif verdict == OPTED_OUT:
                result.opted_out += 1
            elif isinstance(verdict, Refusal):
                result.rejections.append(Rejection(
                    index=index, code=verdict.code, message=verdict.message,
                    event_id=document["_id"], event_type=document["type"],
                    raw=pydantic_core.to_json(document, fallback=str).decode(),
                ))
        result.rejections.sort(key=lambda r: r.index)
        return kept

    async def log_event(self, event: EventBase | Mapping[str, Any]) -> str:
        """Store one event from this process; return its event_id (also for a duplicate).

        Raises EventRejected for an invalid event and StoreUnavailable when MongoDB
        kept failing; see BestEffortLogger for a variant that never raises.
        """
        item = as_item(event)
        result = await self.ingest([item])
        if result.rejections:
            raise EventRejected(result.rejections[0])
        return (result.event_ids or result.duplicate_ids)[0]

    async def reject_request(
        self, code: Code, message: str, raw: str, *, api_key: str | None, size: int | None = None
    ) -> None:
        """Quarantine a request that could not be read as a batch at all.

        `raw` may be only its first bytes (a body over the limit is not read); `size` is
        the body's size, as declared or as far as it was read.
        """
        context = Context(received_at=self._clock(), ingest_id=uuid.uuid4().hex, company_salt="")
        rejection = Rejection(index=-1, code=code, message=message, raw=raw, size=size)
        async with deadline(self._settings.write_deadline_seconds):
            await self.quarantine([rejection], context=context, api_key=api_key)

    async def quarantine(
        self, rejections: Sequence[Rejection], *, context: Context, api_key: str | None
    ) -> None:
        await self._quarantine.keep(rejections, context=context, api_key=api_key)
