"""What ingestion asks of access control, without knowing it (see questlog.access.gate).

A Gate first rewrites each raw item (pseudonymous ids, the player's own user_id filled
in), then screens the valid documents: each is kept, dropped silently for a player who
opted out (counted, not stored, not quarantined), or refused with a per-event code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from questlog.ingest.codes import Code


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
        self, documents: Sequence[dict[str, Any]], origin: Origin
    ) -> list[Verdict]: ...


class OpenGate:
    """No access control: every valid event is kept as sent."""

    def prepare(self, item: object, origin: Origin) -> object:
        return item

    async def screen(
        self, documents: Sequence[dict[str, Any]], origin: Origin
    ) -> list[Verdict]:
        return [None] * len(documents)
