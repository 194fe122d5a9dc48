"""The table layout every row store of knowledge shares: SQLite's migration 012, PostgreSQL's 008.

Both keep the same four tables and a revision row (see :mod:`astrocyte.knowledge.codec` for what
the columns hold); the statements here are in the SQL both dialects accept, so the stores differ
only in how they bind parameters and run transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from astrocyte.knowledge.codec import adapter_from_document, vector_rows
from astrocyte.knowledge.records import AdapterVectors, StoredAdapter, StoredArtifact

#: The columns an adapter row is read by, in the order :func:`adapter_from_row` takes them.
ADAPTER_ROW = "record, dimensions, title_vector, text_vector, pattern_vectors, successes, failures"
#: The columns of an artifact row, named as :class:`~astrocyte.knowledge.records.StoredArtifact`'s fields.
ARTIFACT_ROW = "artifact_id, adapter_id, space_id, name, slug, mime_type, sha256, content, created_at"

SELECT_ADAPTERS = f"SELECT {ADAPTER_ROW} FROM knowledge_adapters"
SELECT_ARTIFACTS = f"SELECT {ARTIFACT_ROW} FROM knowledge_artifacts"
#: Run in the transaction of every write to adapters or artifacts, so other processes see a new revision.
BUMP_REVISION = "UPDATE knowledge_revision SET value = value + 1"


def adapter_from_row(document: dict[str, Any], columns: Sequence[Any]) -> StoredAdapter:
    """The adapter of a row read by :data:`ADAPTER_ROW`, its ``record`` already parsed into ``document``."""
    _, dimensions, title_blob, text_blob, pattern_blob, successes, failures = columns
    [title] = vector_rows(title_blob, int(dimensions)) or [[]]
    [text] = vector_rows(text_blob, int(dimensions)) or [[]]
    vectors = AdapterVectors(title=title, text=text, patterns=vector_rows(pattern_blob, int(dimensions)))
    return adapter_from_document(document, vectors, int(successes), int(failures))


def artifact_columns(artifact: StoredArtifact) -> dict[str, Any]:
    """The artifact's values by :data:`ARTIFACT_ROW` column, in that order (``created_at`` as is)."""
    return {name: getattr(artifact, name) for name in ARTIFACT_ROW.split(", ")}


__all__ = ["ADAPTER_ROW", "ARTIFACT_ROW", "BUMP_REVISION", "SELECT_ADAPTERS", "SELECT_ARTIFACTS", "adapter_from_row"]
