"""One pass over a day's raw events into its buckets' documents. Pure.

The rollup's hot path. Each event is read once (the store streams the day's events
over the event_time index) and added to the buckets it counts in: its type's bucket
of the whole game, of its company and of its player. The documents are one per owner
(see buckets.py), each holding the owner's buckets of every type.

An event is added to one bucket only while scanning, that of its type, company and
player together (the finest owner); the player's, the company's and the game's buckets
are put together from those when the documents are built, every list of values joined
once rather than each value appended three times (fsum, min, max and counted sketch
keys do not depend on how the values were grouped).

Most buckets hold one event (a player rarely sends one type twice a day), so a bucket
first keeps just that event (`Seen`) and becomes an Accumulator (accumulator.py) at its
second one. A one-event bucket's field statistics depend on its value alone and are
built once per distinct value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from questlog.stats.accumulator import (
    EMPTY_FIELD,
    Accumulator,
    Seen,
    accumulated_part,
    combined,
    sketch_key,
    sketch_of,
)
from questlog.stats.buckets import GLOBAL, TYPES, Owner, Span, bucket_header, owner_part
from questlog.stats.fields import SHAPES, SUCCESS_FIELD, TypeShape

SAMPLE_RATE = "sample_rate"  # stored on a sampled event (questlog.ops.sampling)
_NO_SHAPE = TypeShape()
_NUMBER = (int, float)  # bool is its own type here, never counted as a number
_UNSEEN = object()


Bucket = Seen | Accumulator
OwnerKey = tuple[str | None, str | None]  # (company, user) of an event: tuples hash fast


class DayScan:
    """Feed it a day's events (`add`), then take its documents (`iter_documents`)."""

    def __init__(self) -> None:
        self.owners: dict[OwnerKey, dict[str, Bucket]] = {}  # the finest owners' buckets
        self.events = 0
        self._keys: dict[float, int | None] = {}  # sketch keys of the values seen: they repeat
        self._single: dict[tuple[float, type], dict[str, Any]] = {}  # see _single_field

    def add_all(self, events: Iterable[Mapping[str, Any]]) -> None:
        for event in events:
            self.add(event)

    def add(self, event: Mapping[str, Any]) -> None:
        event_type = event.get("type")
        if type(event_type) is not str:
            return
        self.events += 1
        shape = SHAPES.get(event_type, _NO_SHAPE)
        present: list[tuple[str, float, int | None]] = []
        keys = self._keys
        for name in shape.numeric:
            value: Any = event.get(name)
            if type(value) in _NUMBER:
                key = keys.get(value, _UNSEEN)
                if key is _UNSEEN:
                    key = keys[value] = sketch_key(value)
                present.append((name, value, key))  # type: ignore[arg-type]
        user = event.get("user_id")
        seen = Seen(present, shape.has_success and event.get(SUCCESS_FIELD) is True,
                    event.get(SAMPLE_RATE), user)
        owner = (event.get("company_id"), user)
        buckets = self.owners.get(owner)
        if buckets is None:
            self.owners[owner] = {event_type: seen}
            return
        bucket = buckets.get(event_type)
        if bucket is None:
            buckets[event_type] = seen
            return
        if type(bucket) is Seen:
            first, bucket = bucket, Accumulator(shape)
            buckets[event_type] = bucket
            bucket.add(first)
        bucket.add(seen)  # type: ignore[union-attr]

    def iter_documents(self, span: Span) -> Iterator[dict[str, Any]]:
        """One document per owner, with its buckets of every type (buckets.to_document's
        shape, built here directly: this runs hundreds of thousands of times a dense day).
        The companies' first, then the game's (joined from the companies'), then the
        players'."""
        start = span.start_day.isoformat()
        everyone: dict[str, list[Bucket]] = {}
        companies: dict[str, dict[str, list[Bucket]]] = {}
        users: dict[str, list[dict[str, Bucket]]] = {}
        for (company, user), buckets in self.owners.items():
            ours = everyone if company is None else companies.setdefault(company, {})
            for event_type, bucket in buckets.items():
                ours.setdefault(event_type, []).append(bucket)
            if user is not None:
                users.setdefault(user, []).append(buckets)
        for company, buckets_of in companies.items():
            joined = {t: _joined(t, buckets) for t, buckets in buckets_of.items()}
            for event_type, bucket in joined.items():  # the game's are the companies' too
                everyone.setdefault(event_type, []).append(bucket)
            yield self._document(span, Owner("company", company_id=company), start, joined)
        if everyone:
            joined = {t: _joined(t, buckets) for t, buckets in everyone.items()}
            yield self._document(span, GLOBAL, start, joined)
        for user, groups in users.items():
            if len(groups) == 1:  # a player of one company (or none) that day: nearly all
                joined = groups[0]
            else:
                lists: dict[str, list[Bucket]] = {}
                for buckets in groups:
                    for event_type, bucket in buckets.items():
                        lists.setdefault(event_type, []).append(bucket)
                joined = {t: _joined(t, buckets) for t, buckets in lists.items()}
            yield self._document(span, Owner("user", user_id=user), start, joined)

    def _document(self, span: Span, owner: Owner, start: str, buckets: dict[str, Bucket]
                  ) -> dict[str, Any]:
        document = bucket_header(span, owner, owner_part(owner) + start)
        document[TYPES] = {t: self._part(t, buckets[t]) for t in sorted(buckets)}
        return document

    def documents(self, span: Span) -> list[dict[str, Any]]:
        return list(self.iter_documents(span))

    def _part(self, event_type: str, bucket: Bucket) -> dict[str, Any]:
        if type(bucket) is Seen:
            return self._single_part(SHAPES.get(event_type, _NO_SHAPE), bucket)
        return accumulated_part(bucket)  # type: ignore[arg-type]

    def _single_part(self, shape: TypeShape, seen: Seen) -> dict[str, Any]:
        """A one-event bucket's statistics (the shape of accumulated_part)."""
        user, rate = seen.user, seen.rate
        fields = dict.fromkeys(shape.numeric, EMPTY_FIELD)
        for name, value, key in seen.present:
            fields[name] = self._single_field(value, key, rate)
        part: dict[str, Any] = {
            "count": 1,
            "successes": int(seen.success) if shape.has_success else None,
            "distinct_users": 0 if user is None else 1,
            "distinct_users_exact": True,
            "users": [] if user is None else [user],
            "users_hll": None,
            "fields": fields,
        }
        if rate is not None:
            part["estimated_count"] = 1 / rate
        return part

    def _single_field(self, value: float, key: int | None, rate: float | None
                      ) -> dict[str, Any]:
        """One value's field statistics. Unsampled, they are shared between the buckets
        of equal values (values repeat; documents are only encoded, never changed): by
        value and type, as 1 and 1.0 are stored apart; zeros not, for -0.0 is not 0.0."""
        memo = rate is None and value != 0
        if memo:
            stored = self._single.get((value, type(value)))
            if stored is not None:
                return stored
        stored = {"n": 1, "sum": float(value), "sum_sq": float(value * value),
                  "min": value, "max": value, "q": sketch_of([key])}
        if rate is not None:
            stored["weighted_sum"] = value / rate
        elif memo:
            self._single[(value, type(value))] = stored
        return stored



def _joined(event_type: str, buckets: list[Bucket]) -> Bucket:
    """One bucket of the events of `buckets` (all of one type)."""
    if len(buckets) == 1:
        return buckets[0]
    return combined(SHAPES.get(event_type, _NO_SHAPE), buckets)
