"""Checks of store-method arguments that no DTO makes, shared by the in-memory and SQLite stores.

Two implementations of one SPI must refuse the same bad calls with the same field names, or a
caller could tell them apart; defining each check once keeps them from drifting. A bare string is
refused wherever a list is expected, because it would otherwise iterate as one-letter items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.types import Document, VectorItem
from astrocyte.validation import (
    all_valid_bank_ids,
    all_valid_ids,
    all_valid_texts,
    check_bank_id,
    check_id,
    check_text,
    check_vector,
)
from astrocyte.vectors import FloatMatrix, as_matrix, normalise_rows

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


def checked_bank_items(items: Iterable[Item], kind: type[Item], field_name: str, bank_id: str) -> list[Item]:
    """``bank_id`` checked, then the items as by :func:`checked_items`: the opening of every batch write."""
    check_bank_id(bank_id)
    return checked_items(items, kind, field_name)


def checked_ids(ids: Sequence[str], field_name: str) -> list[str]:
    """A list of ids, each checked with :func:`~astrocyte.validation.check_id`."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise ValidationError(field_name, f"must be a list of ids, got {type(ids).__name__}")
    values = list(ids)
    if all_valid_ids(values):
        return values
    return [check_id(value, f"{field_name}[{index}]") for index, value in enumerate(values)]


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


def batch_dimensions(items: Sequence[VectorItem], fixed: int | None) -> int:
    """Check a non-empty batch of vector items before anything is written; returns its dimension.

    ``fixed`` is the store's dimension, or ``None`` when the batch will fix it. The components
    themselves are checked for the whole batch at once by :func:`unit_rows`.
    """
    if _plainly_valid(items, fixed):
        return fixed if fixed is not None else len(items[0].vector)
    dimensions = fixed
    for position, item in enumerate(items):
        field = f"items[{position}]"
        if not isinstance(item, VectorItem):
            raise ValidationError(field, f"must be a VectorItem, got {type(item).__name__}")
        check_id(item.id, f"{field}.id")
        check_bank_id(item.bank_id, f"{field}.bank_id")
        if not item.vector:
            raise ValidationError(f"{field}.vector", "must have at least one component")
        if dimensions is None:
            dimensions = len(item.vector)
        check_vector_length(item.vector, dimensions, f"{field}.vector")
    if dimensions is None:
        raise ValueError("batch_dimensions needs a non-empty batch")
    return dimensions


def _plainly_valid(items: Sequence[VectorItem], fixed: int | None) -> bool:
    """Whether the per-item loop of :func:`batch_dimensions` would pass, decided batch-wide."""
    if not items or not all(isinstance(item, VectorItem) for item in items):
        return False
    if not (all_valid_ids([item.id for item in items]) and all_valid_bank_ids([item.bank_id for item in items])):
        return False
    try:
        lengths = set(map(len, [item.vector for item in items]))
    except TypeError:
        return False
    return len(lengths) == 1 and lengths != {0} and (fixed is None or lengths == {fixed})


def check_vector_length(vector: Sequence[float], dimensions: int, field: str) -> None:
    if len(vector) != dimensions:
        raise ValidationError(
            field, f"has {len(vector)} dimensions, expected {dimensions}: every vector of a store has one dimension"
        )


def unit_rows(vectors: Sequence[Sequence[float]], dimensions: int, name_row: Callable[[int], str]) -> FloatMatrix:
    """The vectors as unit float32 rows, refused as by :func:`finite_rows`."""
    return normalise_rows(finite_rows(vectors, dimensions, name_row))


def finite_rows(vectors: Sequence[Sequence[float]], dimensions: int, name_row: Callable[[int], str]) -> FloatMatrix:
    """The vectors as float32 rows; refuses non-numbers, NaN, infinity and components beyond
    float32, naming the first bad row with ``name_row``."""
    try:
        with np.errstate(over="ignore"):  # an overflowing component becomes inf, refused below
            matrix = as_matrix(vectors, dimensions)
    except (TypeError, ValueError):
        raise ValidationError(name_row(0), "vectors must be sequences of numbers") from None
    bad_rows = np.flatnonzero(~np.isfinite(matrix).all(axis=1))
    if len(bad_rows):
        raise ValidationError(name_row(int(bad_rows[0])), "contains NaN, infinity or a number beyond float32 (3.4e38)")
    return matrix


