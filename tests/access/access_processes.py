"""Helpers of the access tests: API processes simulated in one, each with its own
counters and caches on the shared store, on a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from questlog.access.cache import RevisionCache, Revisions
from questlog.access.players import PLAYERS, PlayerFlags
from questlog.access.references import REFERENCES, References
from questlog.access.sessions import SessionOwners
from questlog.store.types import MotorDatabase

BOUND = 1.0  # access_cache_seconds


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Process:
    """What one API process holds: its own counters and caches, on the shared store."""

    flags: PlayerFlags
    sessions: SessionOwners
    references: References


def process(database: MotorDatabase, ticks: Ticks, *, bound: float = BOUND,
            entries: int = 100, everyone: int = 100) -> Process:
    revisions = Revisions(database["access_revisions"], interval=bound, clock=ticks)

    def cache(kind: str) -> RevisionCache[Any, Any]:
        return RevisionCache(revisions, kind, max_entries=entries)

    return Process(
        flags=PlayerFlags(database["player_flags"], cache=cache(PLAYERS),
                          everyone=cache(PLAYERS), everyone_limit=everyone),
        sessions=SessionOwners(database["session_owners"], cache=cache(PLAYERS)),
        references=References(lists=database["reference_data"], events=database["events"],
                              cache=cache(REFERENCES)),
    )
