"""The players' documents of a day, encoded to BSON in C rather than built as dicts.

A day's documents are nearly all its players' (10,721 of the default load's 11,421),
and most of a player's buckets hold one event. Built as dicts (scan.player_documents)
and encoded by the driver, the players' documents of the default load cost the rollup's
Python 0.18 s (best of nine, in process): each bucket's figures, its field and sketch
documents made as dicts, walked once by the encoder and dropped. Written to bytes in
Python instead, they cost 0.15 s: joining the pieces costs what the dicts did.
`_rollup.c`'s document() writes them in C from the rows: 0.07 s, the buckets off its
path included (docs/performance-history.md, "The rollup's Python in C").

The bytes are exactly bson.encode of player_documents' dicts, key order included (a
property test holds them equal), so the store holds the same documents either way. A
bucket off the C path (several events, sampled, a type no longer in the catalogs, an
int beyond int32) is built by parts.py, encoded by bson and spliced in.

The extension is built by `pip install` where a C compiler is found (compiled.py); where
none is, the rollup writes player_documents' dicts instead.
The driver sends an `Encoded` document's bytes as they are (it is a RawBSONDocument);
the in-memory store takes dicts only, and PeriodWriter gives it `decoded()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.errors import InvalidDocument
from bson.raw_bson import RawBSONDocument

from questlog.stats.buckets import GLOBAL, Span, bucket_header, scope_part
from questlog.stats.compiled import native
from questlog.stats.fields import NO_SHAPE, SHAPES
from questlog.stats.parts import Parts, Row

Players = list[tuple[str, dict[str, list[Row]]]]  # scan.Players: (user, rows by type)
# datetimes aware, as the dicts' are
_AS_BUILT: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True, tzinfo=UTC)


class Encoded(RawBSONDocument):
    """A document encoded here, its _id at hand (reading it from the bytes decodes them
    all)."""

    __slots__ = ("id",)

    def __init__(self, data: bytes, document_id: str) -> None:
        super().__init__(data)
        self.id = document_id

    def decoded(self) -> dict[str, Any]:
        """The document as a dict, for a store that takes no BSON (the in-memory one)."""
        return bson.decode(self.raw, _AS_BUILT)


def document_id(document: Encoded | dict[str, Any]) -> str:
    """The _id of a document the rollup built, encoded or not."""
    return document.id if type(document) is Encoded else document["_id"]


def _key(name: str) -> bytes:
    """An element's name, checked as bson checks it."""
    if "\x00" in name:
        raise InvalidDocument(f"Key names must not contain the NULL byte: {name!r}")
    return name.encode() + b"\x00"


def _head(event_type: str) -> bytes:
    """A type's element in `types`, up to its bucket: an embedded document's."""
    return b"\x03" + _key(event_type)


# event type -> (its element's head, its fields' element heads, whether it has successes)
_KINDS = {t: (_head(t), tuple(_head(name) for name in shape.numeric), shape.has_success)
          for t, shape in SHAPES.items()}


class PlayerEncoder:
    """Encodes the players' documents of one day, with `parts` for the buckets off the C
    path. Only where compiled.COMPILED."""

    def __init__(self, span: Span, parts: Parts) -> None:
        self._parts = parts
        self._start = span.start_day.isoformat()
        self._between, self._after = _header(span)

    def documents(self, players: Players) -> Iterator[Encoded]:
        """player_documents(span, players, parts)'s documents, encoded."""
        start, between, after, other = self._start, self._between, self._after, self._other
        for user, mine in players:
            document_id = scope_part("user", user) + start
            yield Encoded(native.document(document_id, user, mine, _KINDS, between, after,
                                            other), document_id)

    def _other(self, event_type: str, rows: list[Row], user: str) -> bytes:
        """The element of a bucket off the C path."""
        part = self._parts.part(SHAPES.get(event_type, NO_SHAPE), rows, (user,))
        return _head(event_type) + bson.encode(part)


def _header(span: Span) -> tuple[bytes, bytes]:
    """A player's document of `span` between its _id and its user_id's value, and from
    after that up to `types`: bson's encoding of bucket_header's elements, in its order,
    as player_documents sets them."""
    header = {**bucket_header(span, GLOBAL, ""), "scope": "user"}
    names = list(header)
    assert names[0] == "_id", names  # the _id first, as in player_documents
    where = names.index("user_id")
    between = _elements({n: header[n] for n in names[1:where]}) + b"\x02user_id\x00"
    return between, _elements({n: header[n] for n in names[where + 1:]})


def _elements(document: dict[str, Any]) -> bytes:
    """`document`'s elements as bson encodes them: its bytes without the length and the
    closing NUL."""
    return bson.encode(document)[4:-1]
