"""The access data ingestion keeps in memory (access.cache): a change made in another
process takes effect within access_cache_seconds, one made in this process at once, one
nobody announced within MAX_AGE_SECONDS of each entry's read; the caches stay within
their size."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from access_processes import BOUND, Ticks, process

from questlog.access.cache import MAX_AGE_SECONDS, RevisionCache, Revisions
from questlog.access.players import PLAYERS, PlayerFlags
from questlog.bootstrap import Questlog

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


async def test_an_opt_out_in_another_process_takes_effect_within_the_bound(
    questlog: Questlog,
) -> None:
    ticks = Ticks()
    here, there = process(questlog.store.database, ticks), process(questlog.store.database, ticks)
    assert await here.flags.silenced(["p1", "p2"]) == set()

    await there.flags.set_opted_out("p1", True)
    ticks.advance(BOUND)

    assert await here.flags.silenced(["p1", "p2"]) == {"p1"}


async def test_an_opt_out_takes_effect_at_once_in_its_own_process(questlog: Questlog) -> None:
    here = process(questlog.store.database, Ticks())
    assert await here.flags.silenced(["p1"]) == set()

    await here.flags.set_opted_out("p1", True)
    opted_out = await here.flags.silenced(["p1"])
    await here.flags.set_opted_out("p1", False)

    assert (opted_out, await here.flags.silenced(["p1"])) == ({"p1"}, set())


async def test_more_silenced_players_than_a_process_holds_at_once_are_each_still_silenced(
    questlog: Questlog,
) -> None:
    ticks = Ticks()
    here = process(questlog.store.database, ticks, everyone=2)
    there = process(questlog.store.database, ticks)
    for player in ("p1", "p2", "p3"):
        await there.flags.set_opted_out(player, True)
    await there.flags.mark_erased("p4", NOW)
    ticks.advance(BOUND)

    assert await here.flags.silenced(["p1", "p2", "p3", "p4", "p5"]) == {"p1", "p2", "p3", "p4"}


async def test_requests_arriving_together_read_the_silenced_players_once(
    questlog: Questlog,
) -> None:
    database = questlog.store.database
    await process(database, Ticks()).flags.set_opted_out("p1", True)
    collection = CountedFinds(database["player_flags"])
    revisions = Revisions(database["access_revisions"], interval=BOUND, clock=Ticks())
    flags = PlayerFlags(collection,
                        cache=RevisionCache(revisions, PLAYERS, max_entries=100),
                        everyone=RevisionCache(revisions, PLAYERS, max_entries=100),
                        everyone_limit=100)

    answers = await asyncio.gather(*(flags.silenced([f"p{i}"]) for i in range(20)))

    assert (answers[1], collection.finds) == ({"p1"}, 1)


class CountedFinds:
    """A collection that counts its finds."""

    def __init__(self, collection: Any) -> None:
        self._collection, self.finds = collection, 0

    def find(self, *args: Any, **kwargs: Any) -> Any:
        self.finds += 1
        return self._collection.find(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


async def test_an_erasure_in_another_process_frees_the_players_sessions_within_the_bound(
    questlog: Questlog,
) -> None:
    database, ticks = questlog.store.database, Ticks()
    here, there = process(database, ticks), process(database, ticks)
    assert await here.sessions.claim({"s1": "p1"}, NOW) == {"s1": "p1"}
    assert await here.sessions.claim({"s1": "p2"}, NOW) == {"s1": "p1"}

    await there.flags.mark_erased("p1", NOW)  # what Erasure.erase does, in this order
    await database["session_owners"].delete_many({"user_id": "p1"})
    await there.flags.changed()
    ticks.advance(BOUND)

    assert await here.flags.silenced(["p1"]) == {"p1"}
    assert await here.sessions.claim({"s1": "p2"}, NOW) == {"s1": "p2"}


async def test_a_bill_list_set_in_another_process_takes_effect_within_the_bound(
    questlog: Questlog,
) -> None:
    ticks = Ticks()
    here, there = process(questlog.store.database, ticks), process(questlog.store.database, ticks)
    assert await here.references.bills() == frozenset()

    await there.references.set_bills(["b1", "b2"])
    ticks.advance(BOUND)

    assert await here.references.bills() == {"b1", "b2"}


async def test_a_change_nobody_announced_takes_effect_within_the_maximum_age(
    questlog: Questlog,
) -> None:
    # A writer that died between its change and the bump of the counter.
    database, ticks = questlog.store.database, Ticks()
    here = process(database, ticks)
    assert await here.flags.silenced(["p1"]) == set()

    await database["player_flags"].update_one({"_id": "p1"}, {"$set": {"opted_out": True}},
                                              upsert=True)
    ticks.advance(MAX_AGE_SECONDS)

    assert await here.flags.silenced(["p1"]) == {"p1"}


async def test_each_entry_is_read_again_at_its_own_age_not_all_at_one_instant(
    questlog: Questlog,
) -> None:
    # A steady stream of sessions: dropping the whole cache at once would make every
    # one of them claim again within a fraction of a second.
    ticks = Ticks()
    revisions = Revisions(questlog.store.database["access_revisions"], interval=BOUND,
                          clock=ticks)
    cache: RevisionCache[str, int] = RevisionCache(revisions, PLAYERS, max_entries=10)
    asked: list[list[str]] = []

    async def load(keys: list[str]) -> dict[str, int]:
        asked.append(keys)
        return {k: len(k) for k in keys}

    await cache.get_many(["early"], load)
    ticks.advance(MAX_AGE_SECONDS / 2)
    await cache.get_many(["late"], load)
    ticks.advance(MAX_AGE_SECONDS / 2)
    await cache.get_many(["early", "late"], load)
    ticks.advance(MAX_AGE_SECONDS / 2)
    await cache.get_many(["early", "late"], load)

    assert asked == [["early"], ["late"], ["early"], ["late"]]


async def test_with_no_bound_every_question_goes_to_the_store(questlog: Questlog) -> None:
    database = questlog.store.database
    here = process(database, Ticks(), bound=0)
    assert await here.flags.silenced(["p1"]) == set()

    await database["player_flags"].update_one({"_id": "p1"}, {"$set": {"opted_out": True}},
                                              upsert=True)

    assert await here.flags.silenced(["p1"]) == {"p1"}


async def test_a_cache_keeps_at_most_its_entries_the_least_recently_used_leaving(
    questlog: Questlog,
) -> None:
    revisions = Revisions(questlog.store.database["access_revisions"], interval=BOUND,
                          clock=Ticks())
    cache: RevisionCache[str, int] = RevisionCache(revisions, PLAYERS, max_entries=3)
    asked: list[list[str]] = []

    async def load(keys: list[str]) -> dict[str, int]:
        asked.append(keys)
        return {k: len(k) for k in keys}

    await cache.get_many(["a", "bb", "ccc"], load)
    await cache.get_many(["a"], load)  # "a" used last: "bb" is the oldest now
    await cache.get_many(["dddd"], load)
    await cache.get_many(["a", "bb"], load)

    assert len(cache) == 3
    assert asked == [["a", "bb", "ccc"], ["dddd"], ["bb"]]


async def test_a_read_begun_before_a_change_is_not_kept(questlog: Questlog) -> None:
    revisions = Revisions(questlog.store.database["access_revisions"], interval=BOUND,
                          clock=Ticks())
    cache: RevisionCache[str, bool] = RevisionCache(revisions, PLAYERS, max_entries=10)

    async def stale_load(keys: list[str]) -> dict[str, bool]:
        cache.clear()  # a change was noticed while this read was under way
        return dict.fromkeys(keys, False)

    async def fresh_load(keys: list[str]) -> dict[str, bool]:
        return dict.fromkeys(keys, True)

    assert await cache.get_many(["p1"], stale_load) == {"p1": False}
    assert await cache.get_many(["p1"], fresh_load) == {"p1": True}


class HeldReads:
    """The counters' collection, but a read answers only when the test lets it: what it
    answers is what the store held when it began (the read of a slow store)."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self.begun, self.release = asyncio.Event(), asyncio.Event()

    def find(self, *args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        async def answer() -> AsyncIterator[dict[str, Any]]:
            held = await self._collection.find(*args, **kwargs).to_list(None)
            self.begun.set()
            await self.release.wait()
            for document in held:
                yield document

        return answer()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


async def test_an_opt_out_holds_at_once_even_while_a_read_of_the_counters_is_under_way(
    questlog: Questlog,
) -> None:
    database, ticks = questlog.store.database, Ticks()
    counters = HeldReads(database["access_revisions"])
    revisions = Revisions(counters, interval=BOUND, clock=ticks)
    flags = PlayerFlags(database["player_flags"],
                        cache=RevisionCache(revisions, PLAYERS, max_entries=10))
    counters.release.set()
    assert await flags.silenced(["p1"]) == set()  # p1 is cached, not silenced
    ticks.advance(BOUND)
    counters.begun.clear()
    counters.release.clear()
    other_request = asyncio.create_task(flags.silenced(["p2"]))  # reads the counters again
    await counters.begun.wait()

    await flags.set_opted_out("p1", True)  # answered while that read is under way
    counters.release.set()
    await other_request

    assert await flags.silenced(["p1"]) == {"p1"}
