"""Background work started and stopped the one way (questlog.tasks)."""

from __future__ import annotations

import asyncio

import pytest

from questlog.tasks import started


async def test_work_started_for_a_caller_cancelled_meanwhile_is_cancelled_too() -> None:
    steps: list[str] = []

    async def write() -> None:
        steps.append("began")
        await asyncio.sleep(0)
        steps.append("wrote")

    caller = asyncio.create_task(started(write()))
    await asyncio.sleep(0)  # the caller is now inside started, waiting for the work to begin
    caller.cancel()

    with pytest.raises(asyncio.CancelledError):
        await caller
    for _ in range(3):
        await asyncio.sleep(0)
    assert steps == ["began"]


async def test_work_started_runs_on_while_its_caller_computes() -> None:
    steps: list[str] = []

    async def write() -> str:
        steps.append("began")
        return "done"

    work = await started(write())

    assert steps == ["began"]  # before the caller's next await
    assert await work == "done"