def stored_rows(items: Sequence[VectorItem], dimensions: int) -> FloatMatrix:
    """The batch's vectors as stored: float32, converted once, refused as by :func:`finite_rows`."""
    return finite_rows([item.vector for item in items], dimensions, lambda row: f"items[{row}].vector")


@dataclass(frozen=True)
class OwnVectors:
    """The own vectors of a batch: the positions of the items that have one, and those vectors as
    float32 rows, as written (``rows[k]`` belongs to ``items[positions[k]]``)."""

    positions: list[int]
    rows: FloatMatrix


def own_vectors(items: Sequence[VectorItem], dimensions: int) -> OwnVectors:
    """The batch's own vectors, converted once and refused like ``vector`` (a wrong length, non-numbers,
    NaN, infinity and components beyond float32 name the item)."""
    positions = [position for position, item in enumerate(items) if item.own_vector is not None]
    listed = [cast(list[float], items[position].own_vector) for position in positions]
    for position, own_vector in zip(positions, listed, strict=True):
        check_vector_length(own_vector, dimensions, f"items[{position}].own_vector")
    if not listed:
        return OwnVectors(positions, np.empty((0, dimensions), dtype=np.float32))
    return OwnVectors(positions, finite_rows(listed, dimensions, lambda row: f"items[{positions[row]}].own_vector"))


def own_unit_rows(
    items: Sequence[VectorItem], unit: FloatMatrix, dimensions: int, own: OwnVectors | None = None
) -> FloatMatrix:
    """Each item's own vector (``VectorItem.own_vector``) as a unit row, refused like ``vector``; an
    item without one gets its vector's row from ``unit`` (the batch's vectors as unit rows).
    ``own``: the batch's :func:`own_vectors`, when the caller has them already."""
    own = own_vectors(items, dimensions) if own is None else own
    if not own.positions:
        return unit
    result = unit.copy()
    result[own.positions] = normalise_rows(own.rows)
    return result


def check_documents(documents: Sequence[object], bank_id: str) -> None:
    """A bank id and a batch of Documents whose ids and texts are still valid (a caller may have
    changed them after construction), checked whole before a store writes any of them."""
    check_bank_id(bank_id)
    if all(isinstance(document, Document) for document in documents):
        typed = cast(Sequence[Document], documents)
        if all_valid_ids([document.id for document in typed]) and all_valid_texts(
            [document.text for document in typed]
        ):
            return
    for position, document in enumerate(documents):
        field = f"documents[{position}]"
        if not isinstance(document, Document):
            raise ValidationError(field, f"must be a Document, got {type(document).__name__}")
        check_id(document.id, f"{field}.id")
        check_text(document.text, f"{field}.text")


def query_rows(query_vectors: Sequence[Sequence[float]], fixed: int | None, field: str) -> FloatMatrix:
    """Query vectors of a batched search as unit rows, all of the store's dimension (``fixed``) or,
    while the store has none, of the first query's."""
    if isinstance(query_vectors, (str, bytes)) or not isinstance(query_vectors, Sequence):
        raise ValidationError(field, f"must be a list of vectors, got {type(query_vectors).__name__}")
    dimensions = fixed if fixed is not None else len(query_vectors[0])
    try:
        matrix = np.asarray(query_vectors, dtype=np.float64)
    except (TypeError, ValueError):
        matrix = None
    if matrix is not None and matrix.shape == (len(query_vectors), dimensions):
        # unit_rows names a NaN or infinite row
        return unit_rows(cast(Sequence[Sequence[float]], matrix), dimensions, lambda row: f"{field}[{row}]")
    for position, vector in enumerate(query_vectors):  # ragged or not numbers: name the first bad query
        check_vector(vector, f"{field}[{position}]")
        check_vector_length(vector, dimensions, f"{field}[{position}]")
    return unit_rows(query_vectors, dimensions, lambda row: f"{field}[{row}]")
