"""Reading a collection with naive datetimes into plain dicts: pymongo's tz-aware
decoding converts every stored datetime, which took half of the rollup's reading and
a quarter of the evaluator's decoding; readers that need UTC set it themselves."""

from __future__ import annotations

from typing import Any

from bson.codec_options import CodecOptions

from questlog.store.types import MotorCollection

PLAIN: CodecOptions[dict[str, Any]] = CodecOptions()  # naive datetimes, plain dicts


def plain(collection: MotorCollection) -> MotorCollection:
    """The collection read with PLAIN codec options, where the store offers them
    (mongomock-motor's with_options answers a synchronous collection: kept as it is)."""
    read = collection.with_options(codec_options=PLAIN)
    return read if type(read) is type(collection) else collection
