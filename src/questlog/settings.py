"""One typed settings object, read from QUESTLOG_* environment variables at start."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SCOPES = frozenset({"ingest", "read", "admin"})
DEV_COMPANY_SALT = "questlog-dev-salt"
DEV_PLAYER_ID_SECRET = "questlog-dev-player-id-secret"
DEV_DASHBOARD_TOKEN_SECRET = "questlog-dev-dashboard-token-secret"
# The smallest cache the local server may be given: the evaluator's transactions of
# CHUNK_PLAYERS players were sized to fit in 256 MB (achievements/player_updates.py).
LOCAL_CACHE_FLOOR_MB = 256


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLOG_", extra="ignore")

    # Storage: no URL is the local secantusd-rs server of data_dir (started when none
    # runs); "memory" is an in-process mongomock store; anything else is a MongoDB URL.
    mongodb_url: str | None = None
    data_dir: Path = Path(".questlog")
    # The local server's TTL monitor period, whether it fsyncs its log on every commit,
    # which a journaled write concern asks for (docs/performance.md), how often it
    # takes a checkpoint (after which its log files are removed: store/local.py), and
    # its WiredTiger cache: a whole number of M or G, at least LOCAL_CACHE_FLOOR_MB.
    local_ttl_sweep_seconds: float = Field(default=60.0, gt=0)
    local_sync_on_commit: bool = True
    local_checkpoint_seconds: int = Field(default=60, ge=1, le=100_000)
    local_cache_size: str = "1G"
    database: str = "questlog"
    raw_ttl_days: int = Field(default=14, ge=1)
    rejected_ttl_days: int = Field(default=7, ge=1)

    # Auth: "KEY:SCOPE[,SCOPE...];KEY2:..." with scopes ingest, read, admin.
    api_keys: str = ""
    player_token_secret: str = ""
    player_token_ttl_hours: int = Field(default=24, ge=1)

    # Ingestion limits.
    max_batch_events: int = Field(default=1000, ge=1)
    max_event_bytes: int = Field(default=4096, ge=256)
    max_future_seconds: int = Field(default=300, ge=0)
    max_past_days: int = Field(default=30, ge=1)
    rejected_raw_cap_bytes: int = Field(default=8192, ge=256)
    # The quarantine's bounds: rejections stored per key and hour (past it they are
    # counted, with a sample), and the documents it holds in all (the oldest go first).
    rejected_budget_per_hour: int = Field(default=1000, ge=1)
    rejected_max_documents: int = Field(default=100_000, ge=1)
    # The body of a route that takes a small JSON command (rollup, redeem); the event
    # routes' limit is max_body_bytes, from the two limits above.
    max_small_body_bytes: int = Field(default=16_384, ge=1024)
    # A request's head: past these, 414 and 431 (api.limits).
    max_query_bytes: int = Field(default=8192, ge=256)
    max_header_bytes: int = Field(default=16_384, ge=1024)
    company_salt: str = DEV_COMPANY_SALT

    # Writes to MongoDB: transient errors are retried with exponential backoff, and the
    # whole write, retries included, gives up after write_deadline_seconds (then 503).
    write_retries: int = Field(default=4, ge=0)
    write_backoff_seconds: float = Field(default=0.05, ge=0)
    write_deadline_seconds: float = Field(default=3.0, gt=0)
    # A read request's store work gives up after read_deadline_seconds (then 503).
    read_deadline_seconds: float = Field(default=3.0, gt=0)

    # Reads: a page by number may skip this many items at most; deeper, page with `after`.
    max_page_skip: int = Field(default=10_000, ge=0)

    # The in-process bus.
    bus_queue_size: int = Field(default=10_000, ge=1)

    # Operations (issue 12): metrics, backpressure, export, sampling.
    # A key /metrics requires as a Bearer token; empty: no key (scrape from inside).
    metrics_key: str = ""
    # prometheus-client's multiprocess mode, for several worker processes.
    prometheus_multiproc_dir: Path | None = Field(
        default=None, validation_alias="PROMETHEUS_MULTIPROC_DIR"
    )
    # Backpressure: events being written at once, and the bus fill (0..1) past which
    # ingestion answers 503 overloaded with Retry-After.
    max_in_flight_events: int = Field(default=20_000, ge=1)
    bus_high_water: float = Field(default=0.8, gt=0, le=1)
    overload_retry_after_seconds: int = Field(default=1, ge=1)
    # The daily export of raw events (seed 002's warm store): a directory or a URL
    # pyarrow opens (s3://bucket/prefix); unset: no scheduled export.
    export_dir: str | None = None
    export_retention_days: int = Field(default=183, ge=1)
    # The sampling policy (YAML); unset: the shipped one, seed 002's table.
    sampling_file: Path | None = None

    # Aggregates (issue 3) and achievements (issue 4).
    bucket_tz: str = "UTC"
    daily_ttl_days: int = Field(default=180, ge=1)
    weekly_ttl_days: int = Field(default=365, ge=1)
    job_runs_ttl_days: int = Field(default=30, ge=1)
    min_company_n: int = Field(default=5, ge=1)
    # Today's refresh folds only events received at least this long ago (stats/today.py):
    # longer than an ingest's insert takes, its retries included.
    stats_settle_seconds: float = Field(default=30, ge=1)
    scheduler_enabled: bool = True
    # Share a dense day's rollup with a helper process (stats/helper.py): a spawned one,
    # which imports the main module again, so an application embedding Questlog guards
    # its own start with `if __name__ == "__main__":`, or turns this off.
    rollup_helper: bool = True
    achievements_file: Path | None = None
    # Evaluate achievements in this process. Every process may (the store keeps it exact);
    # with many API processes, evaluating in a few of them saves their duplicated work.
    achievements_evaluator: bool = True
    # Sessions (issue 10): an open session whose last event is older than this is closed.
    session_idle_minutes: int = Field(default=30, ge=1)
    # Summarize the sessions of the events this process stores. Every process may (the
    # version guard keeps it exact); off, the sweep job summarizes them within a minute.
    sessions_worker: bool = True

    # Access and privacy (issue 11, docs/privacy.md).
    env: str = "production"  # "development" allows the development secrets below
    pseudonymize: bool = False
    player_id_secret: str = DEV_PLAYER_ID_SECRET
    dashboard_token_secret: str = DEV_DASHBOARD_TOKEN_SECRET
    rate_limits_enabled: bool = True
    rate_limits_file: Path | None = None
    rate_limit_shared: bool = False
    # Ingestion keeps player flags, session owners and reference lists in memory: a
    # change made in another process takes effect within access_cache_seconds (0: no
    # cache, every request reads them); each cache holds at most access_cache_entries.
    access_cache_seconds: float = Field(default=1.0, ge=0)
    access_cache_entries: int = Field(default=50_000, ge=0)
    # An erasure sweeps the player's data, waits this long, and sweeps again before it
    # answers: by then no process still stores their events (docs/privacy.md). None:
    # access_cache_seconds + write_deadline_seconds, the bound; less lets late events live.
    erasure_settle_seconds: float | None = Field(default=None, ge=0)
    allowed_origins: str = ""  # comma-separated; none allowed by default
    # uvicorn's line per request (peer address, method, path, status), for debugging.
    # Off by default: /metrics already counts and times every request per route and
    # status, a line per event is a flood at thousands of events a second (and about a
    # twentieth of a single event's CPU), and it holds the client's address, which
    # Questlog otherwise never keeps (docs/privacy.md).
    access_log: bool = False
    geoip: bool = True
    trusted_proxies: str = ""  # comma-separated addresses whose X-Forwarded-For is believed

    @field_validator("bucket_tz")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("local_cache_size")
    @classmethod
    def _cache_size(cls, value: str) -> str:
        found = re.fullmatch(r"([1-9][0-9]*)([MG])", value)
        megabytes = 0 if found is None else int(found[1]) << (10 if found[2] == "G" else 0)
        if megabytes < LOCAL_CACHE_FLOOR_MB:
            raise ValueError(f"{value!r} is not a cache size of at least "
                             f"{LOCAL_CACHE_FLOOR_MB}M, such as 512M or 2G")
        return value

    @field_validator("api_keys")
    @classmethod
    def _well_formed_keys(cls, value: str) -> str:
        parse_api_keys(value)
        return value

    @property
    def origins(self) -> list[str]:
        return [o.strip() for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def raw_ttl(self) -> timedelta:
        return timedelta(days=self.raw_ttl_days)

    @property
    def api_key_scopes(self) -> Mapping[str, frozenset[str]]:
        return _parsed_api_keys(self.api_keys)

    @property
    def max_body_bytes(self) -> int:
        """A batch of max_batch_events events of max_event_bytes, plus room for the envelope."""
        return self.max_batch_events * (self.max_event_bytes + 64) + 65_536


@functools.lru_cache(maxsize=16)
def _parsed_api_keys(spec: str) -> Mapping[str, frozenset[str]]:
    """`parse_api_keys(spec)`, read-only, parsed once per spec: every request asks."""
    return MappingProxyType(parse_api_keys(spec))


def parse_api_keys(spec: str) -> dict[str, frozenset[str]]:
    """Parse "KEY:SCOPE[,SCOPE...];..." into {key: scopes}; ValueError names a bad entry."""
    keys: dict[str, frozenset[str]] = {}
    for entry in filter(None, (part.strip() for part in spec.split(";"))):
        key, sep, scope_list = entry.partition(":")
        scopes = frozenset(s.strip() for s in scope_list.split(",") if s.strip())
        if not sep or not key.strip() or not scopes:
            raise ValueError(f"API key entry {entry[:8]!r}... must look like KEY:SCOPE[,SCOPE]")
        unknown = scopes - SCOPES
        if unknown:
            raise ValueError(f"unknown scope(s) {sorted(unknown)}; known: {sorted(SCOPES)}")
        keys[key.strip()] = scopes
    return keys
