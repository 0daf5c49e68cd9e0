"""API keys at run time: created, listed, revoked while the service runs, stored hashed."""

from __future__ import annotations

import httpx
from conftest import bill_vote
from events_http import EVENTS, data_of, error_of
from privacy_http import bearer

from questlog.bootstrap import Questlog

KEYS = "/api/v1/keys"


async def test_a_created_key_works_at_once_with_its_scopes_only(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = data_of(await admin_client.post(KEYS, json={"name": "game", "scopes": ["ingest"]}),
                      201)

    write = await anonymous_client.post(EVENTS, json=bill_vote(), headers=bearer(created["key"]))
    read = await anonymous_client.get(EVENTS, headers=bearer(created["key"]))

    assert write.status_code == 202
    error_of(read, 403, "forbidden")


async def test_a_key_is_stored_hashed_and_listed_without_it(
    admin_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    created = data_of(await admin_client.post(KEYS, json={"name": "bi", "scopes": ["read"]}), 201)

    listed = data_of(await admin_client.get(KEYS))
    stored = await questlog.store.database["api_keys"].find({}).to_list(None)

    assert [(k["key_id"], k["name"], k["scopes"]) for k in listed] == [
        (created["key_id"], "bi", ["read"])]
    assert created["key"] not in str(listed)
    assert created["key"] not in str(stored)


async def test_a_revoked_key_is_refused_at_once(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = data_of(await admin_client.post(KEYS, json={"name": "old", "scopes": ["read"]}), 201)

    revoked = data_of(await admin_client.delete(f"{KEYS}/{created['key_id']}"))
    answer = await anonymous_client.get(EVENTS, headers=bearer(created["key"]))

    assert revoked["revoked_at"]
    error_of(answer, 401, "unauthorized")


async def test_the_environment_keys_still_work_and_only_admins_manage_keys(
    read_client: httpx.AsyncClient,
) -> None:
    assert (await read_client.get(EVENTS)).status_code == 200
    error_of(await read_client.post(KEYS, json={"name": "x", "scopes": ["read"]}),
             403, "forbidden")


async def test_unknown_scopes_and_unknown_keys_are_client_errors(
    admin_client: httpx.AsyncClient,
) -> None:
    error_of(await admin_client.post(KEYS, json={"name": "x", "scopes": ["root"]}),
             422, "invalid_body")
    error_of(await admin_client.delete(f"{KEYS}/nope"), 404, "not_found")
