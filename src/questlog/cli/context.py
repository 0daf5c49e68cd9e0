"""What every command starts from: the settings of this run, and the store and services.

The one place where the command line opens the store (the local server, memory or a
MongoDB URL) and the services; the domain packages never import what wires them.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from questlog import bootstrap
from questlog.access.secrets_check import check_secrets
from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.store.connection import Store, store_kind

log = logging.getLogger("questlog")

SECRETS_FILE = "secrets.json"


def command_settings(**overrides: object) -> Settings:
    """The environment's settings, with the development secrets of a local run filled in.

    DevelopmentSecrets when they name a real MongoDB while a secret is still a
    development default (checked before anything is filled in)."""
    settings = Settings().model_copy(update=overrides)
    check_secrets(settings)
    return with_development_secrets(settings)


def with_development_secrets(settings: Settings) -> Settings:
    """Fill in what is not configured: the admin key and the player-token secret.

    For the local store they are kept in the data dir, so that a restart keeps keys and
    tokens valid; for `memory` they last as long as the process. Configured values win.
    """
    kept = _kept_secrets(settings.data_dir) if store_kind(settings.mongodb_url) == "local" else {
        "admin_key": secrets.token_urlsafe(24), "player_token_secret": secrets.token_urlsafe(32),
    }
    update: dict[str, object] = {}
    if not settings.api_key_scopes:
        update["api_keys"] = f"{kept['admin_key']}:admin"
    if not settings.player_token_secret:
        update["player_token_secret"] = kept["player_token_secret"]
    return settings.model_copy(update=update)


def announce_development_key(settings: Settings) -> None:
    """Say once, at start, which admin key a run without QUESTLOG_API_KEYS accepts."""
    if Settings().api_key_scopes:
        return
    key = next(iter(settings.api_key_scopes))
    where = (f"kept in {settings.data_dir / SECRETS_FILE}"
             if store_kind(settings.mongodb_url) == "local" else "valid for this run only")
    log.warning("QUESTLOG_API_KEYS is not set: a development admin key (%s). In a shell:\n"
                "    export QUESTLOG_KEY=%s", where, key)


def _kept_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / SECRETS_FILE
    try:
        kept: dict[str, str] = json.loads(path.read_text())
        if {"admin_key", "player_token_secret"} <= kept.keys():
            return kept
    except (FileNotFoundError, ValueError):
        pass
    kept = {"admin_key": secrets.token_urlsafe(24),
            "player_token_secret": secrets.token_urlsafe(32)}
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(kept, file)
    return kept


@asynccontextmanager
async def running_questlog(settings: Settings) -> AsyncIterator[Questlog]:
    """Questlog's services on the configured store, closed (and the store with them) after."""
    questlog = await bootstrap.start(settings)
    try:
        yield questlog
    finally:
        await questlog.close()


@asynccontextmanager
async def documents(settings: Settings) -> AsyncIterator[Store]:
    """The configured store with Beanie initialised, for commands that need no services."""
    store = await bootstrap.open_documents(settings)
    try:
        yield store
    finally:
        store.close()
