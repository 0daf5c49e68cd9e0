"""The definitions file: the shipped set, YAML or JSON, and errors that name the bad definition."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from questlog.achievements.definitions import (
    DefinitionsError,
    load_definitions,
    parse_definitions,
)
from questlog.events import CATALOGS

GOOD = {"id": "first_vote", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1}}


def test_the_shipped_set_covers_every_catalog_and_the_issues_examples() -> None:
    achievements = load_definitions(None)

    counted = {a.rule.event for a in achievements if a.rule.kind != "all_of"}  # type: ignore[union-attr]
    for catalog, models in CATALOGS.items():
        assert counted & {m.tag().partition("@")[0] for m in models}, catalog
    by_id = {a.id: a for a in achievements}
    assert {"first_vote", "big_spender", "well_read", "regular", "statesman"} <= set(by_id)
    assert [t.name for t in by_id["big_spender"].tiers] == ["bronze", "silver", "gold"]
    statesman = by_id["statesman"]
    assert statesman.hidden
    assert statesman.reward is not None
    assert statesman.window is not None
    assert statesman.window.start == datetime(2026, 1, 1, tzinfo=UTC)


def test_every_shipped_definition_has_a_category_and_a_file_may_leave_it_out() -> None:
    shipped = load_definitions(None)

    assert all(a.category != "general" for a in shipped)
    [plain] = parse_definitions({"achievements": [GOOD]}, source="f.yaml")
    assert plain.category == "general"


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_yaml_and_json_files_of_the_same_structure_load_alike(tmp_path: Path, suffix: str) -> None:
    data = {"achievements": [GOOD, {"id": "season", "rule": GOOD["rule"],
                                    "window": {"start": "2026-01-01T00:00:00Z"}}]}
    path = tmp_path / f"achievements{suffix}"
    path.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data))

    achievements = load_definitions(path)

    assert [a.id for a in achievements] == ["first_vote", "season"]
    assert achievements[1].window.start == datetime(2026, 1, 1, tzinfo=UTC)  # type: ignore[union-attr]


def test_a_missing_or_unparsable_file_says_which_file(tmp_path: Path) -> None:
    with pytest.raises(DefinitionsError, match=r"nope\.yaml"):
        load_definitions(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(DefinitionsError, match=r"broken\.json: not valid json"):
        load_definitions(broken)


def rule(**fields: Any) -> dict[str, Any]:
    return {"kind": "counter", "event": "BILL_VOTE", "threshold": 1, **fields}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"rule": rule(event="BIL_VOTE")}, "unknown event type 'BIL_VOTE'"),
        ({"rule": rule(where={"stanse": "yea"})}, "BILL_VOTE has no field 'stanse'"),
        ({"rule": rule(where={"stance": "yes"})}, "where stance: 'yes' can never match"),
        ({"rule": rule(where={"stance": ["yea", 3]})}, "where stance: 3 can never match"),
        ({"rule": rule(where={"participants": "x"}, event="DEBATE_RESULT")},
         "not a string, number or boolean"),
        ({"rule": {"kind": "sum", "event": "BILL_VOTE", "field": "stance", "threshold": 5}},
         "sum needs a number field"),
        ({"rule": {"kind": "distinct", "event": "BILL_VOTE", "field": "bil_id", "threshold": 5}},
         "no field 'bil_id'"),
        ({"rule": {"kind": "median", "event": "BILL_VOTE"}}, "rule"),
        ({"rule": rule(threshold=None)}, "give either rule.threshold or tiers"),
        ({"rule": rule(), "tiers": [{"name": "a", "threshold": 5}]}, "not both"),
        ({"rule": {"kind": "streak", "event": "BILL_VOTE"}}, "give either rule.days or tiers"),
        ({"rule": rule(threshold=None), "tiers": [{"name": "a", "threshold": 5},
                                                  {"name": "b", "threshold": 5}]},
         "tier thresholds must increase"),
        ({"rule": rule(threshold=None), "tiers": [{"name": "a", "threshold": 5},
                                                  {"name": "a", "threshold": 6}]},
         "tier names must be unique"),
        ({"rule": rule(threshold=None), "repeatable": True,
          "tiers": [{"name": "a", "threshold": 5}]},
         "only a counter or sum achievement without tiers can be repeatable"),
        ({"rule": {"kind": "streak", "event": "BILL_VOTE", "days": 2}, "repeatable": True},
         "can be repeatable"),
        ({"rule": rule(), "window": {"start": "2027-01-01", "end": "2026-01-01"}},
         "start must be before end"),
        ({"rule": rule(), "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"rule": rule(threshold=0)}, "greater than 0"),
        ({"rule": rule(), "category": "two words"}, "category: String should match"),
        ({"rule": rule(), "category": ""}, "category: String should match"),
    ],
    ids=["unknown-event", "unknown-where-field", "impossible-where-value", "impossible-in-list",
         "where-on-a-list", "sum-of-text", "distinct-unknown-field", "unknown-kind",
         "no-threshold", "threshold-and-tiers", "streak-without-days", "tiers-not-increasing",
         "tier-names", "repeatable-tiers", "repeatable-streak", "window-backwards",
         "unknown-option", "zero-threshold", "category-with-a-space", "empty-category"],
)
def test_a_bad_definition_is_refused_naming_it(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(DefinitionsError) as raised:
        parse_definitions({"achievements": [GOOD, {"id": "the_bad_one", **bad}]}, source="f.yaml")

    assert "f.yaml: achievement 'the_bad_one' (#2)" in str(raised.value)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("achievements", "message"),
    [
        ([GOOD, GOOD], "achievement 'first_vote' (#2): duplicate id"),
        ([GOOD, {"id": "both", "rule": {"kind": "all_of", "achievements": ["first_vote", "gone"]}}],
         "achievement 'both': all_of names unknown achievement(s) ['gone']"),
        ([{"id": "a", "rule": {"kind": "all_of", "achievements": ["b"]}},
          {"id": "b", "rule": {"kind": "all_of", "achievements": ["c"]}},
          {"id": "c", "rule": {"kind": "all_of", "achievements": ["a"]}}],
         "achievement 'a': all_of cycle a -> b -> c -> a"),
        ([{"id": "bad id!", "rule": GOOD["rule"]}], "achievement 'bad id!' (#1): id: String"),
        ([{"rule": GOOD["rule"]}], "achievement #1: id: Field required"),
    ],
    ids=["duplicate", "unknown-part", "cycle", "id-not-a-key", "no-id"],
)
def test_errors_across_definitions_name_the_one_at_fault(
    achievements: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(DefinitionsError) as raised:
        parse_definitions({"achievements": achievements}, source="f.yaml")

    assert message in str(raised.value)


@pytest.mark.parametrize("data", [[GOOD], {"achievements": GOOD}, {"achievements": [], "x": 1}])
def test_the_file_must_be_an_object_holding_a_list(data: Any) -> None:
    with pytest.raises(DefinitionsError, match=r"^f\.yaml: "):
        parse_definitions(data, source="f.yaml")


def test_a_field_of_any_schema_version_can_be_used() -> None:
    [achievement] = parse_definitions({"achievements": [
        {"id": "big_polls", "rule": {"kind": "sum", "event": "POLL_INTERVAL",
                                     "field": "sample_size", "threshold": 1000}},
    ]}, source="f.yaml")

    assert achievement.rule.field == "sample_size"  # type: ignore[union-attr]
