"""QuestlogClient against a scripted server (httpx.MockTransport): batching, retries, limits."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from questlog.client import ClientStats, QuestlogClient

Reply = httpx.Response | Exception


def answer(events: list[dict[str, Any]]) -> httpx.Response:
    """What the server says when it stored every event."""
    return httpx.Response(200, json={"ok": True, "data": {
        "accepted": len(events), "duplicates": 0, "rejected": 0,
        "event_ids": [e["event_id"] for e in events], "rejections": [],
    }})


class FakeServer:
    """Records every request; answers from a script, then with 200 and every event accepted."""

    def __init__(self, *script: Reply) -> None:
        self.script = deque(script)
        self.requests: list[httpx.Request] = []
        self.arrived = threading.Condition()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.arrived:
            self.requests.append(request)
            self.arrived.notify_all()
        reply = self.script.popleft() if self.script else None
        if isinstance(reply, Exception):
            raise reply
        return reply or answer(self.body(request)["events"])

    @staticmethod
    def body(request: httpx.Request) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(request.content)
        return parsed

    @property
    def batches(self) -> list[list[dict[str, Any]]]:
        return [self.body(r)["events"] for r in self.requests]

    def wait_for(self, count: int) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=5)


@pytest.fixture
def make_client() -> Iterator[Callable[..., tuple[QuestlogClient, FakeServer]]]:
    """Build clients on a FakeServer; sleeps are recorded in `client.slept`, never slept."""
    clients: list[QuestlogClient] = []

    def make(*script: Reply, **options: Any) -> tuple[QuestlogClient, FakeServer]:
        server = FakeServer(*script)
        slept: list[float] = []
        # No policy fetch: the scripted replies answer batches only (test_client_policy_fetch).
        options = {"flush_interval": 60.0, "sleep": slept.append, "fetch_policy": False,
                   **options}
        client = QuestlogClient("http://questlog", "key-1",
                                transport=httpx.MockTransport(server), **options)
        client.slept = slept  # type: ignore[attr-defined]
        clients.append(client)
        return client, server

    yield make
    for client in clients:
        client.close(timeout=1)


def stats(client: QuestlogClient, **expected: int) -> None:
    """Assert the named counters; the others must be zero."""
    zero = dict.fromkeys(ClientStats.__dataclass_fields__, 0)
    assert client.stats == ClientStats(**{**zero, **expected})


def test_a_full_batch_is_sent_without_waiting_for_the_timer(make_client: Any) -> None:
    client, server = make_client(batch_size=3)
    for n in range(3):
        assert client.track("BILL_VOTE", user_id=f"p-{n}")
    assert server.wait_for(1)
    assert [e["user_id"] for e in server.batches[0]] == ["p-0", "p-1", "p-2"]
    request = server.requests[0]
    assert request.method == "POST"
    assert request.url.path == "/api/v1/events/batch"
    assert request.headers["Authorization"] == "Bearer key-1"


def test_a_partial_batch_is_sent_when_the_timer_fires(make_client: Any) -> None:
    client, server = make_client(batch_size=100, flush_interval=0.05)
    client.track("BILL_VOTE", user_id="p-1")
    assert server.wait_for(1)  # no flush() and no close(): only the timer sends it
    assert [e["user_id"] for e in server.batches[0]] == ["p-1"]


def test_close_sends_what_is_queued_and_counts_the_answer(make_client: Any) -> None:
    client, server = make_client(batch_size=2)
    for n in range(5):
        client.track("BILL_VOTE", user_id=f"p-{n}")
    assert client.close()
    assert [len(b) for b in server.batches] == [2, 2, 1]
    stats(client, sent=5, accepted=5)


def test_flush_blocks_until_the_queue_is_answered(make_client: Any) -> None:
    client, server = make_client()
    client.track("BILL_VOTE")
    client.track("BILL_VOTE")
    assert client.flush(timeout=5)
    assert len(server.batches) == 1
    stats(client, sent=2, accepted=2)


def test_events_get_an_id_a_time_and_a_rising_seq(make_client: Any) -> None:
    client, server = make_client()
    before = datetime.now(UTC) - timedelta(seconds=1)
    client.track("BILL_VOTE", user_id="p-1")
    client.track({"type": "BILL_VOTE", "event_id": "mine", "seq": 40,
                  "occurred_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)})
    client.track("BILL_VOTE")
    client.flush()
    first, second, third = server.batches[0]
    assert len(first["event_id"]) == 36
    assert first["event_id"] != third["event_id"]
    assert before <= datetime.fromisoformat(first["occurred_at"]) <= datetime.now(UTC)
    assert first["occurred_at"].endswith("Z")
    assert second == {"type": "BILL_VOTE", "event_id": "mine", "seq": 40,
                      "occurred_at": "2026-01-02T03:04:05.000Z"}
    assert first["seq"] < third["seq"]
    sent_at = datetime.fromisoformat(server.body(server.requests[0])["sent_at"])
    assert before <= sent_at <= datetime.now(UTC)


def test_a_503_is_retried_with_backoff_and_the_same_event_ids(make_client: Any) -> None:
    client, server = make_client(
        httpx.Response(503), httpx.Response(503), backoff_base=0.5, jitter=lambda: 0.5,
    )
    client.track("BILL_VOTE", user_id="p-1")
    client.track("BILL_VOTE", user_id="p-2")
    assert client.flush()
    assert len(server.requests) == 3
    assert server.batches[0] == server.batches[1] == server.batches[2]
    assert client.slept == [0.25, 0.5]  # full jitter over 0.5 * 2**retry, with the draw 0.5
    stats(client, sent=2, accepted=2, retries=2)


def test_429_waits_as_long_as_retry_after_says(make_client: Any) -> None:
    client, server = make_client(httpx.Response(429, headers={"Retry-After": "7"}))
    client.track("BILL_VOTE")
    assert client.flush()
    assert client.slept == [7.0]
    assert len(server.requests) == 2
    stats(client, sent=1, accepted=1, retries=1)


def test_retry_after_is_capped_by_max_delay(make_client: Any) -> None:
    client, _ = make_client(httpx.Response(503, headers={"Retry-After": "3600"}), max_delay=20)
    client.track("BILL_VOTE")
    assert client.flush()
    assert client.slept == [20.0]


@pytest.mark.parametrize("status", [400, 401, 403, 413, 422])
def test_a_refused_batch_is_dropped_and_counted_without_retry(
    make_client: Any, status: int,
) -> None:
    client, server = make_client(httpx.Response(status, json={"ok": False}))
    client.track("BILL_VOTE")
    client.track("BILL_VOTE")
    assert client.flush()
    assert len(server.requests) == 1
    stats(client, dropped=2, failed_batches=1)


@pytest.mark.parametrize("status", [408, 500, 503])
def test_transient_statuses_are_retried(make_client: Any, status: int) -> None:
    client, server = make_client(httpx.Response(status))
    client.track("BILL_VOTE")
    assert client.flush()
    assert len(server.requests) == 2
    stats(client, sent=1, accepted=1, retries=1)


def test_a_network_error_is_retried(make_client: Any) -> None:
    client, server = make_client(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"))
    client.track("BILL_VOTE")
    assert client.flush()
    assert len(server.requests) == 3
    stats(client, sent=1, accepted=1, retries=2)


def test_a_batch_is_given_up_after_max_attempts(make_client: Any) -> None:
    client, server = make_client(*[httpx.Response(503)] * 3, max_attempts=3)
    client.track("BILL_VOTE")
    assert client.flush()
    assert len(server.requests) == 3
    assert len(client.slept) == 2  # no wait after the last try
    stats(client, dropped=1, retries=2, failed_batches=1)
    client.track("BILL_VOTE")  # the next batch starts afresh
    assert client.flush()
    assert client.stats.accepted == 1


def test_a_full_queue_drops_new_events_and_never_blocks() -> None:
    in_flight, release = threading.Event(), threading.Event()

    def stuck(request: httpx.Request) -> httpx.Response:
        in_flight.set()
        release.wait(5)  # a server that does not answer yet
        return answer(FakeServer.body(request)["events"])

    client = QuestlogClient("http://questlog", "k", batch_size=2, capacity=3, fetch_policy=False,
                            transport=httpx.MockTransport(stuck))
    try:
        client.track("BILL_VOTE")
        client.track("BILL_VOTE")
        assert in_flight.wait(5)
        queued = [client.track("BILL_VOTE") for _ in range(10)]
        assert queued == [True] * 3 + [False] * 7
        assert client.stats.queued == 3
    finally:
        release.set()
        client.close()
    stats(client, sent=5, accepted=5, dropped=7)


def test_nothing_raises_from_a_transport_that_raises_anything(make_client: Any) -> None:
    client, server = make_client(RuntimeError("broken transport"), ValueError("odd"))
    assert client.track("BILL_VOTE") is True
    assert client.flush() is True
    client.track("BILL_VOTE")
    assert client.flush() is True
    assert len(server.requests) == 2  # a bug, not an outage: not retried
    stats(client, dropped=2, failed_batches=2, errors=2)


def test_events_that_are_not_json_are_refused_alone(make_client: Any) -> None:
    client, server = make_client()
    assert client.track("BILL_VOTE", seat_weight=float("nan")) is False
    assert client.track("BILL_VOTE", data=object()) is False
    assert client.track(42) is False  # type: ignore[arg-type]
    assert client.track("BILL_VOTE", user_id="p-1") is True
    client.flush()
    assert [e["user_id"] for e in server.batches[0]] == ["p-1"]
    stats(client, sent=1, accepted=1, errors=3)


def test_an_unexpected_answer_body_is_counted_not_raised(make_client: Any) -> None:
    client, _ = make_client(httpx.Response(200, text="<html>proxy</html>"))
    client.track("BILL_VOTE")
    assert client.flush()
    stats(client, sent=1, errors=1)


def test_the_servers_counts_are_read_into_stats(make_client: Any) -> None:
    client, server = make_client()
    server.script.append(httpx.Response(200, json={"ok": True, "data": {
        "accepted": 1, "duplicates": 1, "rejected": 1, "event_ids": ["a"],
        "rejections": [{"index": 2, "event_id": "c", "code": "invalid_event", "message": "x"}],
    }}))
    for _ in range(3):
        client.track("BILL_VOTE")
    client.flush()
    stats(client, sent=3, accepted=1, duplicates=1, rejected=1)


def test_close_is_idempotent_and_later_calls_neither_raise_nor_send(make_client: Any) -> None:
    client, server = make_client()
    client.track("BILL_VOTE")
    assert client.close()
    assert client.close()
    assert client.track("BILL_VOTE") is False
    assert client.flush() is True
    assert len(server.requests) == 1
    stats(client, sent=1, accepted=1, dropped=1)


def test_close_gives_up_on_a_failing_server_within_its_timeout(make_client: Any) -> None:
    client, server = make_client(
        *[httpx.Response(503)] * 100, batch_size=2, sleep=None, backoff_base=30, jitter=lambda: 0.9,
    )
    client.track("BILL_VOTE")
    client.track("BILL_VOTE")
    client.track("BILL_VOTE")
    assert server.wait_for(1)
    assert client.close(timeout=0.05) is False  # the first backoff, 27 s, is cut short
    assert client.flush()  # the worker has counted the batch it was retrying
    assert len(server.requests) == 1
    stats(client, dropped=3, failed_batches=1)


def test_opted_out_clients_send_nothing(make_client: Any) -> None:
    client, server = make_client(opt_out=True)
    assert client.track("BILL_VOTE") is False
    client.opt_out = False
    assert client.track("BILL_VOTE") is True
    client.flush()
    assert len(server.batches[0]) == 1


def test_sampling_keeps_the_same_players_every_time(make_client: Any) -> None:
    client, server = make_client(sample_rates={"loot_drop": 0.3, "death": 0.0})
    players = [f"player-{n}" for n in range(200)]
    for _ in range(2):
        for player in players:
            client.track("loot_drop", user_id=player)
            client.track("death", user_id=player)
            client.track("session_start", user_id=player)
    client.flush()
    sent = [e for batch in server.batches for e in batch]
    loot = [e["user_id"] for e in sent if e["type"] == "loot_drop"]
    kept = set(loot)
    assert 30 <= len(kept) <= 90  # about 30% of 200 players
    assert sorted(loot) == sorted(list(kept) * 2)  # a kept player is kept both times
    assert not [e for e in sent if e["type"] == "death"]
    assert len([e for e in sent if e["type"] == "session_start"]) == 400
    assert client.stats.sampled_out == 2 * (200 - len(kept)) + 400
