"""Retain input, normalised and checked before anything is written.

Every item of a call is prepared before the first write, so bad input raises
:class:`~astrocyte.errors.ValidationError` naming the field (``content``, or ``items[3].content`` in a
batch) and stores nothing. Normalisation makes equal text hash equally: Unicode NFC, ``\\r\\n`` and
``\\r`` as ``\\n``, surrounding whitespace removed. Metadata keys starting with ``_`` are reserved for
what the engine records beside the caller's metadata (see :mod:`astrocyte.pipeline.records`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from astrocyte.errors import ValidationError
from astrocyte.types import MemoryInput, Metadata
from astrocyte.validation import as_utc, check_id, check_metadata, check_tags, check_text

RESERVED_PREFIX = "_"
_INPUT_FIELDS = tuple(field.name for field in fields(MemoryInput))


@dataclass(frozen=True)
class PreparedInput:
    """One retain item after normalisation and validation."""

    content: str
    metadata: Metadata | None
    tags: list[str] | None
    occurred_at: datetime | None
    source: str | None


def prepare_input(
    item: object, *, prefix: str, max_content_bytes: int, default_tags: Iterable[str] = ()
) -> PreparedInput:
    """``item`` (text, a mapping or a :class:`MemoryInput`) checked, with field names under ``prefix``."""
    raw = as_memory_input(item, prefix.rstrip("."))
    content = check_text(raw.content, f"{prefix}content")
    size = len(content.encode("utf-8"))
    if size > max_content_bytes:
        raise ValidationError(
            f"{prefix}content",
            f"is {size:,} bytes of UTF-8; the limit is {max_content_bytes:,} (engine.retain.max_content_bytes): "
            "split the text or raise the limit",
        )
    tags = check_tags(raw.tags, f"{prefix}tags")
    return PreparedInput(
        content=normalise_text(content),
        metadata=check_user_metadata(raw.metadata, f"{prefix}metadata"),
        tags=_merged_tags(default_tags, tags),
        occurred_at=as_utc(raw.occurred_at, f"{prefix}occurred_at"),
        source=None if raw.source is None else check_id(raw.source, f"{prefix}source"),
    )


def as_memory_input(item: object, field: str) -> MemoryInput:
    """A retain item as a :class:`MemoryInput`; mappings may use only its field names."""
    if isinstance(item, MemoryInput):
        return item
    if isinstance(item, str):
        return MemoryInput(content=item)
    if isinstance(item, Mapping):
        unknown = [key for key in item if key not in _INPUT_FIELDS]
        if unknown:
            where = f"{field}.{unknown[0]}" if field else str(unknown[0])
            raise ValidationError(where, f"unknown key; an item may have {', '.join(_INPUT_FIELDS)}")
        if "content" not in item:
            raise ValidationError(f"{field}.content" if field else "content", "is required")
        return MemoryInput(**item)
    raise ValidationError(
        field or "content", f"must be a string, a mapping or a MemoryInput, got {type(item).__name__}"
    )


def normalise_text(text: str) -> str:
    """NFC, Unix line breaks, no surrounding whitespace: one form per text, so one hash."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def check_user_metadata(metadata: Mapping[str, Any] | None, field: str) -> Metadata | None:
    """Flat metadata whose keys do not start with the engine's reserved ``_``."""
    checked = check_metadata(metadata, field)
    for key in checked or {}:
        if key.startswith(RESERVED_PREFIX):
            raise ValidationError(f"{field}[{key!r}]", "keys starting with '_' are reserved for the engine; rename it")
    return checked


def _merged_tags(default_tags: Iterable[str], tags: list[str] | None) -> list[str] | None:
    merged = list(dict.fromkeys([*default_tags, *(tags or [])]))
    return merged or None
