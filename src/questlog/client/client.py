"""QuestlogClient: batches events in memory and posts them from one background thread.

The calling thread (a game loop, a request handler) only serializes the event and
appends it to a bounded queue under a lock held for microseconds; all network I/O,
waiting and retrying happens in a single daemon thread. No public method raises:
failures are counted in `stats` and logged to the "questlog.client" logger.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import httpx

from questlog.client.buffer import PriorityBuffer
from questlog.client.policy import DEFAULT_PRIORITY, ServedPolicy, in_sample
from questlog.client.sender import BatchSender
from questlog.client.wire import serialize_event

log = logging.getLogger("questlog.client")

P = ParamSpec("P")
T = TypeVar("T")
Method = Callable[Concatenate["QuestlogClient", P], T]

ABORT_GRACE_SECONDS = 0.1
CONFIG_PATH = "/api/v1/config"
POLICY_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class ClientStats:
    queued: int  # waiting in memory now
    sent: int  # events of batches the server answered (its counts below)
    accepted: int
    duplicates: int  # already stored: a retry of a batch whose answer was lost
    rejected: int  # invalid events; the server keeps them in its quarantine
    dropped: int  # never reached the server: queue full, batch refused or given up, closed
    retries: int  # requests sent again after a failure
    failed_batches: int  # batches given up: refused with a 4xx, or still failing after every try
    sampled_out: int  # left out by sample_rates
    errors: int  # failures swallowed: an event that is not JSON, a broken transport, a bug


COUNTERS = tuple(name for name in ClientStats.__dataclass_fields__ if name != "queued")


def _swallowing(default: T) -> Callable[[Method[P, T]], Method[P, T]]:
    """Make a public method count and log its exceptions and return `default` instead."""

    def decorate(method: Method[P, T]) -> Method[P, T]:
        @functools.wraps(method)
        def wrapper(self: QuestlogClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return method(self, *args, **kwargs)
            except Exception:
                self._count(errors=1)
                log.exception("QuestlogClient.%s failed", method.__name__)
                return default

        return wrapper

    return decorate


class QuestlogClient:
    """Sends events to a Questlog server in batches; never raises and never blocks `track`.

    A batch leaves when `batch_size` events wait, when the oldest has waited
    `flush_interval` seconds, on `flush()`, and at `close()` (also run at interpreter
    exit). Network errors, 408, 429 and 5xx answers are retried with exponential
    backoff and full jitter (Retry-After honoured up to `max_delay`), at most
    `max_attempts` tries; any other 4xx drops the batch. Every event carries an
    `event_id`, so a batch resent after a lost answer is counted as duplicates by
    the server, never stored twice. When `capacity` events wait, new ones are dropped.

    `sample_rates` ({type: rate}) keeps that share of the players for a type, always
    the same players; `opt_out` (settable at any time) drops every new event.
    Only the constructor raises, on a configuration that cannot work (ValueError).
    `transport`, `sleep` and `jitter` are there for tests.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        batch_size: int = 100,
        flush_interval: float = 1.0,
        capacity: int = 10_000,
        max_buffer_bytes: int = 1_048_576,
        fetch_policy: bool = True,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        max_delay: float = 30.0,
        timeout: float = 5.0,
        sample_rates: Mapping[str, float] | None = None,
        opt_out: bool = False,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], object] | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if batch_size < 1 or capacity < 1 or max_attempts < 1 or flush_interval <= 0:
            raise ValueError("batch_size, capacity, max_attempts must be >= 1; flush_interval > 0")
        self.opt_out = opt_out
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._capacity = capacity
        self._sample_rates = dict(sample_rates or {})
        self._seq = itertools.count()
        # One condition guards the queue and the counters; the worker waits on it.
        self._cond = threading.Condition()
        # Serialized events, oldest first, bounded in bytes; the lowest priority goes first.
        self._queue = PriorityBuffer(max_bytes=max_buffer_bytes, max_events=capacity)
        self._policy: ServedPolicy | None = None  # the server's, once fetched
        self._deadline: float | None = None  # monotonic time the oldest queued event is due
        self._enqueued = 0  # events ever queued; with _settled, what flush() waits for
        self._settled = 0  # of those, events sent or dropped
        self._taken = 0  # of those, events the worker has taken from the queue
        self._flush_upto = 0  # send at once until _taken reaches this
        self._closed = False
        self._counts = dict.fromkeys(COUNTERS, 0)
        # Set when close() gives up waiting: cuts a backoff short and ends the worker.
        self._abort = threading.Event()
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        self._sender = BatchSender(
            self._http, count=self._count, abort=self._abort, max_attempts=max_attempts,
            backoff_base=backoff_base, max_delay=max_delay, sleep=sleep or self._abort.wait,
            jitter=jitter,
        )
        self._worker = threading.Thread(target=self._run, name="questlog-client", daemon=True)
        self._worker.start()
        if fetch_policy:
            threading.Thread(target=self._follow_policy, name="questlog-client-policy",
                             daemon=True).start()
        atexit.register(self.close)

    @property
    def stats(self) -> ClientStats:
        with self._cond:
            return ClientStats(queued=len(self._queue), **self._counts)

    @property
    def policy_version(self) -> str | None:
        """The version of the server's sampling policy in use; None until fetched."""
        policy = self._policy
        return policy.version if policy is not None else None

    @_swallowing(False)
    def track(self, event: str | Mapping[str, Any], /, **fields: Any) -> bool:
        """Queue one event: `track("BILL_VOTE", user_id=..., ...)` or `track({"type": ...})`.

        Fills event_id (uuid4), occurred_at (now, UTC) and seq when absent. True when
        queued; False when opted out, sampled out, dropped, or not serializable to JSON.
        """
        if self.opt_out:
            return False
        payload = {"type": event, **fields} if isinstance(event, str) else {**event, **fields}
        payload["event_id"] = payload.get("event_id") or str(uuid.uuid4())
        payload["occurred_at"] = payload.get("occurred_at") or datetime.now(UTC)
        rate, priority = self._rate_and_priority(payload)
        if not self._sampled(payload, rate):
            self._count(sampled_out=1)
            return False
        if payload.get("seq") is None:
            # Numbered before the capacity check: a gap in seq on the server is a client drop.
            payload["seq"] = next(self._seq)
        # Serialized now, so a bad value fails this call alone, not the batch it would join.
        raw = serialize_event(payload)
        with self._cond:
            queued, evicted = (False, 0) if self._closed else self._queue.push(raw, priority)
            if evicted:  # lower-priority events made room: never sent, settled now
                self._counts["dropped"] += evicted
                self._settled += evicted
                self._taken += evicted
            if not queued:
                self._counts["dropped"] += 1
                return False
            self._enqueued += 1
            if len(self._queue) == 1:
                self._deadline = time.monotonic() + self._flush_interval
                self._cond.notify_all()
            elif len(self._queue) == self._batch_size:
                self._cond.notify_all()
        return True

    @_swallowing(False)
    def flush(self, timeout: float = 5.0) -> bool:
        """Send what is queued now and wait for it, at most `timeout` seconds.

        True when every event queued before the call was answered or given up.
        """
        with self._cond:
            target = self._enqueued
            self._flush_upto = max(self._flush_upto, target)
            self._cond.notify_all()
            return self._cond.wait_for(lambda: self._settled >= target, timeout)

    @_swallowing(False)
    def close(self, timeout: float = 5.0) -> bool:
        """Flush for at most `timeout` seconds, then stop the worker; later events are dropped.

        Idempotent; runs at interpreter exit too. True when every queued event was
        answered or given up; False when some were still queued and are now dropped.
        """
        with self._cond:
            if self._closed:
                return self._settled >= self._enqueued
            self._closed = True
        atexit.unregister(self.close)
        drained = self.flush(timeout)
        self._abort.set()
        with self._cond:
            self._cond.notify_all()
            left = self._queue.clear()
            self._counts["dropped"] += left
            self._settled += left
        # A worker cut short in its backoff counts its batch at once; one inside a request
        # finishes within the HTTP timeout, and close does not wait that long for it.
        self._worker.join(timeout if drained else ABORT_GRACE_SECONDS)
        if left:
            log.warning("questlog client closed with %d events unsent", left)
        return drained

    def __enter__(self) -> QuestlogClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _rate_and_priority(self, payload: Mapping[str, Any]) -> tuple[float | None, int]:
        """The event's sample rate (sample_rates first, then the server's policy; None:
        keep) and its priority in a full queue (the policy's; 2 without one)."""
        policy = self._policy
        rate, priority = (None, DEFAULT_PRIORITY) if policy is None else \
            policy.rate_and_priority(payload)
        event_type = payload.get("type")
        if isinstance(event_type, str) and event_type in self._sample_rates:
            rate = self._sample_rates[event_type]
        return rate, priority

    def _sampled(self, payload: Mapping[str, Any], rate: float | None) -> bool:
        if rate is None:
            return True
        # Per player and type, so the same players stay in the sample; without a
        # player, per event, which still keeps `rate` of them.
        who = payload.get("user_id") or payload["event_id"]
        return in_sample(f"{who}\x1f{payload['type']}", rate)

    def _count(self, **deltas: int) -> None:
        with self._cond:
            for name, delta in deltas.items():
                self._counts[name] += delta

    # -- the policy thread -------------------------------------------------------------

    def _follow_policy(self) -> None:
        """Fetch the server's sampling policy now and again every refresh_seconds it says;
        until the first answer (and on a failure) the last one known applies."""
        wait = 0.0
        while not self._abort.wait(wait):
            wait = POLICY_RETRY_SECONDS
            try:
                response = self._http.get(CONFIG_PATH)
                if response.status_code == 200:
                    policy = ServedPolicy(response.json()["data"])
                    self._policy, wait = policy, max(policy.refresh_seconds, 1.0)
                else:
                    log.info("questlog config answered %d; keeping the last policy",
                             response.status_code)
            except Exception as exc:  # the server is away or old: retry later
                log.info("questlog config unavailable (%r); will retry", exc)

    # -- the worker thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                self._sender.deliver(batch)
                with self._cond:
                    self._settled += len(batch)
                    self._cond.notify_all()
        finally:
            self._http.close()

    def _next_batch(self) -> list[str] | None:
        """Wait until a batch is due and take it; None when the client is shutting down."""
        with self._cond:
            while not self._abort.is_set() and (len(self._queue) or not self._closed):
                if len(self._queue) and self._due():
                    batch = self._queue.pop(self._batch_size)
                    self._taken += len(batch)
                    if not len(self._queue):
                        self._deadline = None
                    return batch
                wait = None if self._deadline is None else self._deadline - time.monotonic()
                self._cond.wait(wait)
            return None

    def _due(self) -> bool:
        return (
            self._closed
            or len(self._queue) >= self._batch_size
            or self._taken < self._flush_upto
            or (self._deadline is not None and time.monotonic() >= self._deadline)
        )
