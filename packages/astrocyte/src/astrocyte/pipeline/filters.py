"""Recall filters: checked once, pushed down to each store as far as it declares it can go.

Each leg gets the store-side filters its store honours (``VectorFilters`` / ``DocumentFilters``)
and a *residual*: the conditions the engine applies to that leg's hits itself. A store that
declares ``filter_tags=False`` gets no tag condition; one that cannot match all tags gets "any"
(which keeps a superset) and the engine narrows to "all"; documents have no time range at all, so
the engine checks ``occurred_at`` from their mirrored metadata. The graph leg filters nothing in the
store. Semantics everywhere: tags, any (or all) of them; time range, inclusive, and memories
without ``occurred_at`` excluded; metadata, every key equal, as JSON compares (``True`` is not ``1``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from astrocyte.errors import ValidationError
from astrocyte.pipeline.normalize import check_user_metadata
from astrocyte.pipeline.records import MemoryRecord
from astrocyte.types import (
    DocumentFilters,
    DocumentStoreCapabilities,
    Metadata,
    TagMatch,
    VectorFilters,
    VectorStoreCapabilities,
    _check_time_range,
)
from astrocyte.validation import check_tags


@dataclass(frozen=True)
class RecallFilters:
    """Conditions every recalled memory meets; ``None`` means no condition."""

    tags: list[str] | None = None
    tag_match: TagMatch = "any"
    time_range: tuple[datetime, datetime] | None = None
    metadata: Metadata | None = None

    @classmethod
    def checked(
        cls,
        tags: Iterable[str] | None,
        tag_match: str,
        time_range: tuple[datetime, datetime] | None,
        metadata_filters: Mapping[str, Any] | None,
    ) -> RecallFilters:
        """The filters of a recall call, each named by its parameter when invalid."""
        if tag_match not in ("any", "all"):
            raise ValidationError("tag_match", f"must be 'any' or 'all', got {tag_match!r}")
        return cls(
            tags=check_tags(tags, "tags") or None,
            tag_match="all" if tag_match == "all" else "any",
            time_range=_check_time_range(time_range, "time_range"),
            metadata=check_user_metadata(metadata_filters, "metadata_filters") or None,
        )

    @property
    def empty(self) -> bool:
        return self.tags is None and self.time_range is None and self.metadata is None

    def for_vectors(self, declared: VectorStoreCapabilities) -> tuple[VectorFilters | None, RecallFilters]:
        """What the vector store filters, and what the engine must still check."""
        tags, tag_match, residual_tags = self._tag_split(declared.filter_tags, declared.filter_tag_match_all)
        time_range, residual_time = _split(self.time_range, declared.filter_time_range)
        metadata, residual_metadata = _split(self.metadata, declared.filter_metadata)
        pushed = VectorFilters(tags=tags, tag_match=tag_match, time_range=time_range, metadata_filters=metadata)
        residual = RecallFilters(residual_tags, self.tag_match, residual_time, residual_metadata)
        return (None if _is_empty(pushed) else pushed), residual

    def for_documents(self, declared: DocumentStoreCapabilities) -> tuple[DocumentFilters | None, RecallFilters]:
        """What the document store filters, and what the engine must still check (always the time range)."""
        tags, tag_match, residual_tags = self._tag_split(declared.filter_tags, declared.filter_tag_match_all)
        metadata, residual_metadata = _split(self.metadata, declared.filter_metadata)
        pushed = DocumentFilters(tags=tags, tag_match=tag_match, metadata_filters=metadata)
        residual = RecallFilters(residual_tags, self.tag_match, self.time_range, residual_metadata)
        return (None if tags is None and metadata is None else pushed), residual

    def admits(self, record: MemoryRecord) -> bool:
        """Whether ``record`` meets every condition."""
        if self.tags is not None:
            present = set(record.tags or ())
            wanted = set(self.tags)
            if not (wanted <= present if self.tag_match == "all" else wanted & present):
                return False
        if self.time_range is not None:
            start, end = self.time_range
            if record.occurred_at is None or not start <= record.occurred_at <= end:
                return False
        stored = record.metadata or {}
        return all(
            key in stored and isinstance(stored[key], bool) == isinstance(value, bool) and stored[key] == value
            for key, value in (self.metadata or {}).items()
        )

    def _tag_split(self, can_filter: bool, can_match_all: bool) -> tuple[list[str] | None, TagMatch, list[str] | None]:
        """``(pushed tags, pushed tag_match, residual tags)`` for a store with those abilities."""
        if self.tags is None or not can_filter:
            return None, "any", self.tags
        if self.tag_match == "all" and not can_match_all:
            return self.tags, "any", self.tags
        return self.tags, self.tag_match, None


def _split(value: Any, can_filter: bool) -> tuple[Any, Any]:
    return (value, None) if can_filter else (None, value)


def _is_empty(filters: VectorFilters) -> bool:
    return filters.tags is None and filters.time_range is None and filters.metadata_filters is None
