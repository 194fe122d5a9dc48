"""PostgresVectorStore against the whole VectorStore contract, exact (small banks) and through HNSW."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from astrocyte.testing.contracts import VectorStoreContract
from astrocyte_postgres.vectors import PostgresVectorStore

from .conftest import fresh_schema


class TestPostgresVectorStoreContract(VectorStoreContract):
    """One schema for the class, its dimension fixed by the first write; banks are searched exactly."""

    @pytest.fixture(scope="class")
    @classmethod
    def schema(cls) -> str:
        return fresh_schema("vectors")

    @pytest.fixture
    async def store(self, pg_dsn: str, schema: str) -> AsyncIterator[PostgresVectorStore]:
        store = PostgresVectorStore(pg_dsn, schema)
        yield store
        await store.close()
