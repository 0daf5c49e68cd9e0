"""The quarantine of rejected events, bounded so that it cannot be used to fill the store.

- Each key may store `rejected_budget_per_hour` rejections an hour (UTC hours). Past
  it, its rejections are counted, not stored: one tally per key, hour and code, with
  the count, their bytes, the first and last time and one sample (the first one's
  start). "Identical" rejections are thus those of one key with one code in one hour.
- The whole quarantine holds at most `rejected_max_documents`; past it the oldest are
  deleted, and counted as evicted in the same tallies.
- Tallies expire with the quarantine (`rejected_ttl_days`).

The budget is kept in the store, not in the process: every API process shares it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from questlog.ingest.validation import Context, Rejection
from questlog.settings import Settings
from questlog.store.retry import StoreUnavailable, with_retries
from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)

IN_PROCESS = "in-process"  # the key label of log_event and log_event_nowait
SAMPLE_BYTES = 1024


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class Quarantine:
    def __init__(
        self, *, settings: Settings, rejected: MotorCollection, counts: MotorCollection
    ) -> None:
        self._settings = settings
        self._rejected = rejected
        self._counts = counts

    async def keep(
        self, rejections: Sequence[Rejection], *, context: Context, api_key: str | None
    ) -> None:
        """Store what the key's budget allows, count the rest; never raises for the store."""
        if not rejections:
            return
        key = api_key or IN_PROCESS
        try:
            room = await self._room(key, context.received_at, len(rejections))
            stored = [self._document(r, context, key) for r in rejections[:room]]
            if stored:
                await self._retry(lambda: self._rejected.insert_many(stored, ordered=False))
            await self._tally(rejections[room:], key, context.received_at, field="counted")
            if stored:
                await self._evict_past_cap(context.received_at)
        except StoreUnavailable:
            log.error("could not quarantine %d rejected events of %s: %s",
                      len(rejections), key, [self._document(r, context, key) for r in rejections])

    async def _retry(self, operation: Any) -> Any:
        return await with_retries(
            operation, retries=self._settings.write_retries,
            backoff=self._settings.write_backoff_seconds,
        )

    async def _room(self, key: str, now: datetime, wanted: int) -> int:
        """How many of `wanted` new rejections the key's budget of this hour still stores."""
        hour = hour_of(now)
        budget = await self._retry(lambda: self._counts.find_one_and_update(
            {"_id": f"budget|{key}|{hour.isoformat()}"},
            {"$inc": {"seen": wanted},
             "$setOnInsert": {"kind": "budget", "api_key": key, "hour": hour}},
            upsert=True, return_document=ReturnDocument.AFTER,
        ))
        seen_before = int(budget["seen"]) - wanted
        return max(0, min(wanted, self._settings.rejected_budget_per_hour - seen_before))

    async def _tally(
        self, rejections: Sequence[Rejection], key: str, now: datetime, *, field: str
    ) -> None:
        by_code: dict[str, list[Rejection]] = {}
        for r in rejections:
            by_code.setdefault(str(r.code), []).append(r)
        totals = {c: (len(rs), sum(len(r.raw) for r in rs), rs[0].raw) for c, rs in by_code.items()}
        await self._add_to_tallies(totals, key, now, field=field)

    async def _add_to_tallies(
        self, by_code: dict[str, tuple[int, int, str]], key: str, now: datetime, *, field: str
    ) -> None:
        hour = hour_of(now)
        for code, (count, size, sample) in by_code.items():
            result = await self._retry(lambda code=code, count=count, size=size, sample=sample:
                self._counts.update_one(
                    {"_id": f"tally|{key}|{hour.isoformat()}|{code}"},
                    {"$inc": {field: count, "bytes": size},
                     "$min": {"first_seen": now}, "$max": {"last_seen": now},
                     "$setOnInsert": {"kind": "tally", "api_key": key, "hour": hour,
                                      "code": code, "sample": sample[:SAMPLE_BYTES]}},
                    upsert=True,
                ))
            if result.upserted_id is not None:  # once per key, hour and code: no log flood
                log.warning("quarantine: %s rejections of %s with code %s are now %s, not "
                            "stored, this hour (see GET /api/v1/events/rejected)",
                            "further" if field == "counted" else "old", key, code, field)

    async def _evict_past_cap(self, now: datetime) -> None:
        cap = self._settings.rejected_max_documents
        # The collection's metadata count: O(1), where count_documents would scan it.
        excess = await self._rejected.estimated_document_count() - cap
        if excess <= 0:
            return
        oldest = await self._rejected.find(
            {}, {"_id": 1, "api_key": 1, "code": 1, "raw": 1}
        ).sort([("received_at", 1), ("_id", 1)]).limit(excess).to_list(None)
        await self._rejected.delete_many({"_id": {"$in": [d["_id"] for d in oldest]}})
        by_key: dict[str, Counter[str]] = {}
        sizes: Counter[tuple[str, str]] = Counter()
        samples: dict[tuple[str, str], str] = {}
        for d in oldest:
            key, code = d.get("api_key") or IN_PROCESS, d["code"]
            by_key.setdefault(key, Counter())[code] += 1
            sizes[key, code] += len(d.get("raw", ""))
            samples.setdefault((key, code), d.get("raw", ""))
        for key, codes in by_key.items():
            await self._add_to_tallies(
                {c: (n, sizes[key, c], samples[key, c]) for c, n in codes.items()},
                key, now, field="evicted",
            )

    def _document(self, r: Rejection, context: Context, key: str) -> dict[str, Any]:
        cap = self._settings.rejected_raw_cap_bytes
        raw = r.raw.encode()
        return {
            "code": str(r.code),
            "message": r.message,
            "index": r.index if r.index >= 0 else None,
            "event_id": r.event_id,
            "event_type": r.event_type,
            "raw": raw[:cap].decode(errors="ignore"),
            "raw_truncated": len(raw) > cap or (r.size is not None and r.size > len(raw)),
            "size": len(raw) if r.size is None else r.size,
            "received_at": context.received_at,
            "ingest_id": context.ingest_id,
            "api_key": None if key == IN_PROCESS else key,
        }


async def not_stored(
    counts: MotorCollection, *, code: str | None, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    """Per key and code: what was counted past the budget or evicted past the cap."""
    match: dict[str, Any] = {"kind": "tally"}
    if code:
        match["code"] = code
    bounds = {op: hour_of(t) for op, t in (("$gte", start), ("$lte", end)) if t is not None}
    if bounds:
        match["hour"] = bounds
    out: dict[tuple[str, str], dict[str, Any]] = {}
    async for t in counts.find(match).sort([("hour", 1), ("_id", 1)]):
        entry = out.setdefault((t["api_key"], t["code"]), {
            "api_key": None if t["api_key"] == IN_PROCESS else t["api_key"], "code": t["code"],
            "counted": 0, "evicted": 0, "bytes": 0,
            "first_seen": t["first_seen"], "last_seen": t["last_seen"], "sample": t["sample"],
        })
        entry["counted"] += t.get("counted", 0)
        entry["evicted"] += t.get("evicted", 0)
        entry["bytes"] += t.get("bytes", 0)
        entry["first_seen"] = min(entry["first_seen"], t["first_seen"])
        entry["last_seen"] = max(entry["last_seen"], t["last_seen"])
    return sorted(out.values(), key=lambda e: (e["api_key"] or "", e["code"]))
