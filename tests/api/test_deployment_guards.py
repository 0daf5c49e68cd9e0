"""Secrets in production (seed 004's checklist) and CORS (seed 004's ALLOWED_ORIGINS)."""

from __future__ import annotations

import httpx
import pytest

from questlog import bootstrap
from questlog.access.secrets_check import DevelopmentSecrets, check_secrets
from questlog.api.app import create_app
from questlog.settings import Settings

SECRETS = {"company_salt": "s1", "dashboard_token_secret": "s2", "player_id_secret": "s3",
           "player_token_secret": "s4"}


def production(settings: Settings, **overrides: object) -> Settings:
    return settings.model_copy(update={"env": "production",
                                       "mongodb_url": "mongodb://user:pw@db.example:27017",
                                       **overrides})


async def test_a_real_mongodb_with_development_secrets_refuses_to_start_naming_each(
    settings: Settings,
) -> None:
    with pytest.raises(DevelopmentSecrets) as refused:
        await bootstrap.start(production(settings, company_salt="s1"))

    message = str(refused.value)
    for name in ("QUESTLOG_DASHBOARD_TOKEN_SECRET", "QUESTLOG_PLAYER_ID_SECRET",
                 "QUESTLOG_PLAYER_TOKEN_SECRET"):
        assert name in message
    assert "QUESTLOG_COMPANY_SALT" not in message
    assert "pw" not in message


@pytest.mark.parametrize(
    "overrides",
    [{**SECRETS}, {"env": "development"}, {"mongodb_url": None}, {"mongodb_url": "memory"}],
)
def test_real_secrets_development_mode_or_a_local_store_start(
    settings: Settings, overrides: dict[str, object]
) -> None:
    check_secrets(production(settings, **overrides))


async def cors_answer(settings: Settings, origin: str) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://questlog"
    ) as client:
        return await client.options("/api/v1/events", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization"})


async def test_no_origin_is_allowed_by_default(settings: Settings) -> None:
    answer = await cors_answer(settings, "https://dash.example")

    assert "access-control-allow-origin" not in answer.headers


async def test_an_allowed_origin_may_call_and_another_may_not(settings: Settings) -> None:
    allowed = settings.model_copy(update={"allowed_origins": "https://dash.example"})

    ours = await cors_answer(allowed, "https://dash.example")
    theirs = await cors_answer(allowed, "https://evil.example")

    assert ours.headers["access-control-allow-origin"] == "https://dash.example"
    assert "access-control-allow-origin" not in theirs.headers


def test_serve_refuses_in_one_line_before_listening(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from questlog.cli import main

    monkeypatch.setenv("QUESTLOG_MONGODB_URL", "mongodb://db.example:27017")
    for name in ("ENV", "COMPANY_SALT", "DASHBOARD_TOKEN_SECRET", "PLAYER_ID_SECRET",
                 "PLAYER_TOKEN_SECRET"):
        monkeypatch.delenv(f"QUESTLOG_{name}", raising=False)

    assert main(["serve", "--port", "1"]) == 2
    assert "QUESTLOG_DASHBOARD_TOKEN_SECRET" in capsys.readouterr().err
