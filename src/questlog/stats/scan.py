"""One pass over a day's raw events into its buckets' documents. Pure.

The rollup's hot path. Each event is read once (the store streams the day's events
over the event_time index) and counts in its type's bucket of the whole game, of its
company and of its player. The documents are one per owner (see buckets.py), each
holding the owner's buckets of every type.

Scanning does as little per event as it can: the event becomes a row (parts.py: its
numbers, success and sample rate, no user) appended to one list, that of its type,
company and player together (the finest owner). The player's, the company's and the
game's buckets are joined from those lists when the documents are built, and each
figure is computed over a bucket's rows at once (parts.py), so no value is handled
three times, nor one at a time where a column will do. On a server, where the C
extension was built (compiled.py), the rows are read off the events' bytes in C
(add_batch) and the players' documents encoded in C (stored_documents, encoded.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

import bson
from bson.int64 import Int64

from questlog.stats.buckets import (
    GLOBAL,
    TYPES,
    Owner,
    Span,
    bucket_header,
    owner_part,
    scope_part,
)
from questlog.stats.compiled import COMPILED, native
from questlog.stats.encoded import Encoded, PlayerEncoder
from questlog.stats.fields import NO_SHAPE, SHAPES, SUCCESS_FIELD
from questlog.stats.packing import packed, unpacked
from questlog.stats.parts import Parts, Row
from questlog.store.naive import PLAIN

SAMPLE_RATE = "sample_rate"  # stored on a sampled event (questlog.ops.sampling)

# event type -> (its numeric fields' names as bytes, whether it has successes): SHAPES
# as scan_batch reads them
_SHAPES = {t: (tuple(name.encode() for name in shape.numeric), shape.has_success)
           for t, shape in SHAPES.items()}
OwnerKey = tuple[str | None, str | None]  # (company, user) of an event: tuples hash fast
Rows = dict[str, list[Row]]  # event type -> the rows of one owner's bucket of that type
Players = list[tuple[str, Rows]]  # (user, the player's rows of every type)


class Joined:
    """The rows of several finest owners' buckets of one type, and their users."""

    __slots__ = ("rows", "users")

    def __init__(self) -> None:
        self.rows: list[list[Row]] = []
        self.users: set[str] = set()

    def add(self, rows: list[Row], users: Iterable[str]) -> None:
        self.rows.append(rows)
        self.users.update(users)

    def all_rows(self) -> list[Row]:
        return self.rows[0] if len(self.rows) == 1 else list(chain.from_iterable(self.rows))


