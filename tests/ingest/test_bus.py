"""The in-process bus: typed delivery, isolated handler failures, a publish that never waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from questlog.bus import Bus


@dataclass(frozen=True)
class ScoreChanged:
    score: int


@dataclass(frozen=True)
class PlayerLeft:
    player: str


@pytest.fixture
async def bus() -> AsyncIterator[Bus]:
    bus = Bus(max_queue=100)
    bus.start()
    yield bus
    await bus.stop()


async def test_handlers_receive_messages_of_their_type_in_order(bus: Bus) -> None:
    scores: list[int] = []
    players: list[str] = []

    async def on_score_changed(message: ScoreChanged) -> None:
        scores.append(message.score)

    async def on_player_left(message: PlayerLeft) -> None:
        players.append(message.player)

    bus.subscribe(ScoreChanged, on_score_changed)
    bus.subscribe(PlayerLeft, on_player_left)
    for message in (ScoreChanged(1), PlayerLeft("ana"), ScoreChanged(2)):
        bus.publish(message)
    await bus.drain()

    assert scores == [1, 2]
    assert players == ["ana"]


async def test_failing_handler_does_not_reach_the_publisher_or_other_handlers(bus: Bus) -> None:
    received: list[int] = []

    async def on_score_changed_badly(message: ScoreChanged) -> None:
        raise RuntimeError("handler bug")

    async def on_score_changed(message: ScoreChanged) -> None:
        received.append(message.score)

    bus.subscribe(ScoreChanged, on_score_changed_badly)
    bus.subscribe(ScoreChanged, on_score_changed)

    assert bus.publish(ScoreChanged(1)) is True
    assert bus.publish(ScoreChanged(2)) is True
    await bus.drain()

    assert received == [1, 2]
    assert (bus.stats.failed, bus.stats.delivered) == (2, 2)


async def test_publish_on_a_full_queue_drops_and_counts_instead_of_waiting() -> None:
    bus = Bus(max_queue=2)  # not started: nothing is taken off the queue

    async def on_score_changed(message: ScoreChanged) -> None:
        return None

    bus.subscribe(ScoreChanged, on_score_changed)

    results = [bus.publish(ScoreChanged(n)) for n in range(4)]

    assert results == [True, True, False, False]
    assert (bus.stats.published, bus.stats.dropped, bus.stats.queued) == (2, 2, 2)


async def test_message_nobody_subscribed_to_is_not_queued(bus: Bus) -> None:
    assert bus.publish(PlayerLeft("ana")) is True
    assert bus.stats.queued == 0


async def test_stop_delivers_what_is_queued() -> None:
    bus = Bus(max_queue=10)
    received: list[int] = []

    async def on_score_changed(message: ScoreChanged) -> None:
        received.append(message.score)

    bus.subscribe(ScoreChanged, on_score_changed)
    bus.publish(ScoreChanged(1))
    bus.publish(ScoreChanged(2))
    bus.start()
    await bus.stop()

    assert received == [1, 2]
