"""A large bank beside many small ones is searched through the HNSW index even by a generic plan.

PostgreSQL's plan cache switches a prepared statement (asyncpg prepares every statement) to a
generic plan from its sixth run when that plan looks no dearer; a generic plan costs the bank
test with the average bank of the schema. Written plainly, the HNSW search then sorted the large
bank's rows one by one; the store's statement must keep walking the index, and the threshold
query (ordered by own vectors) its own index.
"""

from __future__ import annotations

import asyncpg
import numpy as np
import pytest

from astrocyte.types import VectorItem
from astrocyte_postgres.database import quote_identifier
from astrocyte_postgres.migrations import extension_schema
from astrocyte_postgres.vectors import PostgresVectorStore, gated_search

from .conftest import fresh_schema

DIMENSIONS = 64
LARGE = 4000


@pytest.mark.parametrize(("own", "index"), [(False, "vectors_hnsw"), (True, "vectors_own_hnsw")])
async def test_a_generic_plan_walks_the_index_for_a_large_bank_beside_many_small_ones(
    pg_dsn: str, own: bool, index: str
) -> None:
    schema = fresh_schema("plans")
    store = PostgresVectorStore(pg_dsn, schema, hnsw_index=False, exact_search_below=1000)
    vectors = np.random.default_rng(3).normal(size=(LARGE, DIMENSIONS))
    items = [VectorItem(id=f"v{row}", bank_id="large", vector=vectors[row].tolist(), text="t") for row in range(LARGE)]
    items += [
        VectorItem(id=f"s{row}", bank_id=f"small{bank}", vector=vectors[row].tolist(), text="t")
        for bank in range(200)
        for row in range(3)
    ]
    connection = await asyncpg.connect(pg_dsn)
    try:
        for start in range(0, len(items), 1000):
            await store.store_vectors(items[start : start + 1000])
        await store.create_index()  # also analyses the table, as after a bulk load
        search_path = f"{quote_identifier(schema)}, {quote_identifier(await extension_schema(connection))}"
        await connection.execute(f"SET search_path = {search_path}; SET plan_cache_mode = force_generic_plan")
        statement = gated_search(single=True, conditions="true", halfvec=DIMENSIONS, own=own)
        await connection.execute(f"PREPARE nearest(vector, text, integer, bigint) AS {statement}")
        query = "[" + ",".join(f"{value:.6f}" for value in vectors[7]) + "]"
        explain = f"EXPLAIN (ANALYZE, TIMING OFF) EXECUTE nearest('{query}', 'large', 10, 1000)"
        plan = [row[0] for row in await connection.fetch(explain)]
        scans = [line.strip() for line in plan if "Scan" in line and "never executed" not in line]
        assert any(line.startswith(f"->  Index Scan using {index} ") and "actual rows=10" in line for line in scans)
        assert not any("on vectors " in line and f"{index} " not in line for line in scans), scans
        hits = await store.search_similar(vectors[7].tolist(), "large")
        assert hits[0].id == "v7"
    finally:
        await connection.execute(f"DROP SCHEMA IF EXISTS {quote_identifier(schema)} CASCADE")
        await connection.close()
        await store.close()
