"""Writes are acknowledged once durable: journaled, and by a majority on a replica set."""

from __future__ import annotations

import pytest

from questlog.bootstrap import DOCUMENT_MODELS, Questlog
from questlog.store.durability import write_concern


def test_a_replica_set_waits_for_a_majority_and_the_journal() -> None:
    assert write_concern({"setName": "rs0", "isWritablePrimary": True}).document == {
        "w": "majority", "j": True,
    }


def test_a_standalone_server_waits_for_its_journal() -> None:
    assert write_concern({"isWritablePrimary": True}).document == {"w": 1, "j": True}


@pytest.mark.mongodb
async def test_every_collection_writes_with_the_servers_durable_write_concern(
    questlog: Questlog,
) -> None:
    hello = await questlog.store.client.admin.command("hello")

    concerns = {d.get_collection_name(): d.get_motor_collection().write_concern.document
                for d in DOCUMENT_MODELS}

    assert set(map(str, concerns.values())) == {str(write_concern(hello).document)}
    assert all(c["j"] is True for c in concerns.values())
