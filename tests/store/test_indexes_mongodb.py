"""On a real server, every collection holds exactly the indexes Questlog declares for it.

Keys are compared in their order and with every option, so an index that an ODM drops,
merges with another or creates with other options fails here (Beanie 1.30 merged the
compound indexes `owner_period` and `period_type_owner`, which share their fields).
"""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import IndexModel

from questlog.achievements.documents import EVALUATION_INDEX
from questlog.bootstrap import DOCUMENT_MODELS, Questlog, retention
from questlog.settings import Settings
from questlog.store.documents import StoredEvent
from questlog.store.indexes import declared_indexes, index_spec

pytestmark = pytest.mark.mongodb

Spec = tuple[tuple[tuple[str, Any], ...], dict[str, Any]]


def expected_indexes(settings: Settings) -> dict[str, dict[str, Spec]]:
    """{collection: {index name: (keys in order, options)}} as Questlog declares them,
    besides the `_id` index that every collection has once it holds a document."""
    expected: dict[str, dict[str, Spec]] = {}
    for document in DOCUMENT_MODELS:
        models = declared_indexes(document)
        if document is StoredEvent and settings.achievements_evaluator:
            models.append(EVALUATION_INDEX)
        expected[document.get_collection_name()] = {
            m.document["name"]: index_spec(m.document) for m in models
        }
    for document, field, ttl in retention(settings):
        ttl_index = IndexModel(
            [(field, 1)], name=f"{field}_ttl", expireAfterSeconds=int(ttl.total_seconds())
        )
        expected[document.get_collection_name()][ttl_index.document["name"]] = index_spec(
            ttl_index.document
        )
    return expected


async def test_the_server_holds_exactly_the_declared_indexes(
    questlog: Questlog, settings: Settings
) -> None:
    database = questlog.store.database

    held = {
        name: {
            index: index_spec(info)
            for index, info in (await database[name].index_information()).items()
            if index != "_id_"
        }
        for name in expected_indexes(settings)
    }

    assert held == expected_indexes(settings)


def test_the_bucket_indexes_are_declared_in_their_key_order(settings: Settings) -> None:
    daily = expected_indexes(settings)["daily_stats"]

    assert [k for k, _ in daily["period_scope"][0]] == ["period_start", "scope"]
    assert "owner_period" not in daily  # an owner's documents are a range of _ids
