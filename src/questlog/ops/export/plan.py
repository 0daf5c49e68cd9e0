"""What an export reads and where it writes: pure functions of its request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from questlog.ops.export.files import Format
from questlog.stats.periods import Calendar

# received_at is stamped before the insert is acknowledged, and a write may retry for a
# while: an incremental export reads up to this long ago, so that no event stamped
# inside its window can still become visible after it ran.
SETTLE = timedelta(minutes=2)
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class ExportRequest:
    out: str
    file_format: Format = "parquet"
    first: date | None = None  # a range of event days (bucket time zone), both included
    last: date | None = None
    types: frozenset[str] | None = None
    since_last: bool = False  # else the range


class BadExport(ValueError):
    """A request that cannot be run as given (the CLI and the API say why)."""


@dataclass(frozen=True)
class Window:
    """The raw events an export reads: a filter, and the order it reads them in."""

    query: dict[str, Any]
    sort: list[tuple[str, int]]
    received_until: datetime | None = None  # the cursor's next value, for since_last

    def public(self) -> dict[str, Any]:
        return {k: _text(v) for k, v in self.query.items()} | {
            "received_until": _text(self.received_until)
        }


def _text(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def window_of(
    request: ExportRequest, *, calendar: Calendar, now: datetime,
    exported_until: datetime | None,
) -> Window:
    types = {"type": {"$in": sorted(request.types)}} if request.types else {}
    if request.since_last:
        until = now - SETTLE
        received: dict[str, Any] = {"$lte": until}
        if exported_until is not None:
            received["$gt"] = exported_until
        return Window({"received_at": received, **types},
                      [("received_at", 1), ("_id", 1)], received_until=until)
    if request.first is None or request.last is None:
        raise BadExport("give --from and --to (event days), or --since-last")
    if request.last < request.first:
        raise BadExport(f"--to ({request.last}) is before --from ({request.first})")
    if (request.last - request.first).days >= MAX_RANGE_DAYS:
        raise BadExport(f"at most {MAX_RANGE_DAYS} days per export")
    start = calendar.midnight(request.first)
    end = calendar.midnight(request.last + timedelta(days=1))
    return Window({"event_time": {"$gte": start, "$lt": end}, **types},
                  [("event_time", 1), ("_id", 1)])


def partition_dir(day: date, catalog: str) -> str:
    """Hive-style: readable as columns `date` and `catalog` by DuckDB, Spark, Trino."""
    return f"date={day.isoformat()}/catalog={catalog}"


def file_name(run_label: str, file_format: Format) -> str:
    return f"part-{run_label}.{file_format}"


def expired_partitions(names: Iterable[str], *, today: date, keep_days: int) -> list[str]:
    """The `date=YYYY-MM-DD` directories older than `keep_days` days before `today`."""
    oldest_kept = today - timedelta(days=keep_days)
    expired = []
    for name in names:
        key, _, value = name.partition("=")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            continue
        if key == "date" and day < oldest_kept:
            expired.append(name)
    return sorted(expired)
