"""Checks of search calls and the hits they return, shared by the vector and document stores.

Every store must refuse the same bad search with the same field name, in the same order, and
build a hit from a stored item field for field alike; each of those is defined once here, beside
the write-side checks of :mod:`astrocyte.stores.arguments`.
"""

from __future__ import annotations

from collections.abc import Sequence

from astrocyte.errors import ValidationError
from astrocyte.stores.arguments import check_vector_length, checked_ids, checked_string, unit_rows
from astrocyte.types import DocumentFilters, VectorFilters, VectorHit, VectorItem
from astrocyte.validation import check_bank_id, check_positive_int, check_vector
from astrocyte.vectors import FloatMatrix


def check_vector_filters(filters: object) -> None:
    """``filters`` is ``None`` or a :class:`~astrocyte.types.VectorFilters`."""
    if filters is not None and not isinstance(filters, VectorFilters):
        raise ValidationError("filters", f"must be a VectorFilters, got {type(filters).__name__}")


def check_similarity_search(query_vector: list[float], bank_id: str, limit: int, filters: object) -> None:
    """The arguments of ``search_similar`` that need no stored state: bank, limit, query vector, filters."""
    check_bank_id(bank_id)
    check_positive_int(limit, "limit")
    check_vector(query_vector, "query_vector")
    check_vector_filters(filters)


def check_batch_search(bank_id: str, limit: int, filters: object) -> None:
    """The arguments of ``search_similar_batch`` checked before its queries: bank, limit, filters."""
    check_bank_id(bank_id)
    check_positive_int(limit, "limit")
    check_vector_filters(filters)


def check_threshold_search(bank_id: str, threshold: object) -> None:
    """The arguments of ``search_similar_threshold`` checked before its queries: bank, threshold."""
    check_bank_id(bank_id)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < threshold <= 1.0:
        raise ValidationError("threshold", f"must be a similarity in (0, 1], got {threshold!r}")


def check_score_ids(query_vector: list[float], ids: object, bank_id: str) -> None:
    """The arguments of ``score_ids`` that need no stored state: bank, query vector, then each id."""
    check_bank_id(bank_id)
    check_vector(query_vector, "query_vector")
    if not isinstance(ids, list):
        raise ValidationError("ids", f"must be a list of memory ids, got {type(ids).__name__}")
    checked_ids(ids, "ids")


def query_row(query_vector: Sequence[float], fixed: int | None) -> FloatMatrix:
    """A checked query vector as one unit row, of the store's dimension ``fixed`` when it has one."""
    if fixed is not None:
        check_vector_length(query_vector, fixed, "query_vector")
    return unit_rows([query_vector], len(query_vector), lambda _: "query_vector")


def checked_fulltext_search(query: object, bank_id: str, limit: int, filters: object) -> str:
    """The query text of ``search_fulltext``, once bank, limit, query and filters are checked in that order."""
    check_bank_id(bank_id)
    check_positive_int(limit, "limit")
    text = checked_string(query, "query")
    if filters is not None and not isinstance(filters, DocumentFilters):
        raise ValidationError("filters", f"must be a DocumentFilters, got {type(filters).__name__}")
    return text


def vector_hit(item: VectorItem, score: float) -> VectorHit:
    """The hit for a stored ``item`` scoring ``score``: every field a hit carries, taken from the item."""
    return VectorHit(
        id=item.id,
        text=item.text,
        score=score,
        metadata=item.metadata,
        tags=item.tags,
        fact_type=item.fact_type,
        occurred_at=item.occurred_at,
        memory_layer=item.memory_layer,
        retained_at=item.retained_at,
        chunk_id=item.chunk_id,
    )


__all__ = [
    "check_batch_search",
    "check_score_ids",
    "check_similarity_search",
    "check_threshold_search",
    "check_vector_filters",
    "checked_fulltext_search",
    "query_row",
    "vector_hit",
]