class DayScan:
    """Feed it a day's events (`add`), then take its documents (`iter_documents`)."""

    def __init__(self) -> None:
        self.owners: dict[OwnerKey, Rows] = {}  # the finest owners' rows
        self.events = 0

    def add_all(self, events: Iterable[Mapping[str, Any]]) -> None:
        for event in events:
            self.add(event)

    def add(self, event: Mapping[str, Any]) -> None:
        event_type = event.get("type")
        if type(event_type) is not str:
            return
        self.events += 1
        shape = SHAPES.get(event_type, NO_SHAPE)
        row = (tuple(map(event.get, shape.numeric)),
               shape.has_success and event.get(SUCCESS_FIELD) is True,
               event.get(SAMPLE_RATE))
        owner = (event.get("company_id"), event.get("user_id"))
        buckets = self.owners.get(owner)
        if buckets is None:
            self.owners[owner] = {event_type: [row]}
            return
        rows = buckets.get(event_type)
        if rows is None:
            buckets[event_type] = [row]
        else:
            rows.append(row)

    def add_batch(self, batch: bytes) -> None:
        """`add` each event of `batch`, as the server sends a batch (find_raw_batches: the
        events' BSON one after another), read in C from the bytes rather than decoded
        into dicts (_rollup.c's scan_batch; an event it does not read is decoded and
        added here). Only where compiled.COMPILED."""
        added = native.scan_batch(batch, self.owners, _SHAPES, Int64, self._add_bson)
        self.events += added  # after the call: _add_bson counts its events meanwhile

    def _add_bson(self, event: bytes) -> None:
        decoded: dict[str, Any] = bson.decode(event, PLAIN)
        self.add(decoded)

    def pack(self) -> bytes:
        """The scan as bytes (packing.py), for the rollup's helper process to send back."""
        return packed((self.events, self.owners))

    @classmethod
    def unpack(cls, data: bytes) -> DayScan:
        """The scan `pack` made `data` of."""
        scan = cls()
        scan.events, scan.owners = unpacked(data)
        return scan

    def merge(self, other: DayScan) -> None:
        """Count `other`'s events too (the scan of another part of the day)."""
        self.events += other.events
        for owner, theirs in other.owners.items():
            buckets = self.owners.get(owner)
            if buckets is None:
                self.owners[owner] = theirs
                continue
            for event_type, rows in theirs.items():
                mine = buckets.get(event_type)
                if mine is None:
                    buckets[event_type] = rows
                else:
                    mine.extend(rows)

    def iter_documents(self, span: Span, players: Players | None = None
                       ) -> Iterator[dict[str, Any]]:
        """One document per owner, with its buckets of every type (buckets.to_document's
        shape, built here directly: this runs hundreds of thousands of times a dense
        day): the players' (those of `players`, by default every player's), then the
        companies' and the game's. Players first: the server stores the first players'
        documents while the shared ones, each over thousands of rows, are built, rather
        than wait for them (about 3 s of a dense day)."""
        parts = Parts()
        yield from player_documents(span, self._chosen(players), parts)
        yield from self.shared_documents(span, parts)

    def stored_documents(self, span: Span, players: Players | None = None
                         ) -> Iterator[dict[str, Any] | Encoded]:
        """iter_documents' documents as the rollup writes them: the players' encoded
        (stored_player_documents), then the companies' and the game's."""
        parts = Parts()
        yield from stored_player_documents(span, self._chosen(players), parts)
        yield from self.shared_documents(span, parts)

    def _chosen(self, players: Players | None) -> Players:
        return self.players() if players is None else players

    def shared_documents(self, span: Span, parts: Parts) -> Iterator[dict[str, Any]]:
        """The companies' documents, then the game's."""
        start = span.start_day.isoformat()
        everyone: dict[str, Joined] = {}
        companies: dict[str, dict[str, Joined]] = {}
        for (company, user), buckets in self.owners.items():
            ours = everyone if company is None else companies.setdefault(company, {})
            for event_type, rows in buckets.items():
                _joined(ours, event_type).add(rows, () if user is None else (user,))
        for company, joined in companies.items():
            owner = Owner("company", company_id=company)
            yield _document(span, owner, start, {
                t: parts.part(SHAPES.get(t, NO_SHAPE), j.all_rows(), j.users)
                for t, j in joined.items()})
            for event_type, j in joined.items():  # the game's are the companies' too
                _joined(everyone, event_type).add(j.all_rows(), j.users)
        if everyone:
            yield _document(span, GLOBAL, start, {
                t: parts.part(SHAPES.get(t, NO_SHAPE), j.all_rows(), j.users)
                for t, j in everyone.items()})

    def players(self) -> Players:
        """Each player's rows of every type (of all their companies, or of none)."""
        users: dict[str, Rows] = {}
        for (_, user), buckets in self.owners.items():
            if user is None:
                continue
            mine = users.get(user)
            if mine is None:  # nearly always: a player of several companies is rare
                users[user] = buckets
                continue
            users[user] = joined = {t: list(rows) for t, rows in mine.items()}
            for event_type, rows in buckets.items():
                joined[event_type] = joined.get(event_type, []) + rows
        return list(users.items())

    def documents(self, span: Span) -> list[dict[str, Any]]:
        return list(self.iter_documents(span))

    def clear(self) -> None:
        """Let go of the rows (the documents are built); `events` stays counted."""
        self.owners = {}


def player_documents(span: Span, players: Players, parts: Parts
                     ) -> Iterator[dict[str, Any]]:
    """The documents of `players` (DayScan.players): nearly all of a day's. Each is the
    day's header with its owner's fields set, rather than built up again for every
    player."""
    header, start = bucket_header(span, GLOBAL, ""), span.start_day.isoformat()
    for user, mine in players:
        document = {**header, "_id": scope_part("user", user) + start, "scope": "user",
                    "user_id": user}
        document[TYPES] = {t: parts.part(SHAPES.get(t, NO_SHAPE), mine[t], (user,))
                           for t in (mine if len(mine) == 1 else sorted(mine))}
        yield document


def stored_player_documents(span: Span, players: Players, parts: Parts
                            ) -> Iterator[dict[str, Any] | Encoded]:
    """The documents of `players` as the rollup writes them: encoded in C where the
    extension was built (encoded.py), else player_documents' dicts."""
    if COMPILED:
        return PlayerEncoder(span, parts).documents(players)
    return player_documents(span, players, parts)


def _joined(joined: dict[str, Joined], event_type: str) -> Joined:
    found = joined.get(event_type)
    if found is None:
        found = joined[event_type] = Joined()
    return found


def _document(span: Span, owner: Owner, start: str, types: dict[str, dict[str, Any]]
              ) -> dict[str, Any]:
    document = bucket_header(span, owner, owner_part(owner) + start)
    document[TYPES] = {t: types[t] for t in sorted(types)}
    return document
