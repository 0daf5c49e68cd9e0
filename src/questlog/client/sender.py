"""Posting one batch: retried with backoff until answered, refused, out of tries or aborted."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from questlog.client.policy import Verdict, backoff_delay, retry_after_seconds, verdict
from questlog.client.wire import batch_body

log = logging.getLogger("questlog.client")

BATCH_PATH = "/api/v1/events/batch"
ANSWER_COUNTS = ("accepted", "duplicates", "rejected")

Count = Callable[..., None]  # count(name=delta, ...): adds to the client's counters


class BatchSender:
    """Delivers batches for the client's worker thread and counts what came of each.

    Never raises: a batch that cannot be delivered is counted in failed_batches and
    dropped, and an unexpected exception (a broken transport, say) in errors too.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        count: Count,
        abort: threading.Event,
        max_attempts: int,
        backoff_base: float,
        max_delay: float,
        sleep: Callable[[float], object],
        jitter: Callable[[], float],
    ) -> None:
        self._http = http
        self._count = count
        self._abort = abort
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._max_delay = max_delay
        self._sleep = sleep
        self._jitter = jitter

    def deliver(self, batch: list[str]) -> None:
        try:
            for attempt in range(self._max_attempts):
                if attempt:
                    self._count(retries=1)
                outcome, delay = self._attempt(batch, attempt)
                if outcome is Verdict.DELIVERED:
                    return
                if (outcome is Verdict.DROP or attempt + 1 == self._max_attempts
                        or self._abort.is_set()):
                    break
                self._sleep(delay)
                if self._abort.is_set():
                    break
            log.warning("questlog batch of %d events given up after %d tries",
                        len(batch), attempt + 1)
        except Exception:
            self._count(errors=1)
            log.exception("questlog batch of %d events failed", len(batch))
        self._count(failed_batches=1, dropped=len(batch))

    def _attempt(self, batch: list[str], attempt: int) -> tuple[Verdict, float]:
        """One POST: what came of it, and the seconds to wait before the next try."""
        # sent_at is this try's clock: the server corrects occurred_at by it.
        sent_at = datetime.now(UTC)
        try:
            response = self._http.post(BATCH_PATH, content=batch_body(batch, sent_at=sent_at))
        except httpx.TransportError as exc:
            log.info("questlog unreachable (%r); will retry", exc)
            return Verdict.RETRY, self._backoff(attempt)
        outcome = verdict(response.status_code)
        if outcome is Verdict.DELIVERED:
            self._record_answer(response, len(batch))
        elif outcome is Verdict.RETRY:
            asked = retry_after_seconds(response.headers.get("Retry-After"), now=sent_at)
            return outcome, self._backoff(attempt) if asked is None else min(asked, self._max_delay)
        else:
            log.warning("questlog refused a batch of %d events: HTTP %d %.500s",
                        len(batch), response.status_code, response.text)
        return outcome, 0.0

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, base=self._backoff_base, cap=self._max_delay,
                             draw=self._jitter())

    def _record_answer(self, response: httpx.Response, size: int) -> None:
        self._count(sent=size)
        try:
            data = response.json()["data"]
            counts = {name: int(data[name]) for name in ANSWER_COUNTS}
        except (ValueError, KeyError, TypeError):
            self._count(errors=1)
            log.warning("questlog answered a batch with an unexpected body: %.200s", response.text)
            return
        self._count(**counts)
        if counts["rejected"] and data.get("rejections"):
            log.warning("questlog rejected %d of %d events; the first: %s",
                        counts["rejected"], size, data["rejections"][0])
