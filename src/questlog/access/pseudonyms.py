"""Pseudonymous player ids, pure (seed 002: analytics_player_id = sha256(player_uuid + salt)).

Inside Questlog a player is `p_` + HMAC-SHA256(QUESTLOG_PLAYER_ID_SECRET, raw id), cut to
128 bits: stable, so achievements, sessions and the learner keep working, and not
reversible without the secret. Where data leaves Questlog (exports, company dashboards)
ids are re-keyed with a salt of the month, so two months' files cannot be joined.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import Any

PREFIX = "p_"
# The envelope's and the catalogs' fields that name a player.
PLAYER_FIELDS = ("user_id", "userId")
PLAYER_LISTS = ("participants",)
# A stored pseudonym wherever it appears: a field, a list, a bucket's id
# ("user/p_…/2026-12-05"), a quarantined raw body.
STORED = re.compile(r"\bp_[0-9a-f]{32}\b")


def keyed(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(errors="surrogatepass"),
                    hashlib.sha256).hexdigest()[:32]


class Pseudonyms:
    def __init__(self, *, secret: str, enabled: bool) -> None:
        self._secret, self.enabled = secret, enabled

    def player(self, raw: str) -> str:
        """The id Questlog stores for the player the client calls `raw`."""
        return PREFIX + keyed(self._secret, raw) if self.enabled else raw

    def item(self, item: dict[str, object]) -> dict[str, object]:
        """A raw event with every player id replaced (a copy; the original is untouched)."""
        if not self.enabled:
            return item
        out = dict(item)
        for name in PLAYER_FIELDS:
            value = out.get(name)
            if isinstance(value, str):
                out[name] = self.player(value)
        for name in PLAYER_LISTS:
            values = out.get(name)
            if isinstance(values, list):
                out[name] = [self.player(v) if isinstance(v, str) else v for v in values]
        return out

    def outbound(self, stored_id: str, *, at: datetime) -> str:
        """The id that leaves Questlog in `at`'s month: re-keyed with that month's salt."""
        return "m_" + keyed(f"{self._secret}:{at:%Y-%m}", stored_id)

    def rekeyed(self, value: Any, *, at: datetime) -> Any:
        """`value` (a stored document, at any depth: values, keys, lists, text) with every
        stored pseudonym replaced by its id of `at`'s month: no stored id leaves, so two
        months' exports share none."""
        if not self.enabled:
            return value
        if isinstance(value, str):
            return STORED.sub(lambda found: self.outbound(found[0], at=at), value)
        if isinstance(value, dict):
            return {self.rekeyed(k, at=at): self.rekeyed(v, at=at) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.rekeyed(v, at=at) for v in value]
        return value

    def receipt_hash(self, stored_id: str) -> str:
        """The hash an erasure receipt names its player by: keyed, so the receipt alone
        does not confirm a guessed id; Questlog finds it again from the id."""
        return "r_" + keyed(f"{self._secret}:receipt", stored_id)
