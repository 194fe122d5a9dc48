"""The VectorStore and DocumentStore contracts on Qdrant Edge, the engine in process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from astrocyte.testing.contracts.document_store import DocumentStoreContract
from astrocyte.testing.contracts.vector_store import VectorStoreContract
from astrocyte_qdrant.edge_store import QdrantEdgeDocumentStore, QdrantEdgeVectorStore


class TestEdgeVectors(VectorStoreContract):
    """A fresh shard per scenario, its dimension fixed by the first write."""

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[QdrantEdgeVectorStore]:
        store = QdrantEdgeVectorStore(str(tmp_path))
        yield store
        await store.close()


class TestEdgeHybridVectors(VectorStoreContract):
    """A shard with a configured dimension whose points also carry their text's sparse vector."""

    dimensions = 12

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[QdrantEdgeVectorStore]:
        store = QdrantEdgeVectorStore(str(tmp_path), dimensions=12, hybrid=True)
        yield store
        await store.close()


class TestEdgeDocuments(DocumentStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[QdrantEdgeDocumentStore]:
        store = QdrantEdgeDocumentStore(str(tmp_path))
        yield store
        await store.close()
