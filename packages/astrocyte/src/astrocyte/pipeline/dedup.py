"""Duplicate detection: exact by content hash before embedding, near by cosine similarity after.

A memory's id is the hash of its normalised text (:func:`content_id`), so an exact duplicate is found
by id without embedding anything, and even an undetected one could only overwrite itself. Near
duplicates (similarity at or above ``engine.retain.near_duplicate_threshold``) are looked for

- **within the call**, by :class:`CallDuplicates`: each new vector against every vector the call
  has kept so far, as matrix products in blocks; an item is dropped only in favour of an earlier
  item that is kept, so what a duplicate points to always exists;
- **in the bank**, by :func:`astrocyte.pipeline.abilities.ids_at_least`: a stored memory at or
  above the threshold for each new vector. Skipped when the bank was empty before the call (the
  store declares ``count``), as for a first import.

Both sides compare the chunks' own embeddings, never the contextual vectors retain stores
(:mod:`astrocyte.pipeline.context_vectors`): a stored memory keeps its own vector beside its
contextual one (``VectorItem.own_vector``), so a turn first retained inside a conversation and later
alone, punctuation changed, is found. The bank side is one threshold query per batch when the vector
store declares ``threshold_search``, which compares own vectors (the memory and SQLite stores: on
large banks from an index that misses a near duplicate with probability below 1e-3, see
:mod:`astrocyte.stores.threshold_index`; PostgreSQL: exactly on small banks, through an HNSW index
of own vectors on large ones). Otherwise the store's nearest hit by one vectorised search (declared
``batch_search``) or one ``search_similar`` per new vector is taken: that compares the new chunk's
own vector with the *stored* vectors, contextual ones included, so such a store (Qdrant, Chroma,
Tantivy) can keep a contextually stored turn twice, as every store did before own vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from astrocyte.pipeline.abilities import get_documents
from astrocyte.spi import DocumentStore
from astrocyte.vectors import FloatMatrix, normalise_rows

#: Rows compared at once: bounds the similarity blocks to a few megabytes.
_BLOCK_ROWS = 512


def content_id(text: str) -> str:
    """The id of a memory with this (normalised) text: 128 bits of its SHA-256, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


async def stored_ids(documents: DocumentStore | None, ids: Sequence[str], bank_id: str) -> set[str]:
    """Which of ``ids`` the bank already holds, by looking their documents up (in one read where declared).

    Without a document store nothing is known here; the near-duplicate search still finds an
    identical stored memory (similarity 1).
    """
    if documents is None:
        return set()
    return {document.id for document in await get_documents(documents, list(ids), bank_id)}


class CallDuplicates:
    """Near duplicates among the vectors of one call, across all of its batches."""

    def __init__(self, threshold: float) -> None:
        self._threshold = threshold
        self._kept = np.empty((0, 0), dtype=np.float32)  # unit rows of the kept vectors, then spare capacity
        self._kept_ids: list[str] = []

    def check(self, ids: Sequence[str], matrix: FloatMatrix, skip: Sequence[bool]) -> list[str | None]:
        """For each row, the id of an earlier kept vector of the call at least ``threshold`` similar,
        else ``None`` (and the row is kept). Rows with ``skip`` set are neither compared nor kept."""
        unit = normalise_rows(np.asarray(matrix, dtype=np.float32))
        if not self._kept_ids:  # the first rows fix the dimension of the kept matrix
            self._kept = np.empty((0, unit.shape[1]), dtype=np.float32)
        found: list[str | None] = [None] * len(unit)
        for start in range(0, len(unit), _BLOCK_ROWS):
            block = unit[start : start + _BLOCK_ROWS]
            candidate = ~np.asarray(skip[start : start + len(block)], dtype=np.bool_)
            like_kept = block @ self._kept[: len(self._kept_ids)].T >= self._threshold
            duplicate_of_kept = candidate & like_kept.any(axis=1)
            for offset in np.flatnonzero(duplicate_of_kept):
                found[start + offset] = self._kept_ids[int(np.argmax(like_kept[offset]))]
            keep = candidate & ~duplicate_of_kept
            like_earlier = np.tril(block @ block.T >= self._threshold, k=-1)
            # Only rows like an earlier row of the block need deciding in order: whether that earlier
            # row is kept is final by then, as rows are decided from first to last.
            for offset in np.flatnonzero(keep & like_earlier.any(axis=1)):
                earlier = np.flatnonzero(like_earlier[offset] & keep)
                if len(earlier):
                    keep[offset] = False
                    found[start + offset] = ids[start + int(earlier[0])]
            kept_here = np.flatnonzero(keep)
            self._keep(block[kept_here], [ids[start + int(offset)] for offset in kept_here])
        return found

    def _keep(self, rows: FloatMatrix, ids: list[str]) -> None:
        used = len(self._kept_ids)
        if used + len(rows) > len(self._kept):
            grown = np.empty((max(2 * len(self._kept), used + len(rows)), rows.shape[1]), dtype=np.float32)
            grown[:used] = self._kept[:used]
            self._kept = grown
        self._kept[used : used + len(rows)] = rows
        self._kept_ids.extend(ids)
