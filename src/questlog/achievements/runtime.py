"""The achievements part of a running Questlog: built and started by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from questlog.achievements import handlers
from questlog.achievements.book import Book
from questlog.achievements.definitions import load_definitions
from questlog.achievements.documents import PlayerProgress
from questlog.achievements.evaluator import Evaluator
from questlog.achievements.service import AchievementService
from questlog.achievements.tokens import PlayerTokens
from questlog.bus import Bus
from questlog.settings import Settings
from questlog.store.documents import StoredEvent


def load_book(settings: Settings) -> Book:
    """The definitions, validated: raises DefinitionsError naming the bad one."""
    return Book.of(load_definitions(settings.achievements_file))


@dataclass
class Achievements:
    book: Book
    service: AchievementService
    evaluator: Evaluator
    tokens: PlayerTokens

    @classmethod
    async def start(cls, *, settings: Settings, book: Book, bus: Bus) -> Achievements:
        """Needs Beanie initialised; the evaluator's first pass catches up on pending events.

        Without the evaluator (settings.achievements_evaluator off) the reads and the lag
        still work; other processes evaluate."""
        progress = PlayerProgress.get_motor_collection()
        evaluator = Evaluator(book=book, events=StoredEvent.get_motor_collection(),
                              progress=progress)
        if settings.achievements_evaluator:
            handlers.subscribe(bus, evaluator)
            await evaluator.start()
        return cls(
            book=book,
            service=AchievementService(book=book, progress=progress),
            evaluator=evaluator,
            tokens=PlayerTokens.from_settings(settings),
        )

    async def close(self) -> None:
        await self.evaluator.stop()
