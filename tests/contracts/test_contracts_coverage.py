"""The event models, the union, the schema files and the fixtures describe the same events."""

from __future__ import annotations

from contracts_on_disk import catalog_fixtures, schema_file_of, schema_files

from questlog.contracts.schemas import schema_name
from questlog.events import CATALOGS, EVENT_ADAPTER, EVENT_MODELS, MODELS_BY_TAG

FIXTURES = catalog_fixtures()


def test_each_type_and_version_is_registered_once() -> None:
    assert len(MODELS_BY_TAG) == len(EVENT_MODELS)


def test_each_model_sits_in_the_catalog_it_names() -> None:
    misplaced = [(m.__name__, c) for c, ms in CATALOGS.items() for m in ms if m.catalog != c]
    assert not misplaced


def test_schema_files_are_exactly_one_per_type_and_version() -> None:
    names = {schema_name(m) for m in EVENT_MODELS}

    assert set(schema_files()) == names  # none missing, no orphan
    assert len({n.lower() for n in names}) == len(names)  # distinct on case-blind file systems


def test_fixture_files_are_exactly_one_per_catalog() -> None:
    assert set(FIXTURES) == set(CATALOGS)


def test_each_type_and_version_has_a_valid_fixture_the_union_reads_as_its_model() -> None:
    reached = {}
    for catalog, fixtures in FIXTURES.items():
        for event in fixtures["valid"]:
            model = type(EVENT_ADAPTER.validate_python(event))
            assert model in CATALOGS[catalog]
            assert schema_name(model) == schema_file_of(event)
            reached[model.tag()] = model

    assert reached == MODELS_BY_TAG
