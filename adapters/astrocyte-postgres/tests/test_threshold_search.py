"""The threshold query through the own-vector HNSW index: how often it misses a near duplicate.

Small banks are compared exactly (the contract suite covers them); a bank at or above
``exact_search_below`` is looked up through the index, which can miss. The stated bound: below
1 % of near duplicates at similarity 0.95-0.99 with the default ``hnsw_threshold_ef_search`` (the benchmark prints
the count at 20k and 100k vectors). Own vectors that differ from the stored ones are what the index
orders by: a query near a stored vector but far from its own vector is not a near duplicate.
"""

from __future__ import annotations

from astrocyte.bench.near_duplicates import perturbed
from astrocyte.stores.threshold_index import rows_at_least
from astrocyte.types import VectorItem
from astrocyte_postgres.bench import clustered
from astrocyte_postgres.vectors import PostgresVectorStore

from .conftest import fresh_schema

SIZE = 3000
PROBES = 500


async def test_the_index_misses_under_one_percent_of_near_duplicates_of_own_vectors(pg_dsn: str) -> None:
    own, _ = clustered(SIZE, 60, seed=11)
    stored, _ = clustered(SIZE, 60, seed=12)  # stand-ins for contextual vectors: unrelated to the own ones
    store = PostgresVectorStore(pg_dsn, fresh_schema("threshold"), exact_search_below=0)
    try:
        for start in range(0, SIZE, 1000):
            await store.store_vectors(
                [
                    VectorItem(
                        id=f"m{row}", bank_id="b", vector=stored[row].tolist(), own_vector=own[row].tolist(), text="t"
                    )
                    for row in range(start, start + 1000)
                ]
            )
        queries = perturbed(own[:PROBES], 0.95 + 1e-4, 0.99, seed=3)
        found = await store.search_similar_threshold(queries.tolist(), "b", 0.95)
        truth = rows_at_least(own, None, queries, 0.95, None)
        assert (truth >= 0).all()
        for answer, query in zip(found, queries, strict=True):  # an answer is always a near duplicate
            assert answer is None or float(own[int(answer[1:])] @ query) >= 0.95 - 1e-5
        missed = sum(answer is None for answer in found)
        assert missed < PROBES / 100, f"missed {missed} of {PROBES}"
        # near a stored (contextual) vector only: nothing
        assert await store.search_similar_threshold(stored[:20].tolist(), "b", 0.95) == [None] * 20
    finally:
        await store.close()
