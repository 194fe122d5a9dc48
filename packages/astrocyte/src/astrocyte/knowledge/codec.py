"""Knowledge records as JSON documents and vectors as float32 blobs, for stores that keep rows.

Shared by the SQLite store and any adapter package (PostgreSQL keeps the same JSON in a ``jsonb``
column), so every backend stores an adapter the same way. Vectors and outcome counts are left out
of the JSON: stores keep them in columns of their own (blobs or ``vector`` columns, counters).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import numpy as np

from astrocyte.knowledge.records import AdapterVectors, RunState, StoredAdapter, StoredLayer

_ADAPTER_COLUMNS = ("vectors", "successes", "failures")


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
    "adapter_document",
    "adapter_from_document",
    "run_document",
    "run_from_document",
    "vector_blob",
    "vector_rows",
]
