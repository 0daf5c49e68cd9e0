"""Writing one partition file in Parquet, NDJSON or CSV, on any pyarrow filesystem.

A file is written under a temporary name and moved into place when complete, so a
reader (or a crashed run) never sees half a file. Rows are written in row groups of
ROW_GROUP rows: memory holds one group per open file, never the whole export.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs

from questlog.ops.export.columns import as_utc, text_value

Format = Literal["parquet", "ndjson", "csv"]
FORMATS: tuple[Format, ...] = ("parquet", "ndjson", "csv")
ROW_GROUP = 10_000


def filesystem_of(out: str) -> tuple[fs.FileSystem, str]:
    """The filesystem and base path of `out`: a local directory, or a URL pyarrow knows
    (s3://bucket/prefix, gs://..., hdfs://...)."""
    if "://" in out:
        filesystem, path = fs.FileSystem.from_uri(out)
        return filesystem, path.rstrip("/")
    return fs.LocalFileSystem(), os.path.abspath(out)


@dataclass
class FileStats:
    path: str
    rows: int = 0
    bytes: int = 0
    min_event_time: datetime | None = None
    max_event_time: datetime | None = None
    schema_versions: dict[str, set[int]] = field(default_factory=dict)

    def note(self, row: dict[str, Any]) -> None:
        self.rows += 1
        moment = row.get("event_time")
        if isinstance(moment, datetime):
            moment = as_utc(moment)
            if self.min_event_time is None or moment < self.min_event_time:
                self.min_event_time = moment
            if self.max_event_time is None or moment > self.max_event_time:
                self.max_event_time = moment
        self.schema_versions.setdefault(str(row.get("type")), set()).add(
            int(row.get("schema_version") or 1)
        )

    def public(self, relative: str) -> dict[str, Any]:
        return {
            "path": relative, "rows": self.rows, "bytes": self.bytes,
            "min_event_time": text_value(self.min_event_time),
            "max_event_time": text_value(self.max_event_time),
            "schema_versions": {t: sorted(v) for t, v in sorted(self.schema_versions.items())},
        }


class PartitionFile:
    def __init__(
        self, filesystem: fs.FileSystem, path: str, schema: pa.Schema, file_format: Format
    ) -> None:
        self._fs, self._path, self._schema, self._format = filesystem, path, schema, file_format
        self._temporary = f"{path}.tmp"
        self._fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        self._stream = self._fs.open_output_stream(self._temporary)
        self._pending: list[dict[str, Any]] = []
        self._parquet: pq.ParquetWriter | None = None
        self._csv_header_written = False
        self.stats = FileStats(path)

    def write(self, row: dict[str, Any]) -> None:
        self.stats.note(row)
        self._pending.append(row)
        if len(self._pending) >= ROW_GROUP:
            self._flush()

    def close(self) -> FileStats:
        self._flush()
        if self._parquet is not None:
            self._parquet.close()
        elif self._format == "parquet":  # no row at all: still a valid, empty file
            pq.ParquetWriter(self._stream, self._schema).close()
        self._stream.close()
        self._fs.move(self._temporary, self._path)
        self.stats.bytes = self._fs.get_file_info(self._path).size or 0
        return self.stats

    def abort(self) -> None:
        try:
            self._stream.close()
        finally:
            self._fs.delete_file(self._temporary)

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        if self._format == "parquet":
            table = pa.Table.from_pylist(rows, schema=self._schema)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self._stream, self._schema)
            self._parquet.write_table(table)
        elif self._format == "ndjson":
            self._stream.write(ndjson_lines(rows).encode())
        else:
            self._stream.write(csv_text(rows, self._schema.names,
                                        header=not self._csv_header_written).encode())
            self._csv_header_written = True


def ndjson_lines(rows: list[dict[str, Any]]) -> str:
    return "".join(
        json.dumps({k: text_value(v) for k, v in row.items() if v is not None},
                   ensure_ascii=False) + "\n"
        for row in rows
    )


def csv_text(rows: list[dict[str, Any]], columns: list[str], *, header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows({k: text_value(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()
