"""Aggregates as CSV: the stats API's items flattened to one row each (pure functions)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any


def flatten(item: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"fields": {"score": {"mean": 2}}} -> {"fields.score.mean": 2}; lists as ;-joined."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            flat[name] = ";".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat


def items_csv(items: Sequence[Mapping[str, Any]]) -> str:
    """The items as CSV, columns in first-seen order (every item's keys included)."""
    rows = [flatten(item) for item in items]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
