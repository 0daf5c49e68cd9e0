"""questlog's export: a day of events out as Parquet, read back with pyarrow row for row;
NDJSON and CSV the same rows; Hive partitions by day and catalog; a manifest; and an
incremental export that moves its cursor only over what it wrote."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from conftest import bill_vote, iso

from questlog.bootstrap import Questlog
from questlog.ops.export.plan import BadExport, ExportRequest, expired_partitions
from questlog.store.documents import public_event

DAY = datetime.now(UTC).date() - timedelta(days=2)  # a UTC day, whatever the machine's zone
NOON = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC)


def gameplay(event_type: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "user_id": "p-1", "client_guid": "guid-1", "build": "1.0",
            "platform": "pc", "shard": "eu-1", **fields}


async def store_day(questlog: Questlog) -> list[dict[str, Any]]:
    events = [
        bill_vote(event_id=f"vote-{i}", occurred_at=iso(NOON + timedelta(minutes=i)),
                  seat_weight=1.5 + i, lobby_payments_count=i)
        for i in range(5)
    ] + [
        gameplay("damage_dealt", event_id="hit-1", occurred_at=iso(NOON), encounter_tier="boss",
                 amount=12.5, target_id="orc", critical=True),
        bill_vote(event_id="next-day", occurred_at=iso(NOON + timedelta(days=1))),
    ]
    result = await questlog.ingestor.ingest(events)
    assert result.accepted == len(events), result.rejections
    cursor = questlog.store.database["events"].find({}).sort("_id", 1)
    return [d async for d in cursor]


async def test_a_day_of_events_reads_back_from_parquet_row_for_row(
    questlog: Questlog, tmp_path: Path
) -> None:
    stored = await store_day(questlog)
    request = ExportRequest(out=str(tmp_path), first=DAY, last=DAY)
    result = await questlog.ops.exporter.export(request, source="cli")
    assert result.run.status == "ok", result.run.errors
    assert result.run.rows == 6

    politics = tmp_path / f"date={DAY}" / "catalog=politics" / "part-all.parquet"
    table = pq.read_table(politics)
    assert table.schema.field("seat_weight").type == pa.float64()
    assert table.schema.field("lobby_payments_count").type == pa.int64()
    assert table.schema.field("event_time").type == pa.timestamp("ms", tz="UTC")
    expected = {d["_id"]: public_event(d) for d in stored if d["type"] == "BILL_VOTE"}
    rows = table.to_pylist()
    assert len(rows) == 5
    for row in rows:
        event = expected[row["event_id"]]
        for name in ("type", "user_id", "company_id", "bill_id", "stance", "seat_weight",
                     "lobby_payments_count", "schema_version"):
            assert row[name] == event[name], name
        for name in ("occurred_at", "received_at", "event_time"):
            assert row[name] == event[name].replace(tzinfo=UTC), name

    hive = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    assert sorted(set(hive.column("catalog").to_pylist())) == ["gameplay", "politics"]
    boss = pq.read_table(tmp_path / f"date={DAY}" / "catalog=gameplay" / "part-all.parquet")
    assert boss.to_pylist()[0]["critical"] is True
    assert boss.to_pylist()[0]["encounter_tier"] == "boss"

    manifest = json.loads((tmp_path / "_manifest-all.json").read_text())
    assert manifest["rows"] == 6
    by_path = {f["path"]: f for f in manifest["files"]}
    entry = by_path[f"date={DAY}/catalog=politics/part-all.parquet"]
    assert entry["rows"] == 5
    assert entry["bytes"] == politics.stat().st_size
    assert entry["schema_versions"] == {"BILL_VOTE": [1]}
    assert entry["min_event_time"] == iso(NOON).replace("Z", ".000Z")


async def test_running_a_range_export_again_replaces_its_files(
    questlog: Questlog, tmp_path: Path
) -> None:
    await store_day(questlog)
    request = ExportRequest(out=str(tmp_path), first=DAY, last=DAY + timedelta(days=1))
    await questlog.ops.exporter.export(request, source="cli")
    again = await questlog.ops.exporter.export(request, source="cli")
    assert again.run.rows == 7
    table = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 7


@pytest.mark.parametrize("file_format", ["ndjson", "csv"])
async def test_text_formats_hold_the_same_rows(
    questlog: Questlog, tmp_path: Path, file_format: str
) -> None:
    await store_day(questlog)
    request = ExportRequest(out=str(tmp_path), first=DAY, last=DAY, types=frozenset({"BILL_VOTE"}),
                            file_format=file_format)  # type: ignore[arg-type]
    result = await questlog.ops.exporter.export(request, source="cli")
    assert result.run.rows == 5
    path = tmp_path / f"date={DAY}" / "catalog=politics" / f"part-types-BILL_VOTE.{file_format}"
    text = path.read_text()
    if file_format == "ndjson":
        rows = [json.loads(line) for line in text.splitlines()]
        assert rows[0]["seat_weight"] == 1.5
    else:
        rows = list(csv.DictReader(text.splitlines()))
        assert rows[0]["seat_weight"] == "1.5"
    assert [r["event_id"] for r in rows] == [f"vote-{i}" for i in range(5)]
    assert rows[0]["event_time"] == iso(NOON).replace("Z", ".000Z")


async def test_since_last_exports_each_event_once_and_keeps_its_cursor(
    questlog: Questlog, tmp_path: Path
) -> None:
    clock = [datetime.now(UTC)]
    exporter = questlog.ops.exporter
    exporter._clock = lambda: clock[0]  # the test moves time on, for both
    questlog.ingestor._clock = lambda: clock[0]
    await store_day(questlog)
    clock[0] += timedelta(minutes=10)  # past the settling margin
    first = await exporter.export(ExportRequest(out=str(tmp_path), since_last=True),
                                  source="cli")
    assert first.run.rows == 7
    status = await exporter.status()
    assert status["last_exported_received_at"] is not None
    assert status["last_success"]["rows"] == 7

    await questlog.ingestor.ingest([bill_vote(event_id="late", occurred_at=iso(NOON))])
    clock[0] += timedelta(minutes=10)
    second = await exporter.export(ExportRequest(out=str(tmp_path), since_last=True),
                                   source="cli")
    assert second.run.rows == 1
    table = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    assert sorted(table.column("event_id").to_pylist()) == sorted(
        [f"vote-{i}" for i in range(5)] + ["hit-1", "next-day", "late"]
    )
    clock[0] += timedelta(minutes=10)
    third = await exporter.export(ExportRequest(out=str(tmp_path), since_last=True),
                                  source="cli")
    assert third.run.rows == 0


async def test_a_failed_export_leaves_no_file_and_no_cursor(
    questlog: Questlog, tmp_path: Path
) -> None:
    await store_day(questlog)
    blocker = tmp_path / "out"
    blocker.write_text("a file where the directory should be")
    result = await questlog.ops.exporter.export(
        ExportRequest(out=str(blocker), since_last=True), source="cli"
    )
    assert result.run.status == "failed"
    assert (await questlog.ops.exporter.status())["last_exported_received_at"] is None


def test_bad_ranges_are_refused_with_a_reason() -> None:
    from questlog.ops.export.plan import window_of
    from questlog.stats.periods import Calendar

    with pytest.raises(BadExport, match="before"):
        window_of(ExportRequest(out="x", first=DAY, last=DAY - timedelta(days=1)),
                  calendar=Calendar("UTC"), now=NOON, exported_until=None)
    with pytest.raises(BadExport, match="--since-last"):
        window_of(ExportRequest(out="x"), calendar=Calendar("UTC"), now=NOON,
                  exported_until=None)


def test_retention_removes_only_day_partitions_older_than_kept() -> None:
    names = ["date=2026-01-01", "date=2026-06-29", "date=2026-06-30", "_manifest-x.json",
             "date=nonsense", "catalog=x"]
    assert expired_partitions(names, today=date(2026, 7, 1), keep_days=1) == [
        "date=2026-01-01", "date=2026-06-29"
    ]


@pytest.mark.mongodb
async def test_the_real_server_exports_a_day_that_reads_back(
    questlog: Questlog, tmp_path: Path
) -> None:
    stored = await store_day(questlog)
    await questlog.ops.exporter.export(ExportRequest(out=str(tmp_path), first=DAY, last=DAY),
                                       source="cli")
    table = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    in_day = sorted(d["_id"] for d in stored if d["_id"] != "next-day")
    assert sorted(table.column("event_id").to_pylist()) == in_day
