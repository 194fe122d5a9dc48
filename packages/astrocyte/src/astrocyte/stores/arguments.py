"""Checks of store-method arguments that no DTO makes, shared by the in-memory and SQLite stores.

Two implementations of one SPI must refuse the same bad calls with the same field names, or a
caller could tell them apart; defining each check once keeps them from drifting. A bare string is
refused wherever a list is expected, because it would otherwise iterate as one-letter items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from astrocyte.errors import ValidationError
from astrocyte.validation import check_id

Item = TypeVar("Item")


def checked_items(items: Iterable[Item], kind: type[Item], field_name: str) -> list[Item]:
    """The items as a list, each of the DTO type the method takes, so a wrong call fails before any write."""
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise ValidationError(field_name, f"must be a list of {kind.__name__}, got {type(items).__name__}")
    checked = list(items)
    for index, item in enumerate(checked):
        if not isinstance(item, kind):
            raise ValidationError(f"{field_name}[{index}]", f"must be a {kind.__name__}, got {type(item).__name__}")
    return checked


def checked_ids(ids: Sequence[str], field_name: str) -> list[str]:
    """A list of ids, each checked with :func:`~astrocyte.validation.check_id`."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise ValidationError(field_name, f"must be a list of ids, got {type(ids).__name__}")
    return [check_id(value, f"{field_name}[{index}]") for index, value in enumerate(ids)]


def checked_string(value: object, field_name: str) -> str:
    """Any string, blank included: for search text, where a blank one simply finds nothing."""
    if not isinstance(value, str):
        raise ValidationError(field_name, f"must be a string, got {type(value).__name__}")
    return value


def checked_threshold(value: object, field_name: str) -> float:
    """A similarity threshold, which only means something within the [0, 1] range of the scores."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValidationError(field_name, f"must be a number from 0 to 1, got {value!r}")
    return float(value)
