"""Refusing to run against a real MongoDB with development secrets (seed 004's checklist)."""

from __future__ import annotations

from questlog.settings import (
    DEV_COMPANY_SALT,
    DEV_DASHBOARD_TOKEN_SECRET,
    DEV_PLAYER_ID_SECRET,
    Settings,
)

LOCAL_URLS = (None, "", "memory")


class DevelopmentSecrets(RuntimeError):
    """A production start with a development secret; the message names each one."""


def development_secrets(settings: Settings) -> list[str]:
    """The secrets still at their development default (or unset)."""
    found = []
    if settings.company_salt == DEV_COMPANY_SALT:
        found.append("QUESTLOG_COMPANY_SALT")
    if settings.dashboard_token_secret == DEV_DASHBOARD_TOKEN_SECRET:
        found.append("QUESTLOG_DASHBOARD_TOKEN_SECRET")
    if settings.player_id_secret == DEV_PLAYER_ID_SECRET:
        found.append("QUESTLOG_PLAYER_ID_SECRET")
    if not settings.player_token_secret:
        found.append("QUESTLOG_PLAYER_TOKEN_SECRET")
    return found


def check_secrets(settings: Settings) -> None:
    """Raise DevelopmentSecrets for a real MongoDB URL unless QUESTLOG_ENV=development."""
    if settings.mongodb_url in LOCAL_URLS or settings.env == "development":
        return
    found = development_secrets(settings)
    if found:
        raise DevelopmentSecrets(
            f"refusing to start against {_host(settings.mongodb_url)} with development "
            f"secrets: set {', '.join(found)} to random values of your own (see "
            "docs/privacy.md before changing a salt once data exists), or "
            "QUESTLOG_ENV=development"
        )


def _host(url: str | None) -> str:
    """The URL without credentials, for the message."""
    rest = (url or "").partition("://")[2]
    return "MongoDB at " + rest.rpartition("@")[2].split("/")[0] if rest else "a real MongoDB"
