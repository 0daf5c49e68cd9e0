"""The client's queue is bounded in bytes and drops the lowest priority first; the client
fetches the server's sampling policy and applies it as the server does."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from questlog.client import QuestlogClient
from questlog.client.buffer import PriorityBuffer
from questlog.client.policy import ServedPolicy, in_sample

POLICY = {"version": "v-test", "refresh_seconds": 300, "sampling": {
    "version": 1, "default": {"rate": 1.0, "priority": 2},
    "rules": [
        {"name": "boss", "types": ["damage_dealt"], "when": {"encounter_tier": ["boss"]},
         "rate": 1.0, "priority": 3},
        {"name": "economy", "types": ["xp_gain"], "rate": 0.3, "priority": 1},
        {"name": "heartbeat", "types": ["client_tick"], "rate": 1.0, "priority": 0},
    ],
}}


def test_the_buffer_holds_at_most_its_bytes_dropping_lower_priorities_oldest_first() -> None:
    buffer = PriorityBuffer(max_bytes=30, max_events=100)
    assert buffer.push("a" * 10, 0) == (True, 0)
    assert buffer.push("b" * 10, 1) == (True, 0)
    assert buffer.push("c" * 10, 0) == (True, 0)
    assert buffer.push("d" * 10, 2) == (True, 1)  # the oldest of priority 0 made room
    assert buffer.bytes == 30
    assert buffer.push("e" * 10, 0) == (False, 0)  # nothing lower than it: it is dropped
    assert buffer.push("f" * 10, 1) == (True, 1)
    assert buffer.push("x" * 31, 9) == (False, 0)  # larger than the whole buffer
    assert buffer.pop(10) == ["b" * 10, "d" * 10, "f" * 10]  # in the order they came
    assert len(buffer) == 0
    assert buffer.bytes == 0


def test_the_buffer_bounds_events_too() -> None:
    buffer = PriorityBuffer(max_bytes=1000, max_events=2)
    buffer.push("a", 1)
    buffer.push("b", 1)
    assert buffer.push("c", 1) == (False, 0)
    assert buffer.push("d", 2) == (True, 1)
    assert buffer.pop(5) == ["b", "d"]


def test_the_served_policy_gives_rates_and_priorities_by_rule() -> None:
    policy = ServedPolicy(POLICY)
    assert policy.rate_and_priority({"type": "damage_dealt", "encounter_tier": "boss"}) == (1, 3)
    assert policy.rate_and_priority({"type": "damage_dealt"}) == (1.0, 2)  # the default
    assert policy.rate_and_priority({"type": "xp_gain"}) == (0.3, 1)
    assert ServedPolicy({}).rate_and_priority({"type": "x"}) == (1.0, 2)


class PolicyServer:
    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/config":
            return httpx.Response(200, json={"ok": True, "data": POLICY})
        self.release.wait(5)
        events = __import__("json").loads(request.content)["events"]
        self.batches.append(events)
        return httpx.Response(200, json={"ok": True, "data": {
            "accepted": len(events), "duplicates": 0, "rejected": 0, "sampled_out": 0,
            "event_ids": [e["event_id"] for e in events], "rejections": []}})


def started(server: PolicyServer, **options: Any) -> QuestlogClient:
    client = QuestlogClient("http://questlog", "k", transport=httpx.MockTransport(server),
                            sleep=lambda s: None, **options)
    deadline = time.monotonic() + 5
    while client.policy_version is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.policy_version == "v-test"
    return client


def test_the_client_samples_by_the_servers_policy() -> None:
    server = PolicyServer()
    client = started(server)
    players = [f"p-{i}" for i in range(300)]
    for player in players:
        client.track("xp_gain", user_id=player)
    assert client.close()
    sent = {e["user_id"] for batch in server.batches for e in batch}
    assert sent == {p for p in players if in_sample(f"{p}\x1fxp_gain", 0.3)}
    assert client.stats.sampled_out == len(players) - len(sent)


def test_a_full_client_drops_heartbeats_before_combat() -> None:
    server = PolicyServer()
    server.release.clear()  # the server does not answer: the queue fills
    client = started(server, batch_size=1, max_buffer_bytes=2_000)
    try:
        client.track("client_tick", user_id="p")  # taken by the worker, stuck in flight
        time.sleep(0.1)
        ticks = [client.track("client_tick", user_id="p", n=i) for i in range(20)]
        assert not all(ticks)  # the heartbeats alone overflow 2,000 bytes
        boss = [client.track("damage_dealt", user_id="p", encounter_tier="boss", n=i)
                for i in range(5)]
        assert all(boss)  # each pushed out the oldest heartbeats
    finally:
        server.release.set()
    assert client.close()
    sent = [e for batch in server.batches for e in batch]
    assert [e["n"] for e in sent if e["type"] == "damage_dealt"] == list(range(5))
    stats = client.stats
    assert stats.sent + stats.dropped == 1 + 20 + 5
