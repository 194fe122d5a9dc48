"""The near-duplicate check measured on its own: the store's threshold query beside the exact search.

At each bank size the engine benchmark takes stored memories' own vectors (what the check compares:
``VectorItem.own_vector``, else the vector), moves each to a similarity drawn from 0.95-0.99 of
itself (a near duplicate about to be retained), and asks for a memory at or above the threshold two
ways: the store's threshold query (what retain runs, from an index on large banks) and an exact
product with every own vector of the bank, in numpy over the same unit rows (the truth, and what
the check would cost without the index). It prints both times and how many near duplicates the
threshold query missed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from astrocyte.stores.sqlite.vectors import SqliteVectorStore
from astrocyte.stores.threshold_index import rows_at_least
from astrocyte.vectors import FloatMatrix, normalise_rows

#: Near duplicates looked up per size: one retain batch.
PROBES = 1000


@dataclass(frozen=True)
class NearDuplicateFigure:
    bank_size: int
    probes: int
    threshold_ms: float
    exact_ms: float
    missed: int


def perturbed(rows: FloatMatrix, low: float, high: float, seed: int) -> FloatMatrix:
    """Unit vectors at a similarity drawn uniformly from ``[low, high]`` to each unit row."""
    generator = np.random.default_rng(seed)
    noise = generator.standard_normal(rows.shape).astype(np.float32)
    noise -= np.einsum("ij,ij->i", noise, rows)[:, None] * rows
    noise = normalise_rows(noise)
    similarity = generator.uniform(low, high, len(rows)).astype(np.float32)[:, None]
    mixed = (similarity * rows + np.sqrt(1 - similarity**2) * noise).astype(np.float32)
    near: FloatMatrix = normalise_rows(mixed)
    return near


async def measure(store: SqliteVectorStore, bank_id: str, bank_size: int, threshold: float) -> NearDuplicateFigure:
    """Time both checks on :data:`PROBES` near duplicates of stored memories and count the misses."""
    own = await _own_rows(store, bank_id)
    offset = int(np.random.default_rng(bank_size).integers(0, max(1, len(own) - PROBES)))
    queries = perturbed(own[offset : offset + PROBES], threshold + 1e-4, 0.99, seed=bank_size)
    # The first query loads the bank's matrices and builds its index, which retain keeps up to date
    # from then on: not a steady state.
    await store.search_similar_threshold(queries[:1].tolist(), bank_id, threshold)
    started = time.perf_counter()
    found = await store.search_similar_threshold(queries.tolist(), bank_id, threshold)
    threshold_seconds = time.perf_counter() - started
    started = time.perf_counter()
    truly = rows_at_least(own, None, queries, threshold, None) >= 0
    exact_seconds = time.perf_counter() - started
    missed = sum(1 for near, answer in zip(truly.tolist(), found, strict=True) if near and answer is None)
    return NearDuplicateFigure(bank_size, len(queries), 1000 * threshold_seconds, 1000 * exact_seconds, missed)


async def _own_rows(store: SqliteVectorStore, bank_id: str) -> FloatMatrix:
    """Every memory's own vector (its vector when it has none) as unit rows, in listing order."""
    rows: list[list[float]] = []
    while page := await store.list_vectors(bank_id, offset=len(rows), limit=_PAGE):
        rows.extend(item.vector if item.own_vector is None else item.own_vector for item in page)
    return normalise_rows(np.asarray(rows, dtype=np.float32))


_PAGE = 10_000

__all__ = ["PROBES", "NearDuplicateFigure", "measure", "perturbed"]
