"""What ingestion asks of access control, without knowing it (see questlog.access.gate).

A Gate first rewrites each raw item (pseudonymous ids, the player's own user_id filled
in), then screens the valid documents: each is kept, dropped silently for a player who
opted out (counted, not stored, not quarantined), or refused with a per-event code.
What the screening writes (a session's claim) may go in the unit `within` that then
stores the events (one transaction, or one command); should that unit not land whole
after all, `reclaim` makes those writes again on their own and says which documents
may still be stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from questlog.ingest.codes import Code
from questlog.store.transactions import WriteUnit


@dataclass(frozen=True)
class Origin:
    """Who sent a batch: the key's label, the player of a player token, the client's country."""

    api_key: str | None = None
    player: str | None = None
    country: str | None = None


OPTED_OUT: Literal["opted_out"] = "opted_out"


@dataclass(frozen=True)
class Refusal:
    code: Code
    message: str


Verdict = None | Literal["opted_out"] | Refusal  # None: keep


class Gate(Protocol):
    def prepare(self, item: object, origin: Origin) -> object: ...

    async def screen(
        self, documents: Sequence[dict[str, Any]], origin: Origin, *,
        within: WriteUnit | None = None,
    ) -> list[Verdict]: ...

    async def reclaim(self, documents: Sequence[dict[str, Any]]) -> list[Verdict]: ...


class OpenGate:
    """No access control: every valid event is kept as sent."""

    def prepare(self, item: object, origin: Origin) -> object:
        return item

    async def screen(
        self, documents: Sequence[dict[str, Any]], origin: Origin, *,
        within: WriteUnit | None = None,
    ) -> list[Verdict]:
        return [None] * len(documents)

    async def reclaim(self, documents: Sequence[dict[str, Any]]) -> list[Verdict]:
        return [None] * len(documents)
