"""Filters as backend-neutral conditions, built once for both Qdrant APIs.

``qdrant-client`` and ``qdrant-edge-py`` spell the same filter with different classes; the stores
build these small values and each backend translates them (see ``client_backend`` and
``edge_backend``), so the meaning of ``VectorFilters`` and ``DocumentFilters`` lives in one place.
Every list of conditions means "all of them" (Qdrant's ``must``).
"""

from __future__ import annotations

from dataclasses import dataclass

from astrocyte.types import DocumentFilters, Metadata, TagMatch, VectorFilters
from astrocyte_qdrant import payloads


@dataclass(frozen=True)
class Equals:
    """The field equals ``value``, or (for a list field) one of its elements does."""

    key: str
    value: str


@dataclass(frozen=True)
class AnyOf:
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Between:
    """A numeric field within inclusive bounds; a missing field never matches."""

    key: str
    gte: float | None = None
    lte: float | None = None


@dataclass(frozen=True)
class IsNull:
    """The field is present and null (a missing field does not match)."""

    key: str


Condition = Equals | AnyOf | Between | IsNull


def in_bank(bank_id: str) -> list[Condition]:
    return [Equals(payloads.BANK, bank_id)]


def for_vectors(bank_id: str, filters: VectorFilters | None) -> list[Condition]:
    """The bank plus every condition of ``filters``, all pushed into the Qdrant query."""
    conditions = in_bank(bank_id)
    if filters is None:
        return conditions
    conditions += _tags(filters.tags, filters.tag_match)
    if filters.fact_types:
        conditions.append(AnyOf(payloads.FACT_TYPE, tuple(filters.fact_types)))
    if filters.time_range is not None:
        start, end = filters.time_range
        conditions.append(Between(payloads.OCCURRED_US, payloads.microseconds(start), payloads.microseconds(end)))
    if filters.as_of is not None:
        conditions.append(Between(payloads.RETAINED_US, lte=payloads.microseconds(filters.as_of)))
    return conditions + _metadata(filters.effective_metadata())


def for_documents(bank_id: str, filters: DocumentFilters | None) -> list[Condition]:
    conditions = in_bank(bank_id)
    if filters is None:
        return conditions
    return conditions + _tags(filters.tags, filters.tag_match) + _metadata(filters.metadata_filters)


def _tags(tags: list[str] | None, tag_match: TagMatch) -> list[Condition]:
    if not tags:
        return []
    if tag_match == "all":
        return [Equals(payloads.TAGS, tag) for tag in tags]
    return [AnyOf(payloads.TAGS, tuple(tags))]


def _metadata(metadata: Metadata | None) -> list[Condition]:
    """Metadata equality on the filterable copy (see :func:`payloads.filterable`): strings and flags
    as tagged keywords, numbers as a one-point range (so 1 equals 1.0, as in JSON), None as null."""
    conditions: list[Condition] = []
    for key, value in (metadata or {}).items():
        field = payloads.filterable_key(key)
        if value is None:
            conditions.append(IsNull(field))
        elif isinstance(value, (bool, str)):
            conditions.append(Equals(field, payloads.keyword(value)))
        else:
            conditions.append(Between(field, float(value), float(value)))
    return conditions
