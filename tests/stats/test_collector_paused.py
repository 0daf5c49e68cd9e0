"""The rollup's pause of the cyclic collector: held by a day's store and the next day's
read at once, it lasts until the last of them lets go, and never turns on a collector
that someone else had turned off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from questlog.stats.streams import collector_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_overlapping_holders_keep_it_off_until_the_last_one_leaves() -> None:
    gc.enable()
    store, read = collector_paused(), collector_paused()
    store.__enter__()
    read.__enter__()
    store.__exit__(None, None, None)  # the day's store is done, the next day still reads
    assert not gc.isenabled()
    read.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_it_comes_back_when_the_period_fails() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the store went away")
    assert gc.isenabled()
