"""Batch-wide checks decide exactly what the per-value checks decide, and bad batches still name the value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.stores.arguments import batch_dimensions, check_documents, checked_ids
from astrocyte.types import Document, VectorItem
from astrocyte.validation import (
    MAX_ID_LENGTH,
    all_valid_bank_ids,
    all_valid_ids,
    all_valid_texts,
    check_bank_id,
    check_id,
    check_text,
)


class _Name(str):
    """A str subclass: the per-value checks accept it, so the batch checks must too."""


_AWKWARD = st.sampled_from(
    ["", " ", "\n\t", "a\x00b", "\ud800", "x" * MAX_ID_LENGTH, "x" * (MAX_ID_LENGTH + 1), "Zoë", "bank-1", "a b"]
)
_VALUES = st.lists(
    st.one_of(st.text(max_size=8), _AWKWARD, st.none(), st.integers(), st.just(b"id"), st.builds(_Name, st.text())),
    max_size=6,
)


def _passes(check: object, values: list[object]) -> bool:
    try:
        for value in values:
            check(value)  # type: ignore[operator]
    except ValidationError:
        return False
    return True


@given(_VALUES)
def test_batch_checks_agree_with_the_per_value_checks(values: list[object]) -> None:
    assert all_valid_ids(values) == _passes(check_id, values)
    assert all_valid_texts(values) == _passes(check_text, values)
    assert all_valid_bank_ids(values) == _passes(check_bank_id, values)


def _items(count: int) -> list[VectorItem]:
    return [VectorItem(id=f"m{index}", bank_id="b", vector=[1.0, 0.0], text="t") for index in range(count)]


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("id", "bad\x00id", "items[2].id"),
        ("id", "\ud800", "items[2].id"),
        ("bank_id", "no spaces", "items[2].bank_id"),
        ("vector", [1.0, 0.0, 0.0], "items[2].vector"),
    ],
)
def test_a_bad_item_changed_after_construction_is_named_in_a_batch(field: str, value: object, named: str) -> None:
    items = _items(4)
    setattr(items[2], field, value)
    with pytest.raises(ValidationError) as raised:
        batch_dimensions(items, None)
    assert raised.value.field == named
    assert batch_dimensions(_items(4), None) == 2


@pytest.mark.parametrize(
    ("field", "value", "named"), [("id", "", "documents[1].id"), ("text", "  ", "documents[1].text")]
)
def test_a_bad_document_is_named_in_a_batch(field: str, value: str, named: str) -> None:
    documents = [Document(id=f"d{index}", text="some text") for index in range(3)]
    setattr(documents[1], field, value)
    with pytest.raises(ValidationError) as raised:
        check_documents(documents, "b")
    assert raised.value.field == named


def test_checked_ids_names_the_bad_id_and_returns_good_ones_as_given() -> None:
    assert checked_ids(["a", _Name("b")], "ids") == ["a", "b"]
    with pytest.raises(ValidationError) as raised:
        checked_ids(["a", "b", "x" * (MAX_ID_LENGTH + 1)], "ids")
    assert raised.value.field == "ids[2]"
