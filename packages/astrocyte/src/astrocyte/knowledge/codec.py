"""Knowledge records as JSON documents and vectors as float32 blobs, for stores that keep rows.

Shared by the SQLite store and any adapter package (PostgreSQL keeps the same JSON in a ``jsonb``
column), so every backend stores an adapter the same way. Vectors and outcome counts are left out
of the JSON: stores keep them in columns of their own (blobs or ``vector`` columns, counters).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from astrocyte.knowledge.records import AdapterVectors, RunState, StoredAdapter, StoredLayer

_ADAPTER_COLUMNS = ("vectors", "successes", "failures")

#: The columns an adapter row is read by, in the order :func:`adapter_from_row` takes them; every
#: row store names them alike (the SQLite migration 012, the PostgreSQL adapter's own).
ADAPTER_ROW = "record, dimensions, title_vector, text_vector, pattern_vectors, successes, failures"
#: The columns of an artifact row, named as :class:`~astrocyte.knowledge.records.StoredArtifact`'s fields.
ARTIFACT_ROW = "artifact_id, adapter_id, space_id, name, slug, mime_type, sha256, content, created_at"


def adapter_document(adapter: StoredAdapter) -> dict[str, Any]:
    """Every field of ``adapter`` but its vectors and outcome counts, JSON-ready."""
    document = {field.name: getattr(adapter, field.name) for field in dataclasses.fields(adapter)}
    for name in _ADAPTER_COLUMNS:
        del document[name]
    document["layers"] = [dataclasses.asdict(layer) for layer in adapter.layers]
    for name in ("created_at", "updated_at"):
        moment = document[name]
        document[name] = None if moment is None else moment.isoformat()
    return document


def adapter_from_document(
    document: dict[str, Any], vectors: AdapterVectors, successes: int, failures: int
) -> StoredAdapter:
    values = dict(document)
    values["layers"] = [StoredLayer(**layer) for layer in document["layers"]]
    for name in ("created_at", "updated_at"):
        values[name] = None if document.get(name) is None else datetime.fromisoformat(document[name])
    return StoredAdapter(**values, vectors=vectors, successes=successes, failures=failures)


def adapter_from_row(document: dict[str, Any], columns: Sequence[Any]) -> StoredAdapter:
    """The adapter of a row read by :data:`ADAPTER_ROW`, its ``record`` already parsed into ``document``."""
    _, dimensions, title_blob, text_blob, pattern_blob, successes, failures = columns
    [title] = vector_rows(title_blob, int(dimensions)) or [[]]
    [text] = vector_rows(text_blob, int(dimensions)) or [[]]
    vectors = AdapterVectors(title=title, text=text, patterns=vector_rows(pattern_blob, int(dimensions)))
    return adapter_from_document(document, vectors, int(successes), int(failures))


def vector_blob(rows: list[list[float]]) -> bytes:
    """Rows of one dimension as one float32 blob (an empty list: an empty blob)."""
    return np.asarray(rows, dtype=np.float32).tobytes()


def vector_rows(blob: bytes, dimensions: int) -> list[list[float]]:
    if not blob:
        return []
    matrix: list[list[float]] = np.frombuffer(blob, dtype=np.float32).reshape(-1, dimensions).tolist()
    return matrix


def run_document(run: RunState) -> dict[str, Any]:
    document = dataclasses.asdict(run)
    for name in ("created_at", "expires_at"):
        document[name] = getattr(run, name).isoformat()
    return document


def run_from_document(document: dict[str, Any]) -> RunState:
    values = dict(document)
    for name in ("created_at", "expires_at"):
        values[name] = datetime.fromisoformat(document[name])
    return RunState(**values)


__all__ = [
    "ADAPTER_ROW",
    "ARTIFACT_ROW",
    "adapter_document",
    "adapter_from_document",
    "adapter_from_row",
    "run_document",
    "run_from_document",
    "vector_blob",
    "vector_rows",
]
