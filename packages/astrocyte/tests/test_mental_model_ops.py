"""Unit tests of the mental-model edit language every MentalModelStore backend shares."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from astrocyte.errors import ValidationError
from astrocyte.mental_model_ops import OperationsOutcome, apply_operations


def _apply(document: dict[str, Any] | None, *operations: Any, content: str = "text") -> OperationsOutcome:
    return apply_operations(document, content, list(operations))


def test_set_creates_missing_intermediate_objects() -> None:
    outcome = _apply(None, {"op": "set", "path": "profile.food.likes", "value": "tea"})
    assert outcome.structured_doc == {"profile": {"food": {"likes": "tea"}}}
    assert outcome.changed
    assert outcome.skipped == []


def test_set_overwrites_and_keeps_siblings() -> None:
    outcome = _apply({"a": {"b": 1, "c": 2}}, {"op": "set", "path": "a.b", "value": [3]})
    assert outcome.structured_doc == {"a": {"b": [3], "c": 2}}


def test_set_accepts_null_as_a_value() -> None:
    outcome = _apply({"a": 1}, {"op": "set", "path": "a", "value": None})
    assert outcome.structured_doc == {"a": None}
    assert outcome.changed


def test_set_through_a_non_object_is_skipped_and_names_the_blocker() -> None:
    outcome = _apply({"a": {"b": 5}}, {"op": "set", "path": "a.b.c", "value": 1})
    assert outcome.structured_doc == {"a": {"b": 5}}
    assert outcome.applied == []
    assert "'a.b'" in outcome.skipped[0]["reason"]
    assert not outcome.changed


def test_delete_removes_the_key() -> None:
    outcome = _apply({"a": {"b": 1, "c": 2}}, {"op": "delete", "path": "a.b"})
    assert outcome.structured_doc == {"a": {"c": 2}}
    assert outcome.changed


@pytest.mark.parametrize(
    ("document", "path"),
    [({"a": {"c": 2}}, "a.b"), ({"a": 1}, "a.b"), ({}, "x"), (None, "x"), ({"a": {}}, "a.b.c")],
)
def test_delete_of_a_missing_path_is_skipped(document: dict[str, Any] | None, path: str) -> None:
    outcome = _apply(document, {"op": "delete", "path": path})
    assert outcome.structured_doc == document
    assert outcome.skipped[0]["reason"]
    assert not outcome.changed


def test_append_creates_the_list_then_extends_it() -> None:
    outcome = _apply(
        None,
        {"op": "append", "path": "likes.drinks", "value": "tea"},
        {"op": "append", "path": "likes.drinks", "value": {"name": "coffee"}},
    )
    assert outcome.structured_doc == {"likes": {"drinks": ["tea", {"name": "coffee"}]}}
    assert len(outcome.applied) == 2


def test_append_onto_a_non_list_is_skipped() -> None:
    outcome = _apply({"likes": "tea"}, {"op": "append", "path": "likes", "value": "coffee"})
    assert outcome.structured_doc == {"likes": "tea"}
    assert "not a list" in outcome.skipped[0]["reason"]


def test_set_content_replaces_the_content() -> None:
    outcome = _apply({"a": 1}, {"op": "set_content", "value": "new summary"})
    assert outcome.content == "new summary"
    assert outcome.structured_doc == {"a": 1}
    assert outcome.changed


@pytest.mark.parametrize(
    ("operation", "reason_mentions"),
    [
        ("set a=1", "object"),
        ({"path": "a", "value": 1}, "missing 'op'"),
        ({"op": "rename", "path": "a"}, "unknown op 'rename'"),
        ({"op": ["set"], "path": "a", "value": 1}, "unknown op"),
        ({"op": "set", "value": 1}, "missing 'path'"),
        ({"op": "delete"}, "missing 'path'"),
        ({"op": "set", "path": 3, "value": 1}, "dot-separated string"),
        ({"op": "set", "path": "", "value": 1}, "empty key"),
        ({"op": "set", "path": "a..b", "value": 1}, "empty key"),
        ({"op": "append", "path": ".a", "value": 1}, "empty key"),
        ({"op": "set", "path": "a"}, "'set' needs a 'value'"),
        ({"op": "append", "path": "a"}, "'append' needs a 'value'"),
        ({"op": "set_content"}, "'set_content' needs a 'value'"),
        ({"op": "set_content", "value": "   "}, "empty"),
        ({"op": "set_content", "value": 7}, "string"),
    ],
)
def test_malformed_operation_is_skipped_with_a_reason_and_the_rest_apply(operation: Any, reason_mentions: str) -> None:
    good = {"op": "set", "path": "kept", "value": True}
    outcome = _apply({"a": 1}, operation, good)
    assert outcome.skipped == [{"op": operation, "reason": outcome.skipped[0]["reason"]}]
    assert reason_mentions in outcome.skipped[0]["reason"]
    assert outcome.applied == [good]
    assert outcome.structured_doc == {"a": 1, "kept": True}
    assert outcome.content == "text"


def test_operations_apply_in_order() -> None:
    outcome = _apply(
        {},
        {"op": "set", "path": "a", "value": {"list": []}},
        {"op": "append", "path": "a.list", "value": 1},
        {"op": "delete", "path": "a.list"},
        {"op": "append", "path": "a.list", "value": 2},
    )
    assert outcome.structured_doc == {"a": {"list": [2]}}


@pytest.mark.parametrize(
    "operations",
    [
        [],
        [{"op": "set", "path": "a.b", "value": 1}],
        [{"op": "set_content", "value": "text"}],
        [{"op": "delete", "path": "nowhere"}, {"op": "explode"}],
        [{"op": "set", "path": "tmp", "value": 1}, {"op": "delete", "path": "tmp"}],
    ],
)
def test_a_batch_without_net_effect_is_not_a_change(operations: list[Any]) -> None:
    outcome = _apply({"a": {"b": 1}}, *operations)
    assert outcome.structured_doc == {"a": {"b": 1}}
    assert not outcome.changed


def test_a_missing_document_left_empty_stays_missing() -> None:
    outcome = _apply(None, {"op": "set", "path": "x", "value": 1}, {"op": "delete", "path": "x"})
    assert outcome.structured_doc is None
    assert not outcome.changed


def test_inputs_are_never_mutated_and_the_outcome_shares_nothing() -> None:
    document: dict[str, Any] = {"a": {"list": [1]}}
    value = {"nested": ["x"]}
    operations: list[Any] = [
        {"op": "append", "path": "a.list", "value": 2},
        {"op": "set", "path": "a.obj", "value": value},
        {"op": "delete", "path": "missing"},
    ]
    frozen_document, frozen_operations = copy.deepcopy(document), copy.deepcopy(operations)
    outcome = _apply(document, *operations)
    assert document == frozen_document
    assert operations == frozen_operations

    value["nested"].append("mutated later")
    outcome.applied[1]["value"]["nested"].append("mutated report")
    outcome.skipped[0]["op"]["path"] = "changed"
    assert outcome.structured_doc == {"a": {"list": [1, 2], "obj": {"nested": ["x"]}}}
    assert operations[2]["path"] == "missing"


def test_summary_is_the_spi_report() -> None:
    operations: list[Any] = [{"op": "set", "path": "a", "value": 2}, {"op": "nope"}]
    outcome = _apply({"a": 1}, *operations)
    summary = outcome.summary()
    assert set(summary) == {"applied", "skipped", "changed"}
    assert summary["applied"] == [operations[0]]
    assert [skip["op"] for skip in summary["skipped"]] == [operations[1]]
    assert summary["changed"] is True


@pytest.mark.parametrize("operations", [None, {"op": "set"}, "set a 1", ({"op": "set_content", "value": "x"},)])
def test_a_batch_that_is_not_a_list_is_a_validation_error(operations: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        apply_operations({}, "text", operations)
    assert raised.value.field == "operations_json"
