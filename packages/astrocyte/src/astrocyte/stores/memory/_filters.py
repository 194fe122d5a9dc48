"""The filter semantics of the in-memory stores, defined once for both the vector and document store.

Conditions on scalar columns (fact type, ``occurred_at``, ``retained_at``) are evaluated as numpy
masks over a whole bank; tags and metadata are lists and dicts, so they are checked per row, and
only on the rows the masks (or the keyword index) left over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Final

import numpy as np
import numpy.typing as npt

from astrocyte.types import DocumentFilters, Metadata, MetadataValue, TagMatch, VectorFilters

BoolMask = npt.NDArray[np.bool_]
Moments = npt.NDArray[np.datetime64]
LabelPredicate = Callable[[Sequence[str] | None, Metadata | None], bool]

#: The resolution of Python datetimes: nothing is rounded, so inclusive bounds stay exact.
MOMENT_UNIT: Final = "us"


def as_moments(values: Sequence[datetime | None]) -> Moments:
    """UTC datetimes as numpy moments; ``None`` becomes NaT, which fails every comparison."""
    naive = [None if value is None else value.astimezone(UTC).replace(tzinfo=None) for value in values]
    return np.array(naive, dtype=f"datetime64[{MOMENT_UNIT}]")


def as_moment(value: datetime) -> np.datetime64:
    """One UTC datetime as a numpy moment, to compare a column of :func:`as_moments` with."""
    moment: np.datetime64 = as_moments([value])[0]
    return moment


def label_predicate(
    wanted_tags: Sequence[str] | None, tag_match: TagMatch, wanted_metadata: Metadata | None
) -> LabelPredicate | None:
    """The per-row test for tags (any, or with ``tag_match="all"`` every one) and metadata (every key
    equal), or ``None`` when there is nothing to test, so callers can skip the per-row pass entirely."""
    if not wanted_tags and not wanted_metadata:
        return None
    tag_set = frozenset(wanted_tags or ())
    conditions = tuple((wanted_metadata or {}).items())

    def passes(tags: Sequence[str] | None, metadata: Metadata | None) -> bool:
        if tag_set:
            present = frozenset(tags or ())
            found = present >= tag_set if tag_match == "all" else not present.isdisjoint(tag_set)
            if not found:
                return False
        stored = metadata or {}
        return all(key in stored and _same_value(stored[key], value) for key, value in conditions)

    return passes


def vector_label_predicate(filters: VectorFilters) -> LabelPredicate | None:
    """:func:`label_predicate` of vector filters, with ``session_id`` folded into the metadata."""
    return label_predicate(filters.tags, filters.tag_match, filters.effective_metadata())


def document_label_predicate(filters: DocumentFilters | None) -> LabelPredicate | None:
    """:func:`label_predicate` of document filters (which have no ``session_id`` shorthand)."""
    if filters is None:
        return None
    return label_predicate(filters.tags, filters.tag_match, filters.metadata_filters)


def column_mask(
    filters: VectorFilters,
    *,
    fact_codes: Mapping[str | None, int],
    fact_types: npt.NDArray[np.int32],
    occurred: Moments,
    retained: Moments,
) -> BoolMask:
    """Rows meeting the fact-type, time-range (inclusive) and as-of conditions of ``filters``.

    Fact types are compared as the bank's integer codes (``fact_codes``), which numpy matches far
    faster than strings. Rows without ``occurred_at`` hold NaT, so any time range excludes them.
    """
    mask = np.ones(len(occurred), dtype=np.bool_)
    if filters.fact_types:
        mask &= np.isin(fact_types, [fact_codes[name] for name in filters.fact_types if name in fact_codes])
    if filters.time_range is not None:
        start, end = filters.time_range
        mask &= (occurred >= as_moment(start)) & (occurred <= as_moment(end))
    if filters.as_of is not None:
        mask &= retained <= as_moment(filters.as_of)
    return mask


def _same_value(stored: MetadataValue, wanted: MetadataValue) -> bool:
    """Equality as JSON sees it: ``True`` is not ``1``, but ``1`` is ``1.0``."""
    return isinstance(stored, bool) == isinstance(wanted, bool) and stored == wanted
