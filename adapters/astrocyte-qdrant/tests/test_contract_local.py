"""The VectorStore and DocumentStore contracts on qdrant-client's local mode, in memory and on disk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from astrocyte.testing.contracts.document_store import DocumentStoreContract
from astrocyte.testing.contracts.vector_store import VectorStoreContract
from astrocyte_qdrant.client_store import MEMORY, QdrantDocumentStore, QdrantVectorStore


class TestInMemoryVectors(VectorStoreContract):
    """A fresh ``:memory:`` collection per scenario, its dimension fixed by the first write."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[QdrantVectorStore]:
        store = QdrantVectorStore(path=MEMORY)
        yield store
        await store.close()


class TestOnDiskHybridVectors(VectorStoreContract):
    """Local mode on a directory, dimension configured, texts indexed for hybrid search too."""

    dimensions = 12

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[QdrantVectorStore]:
        store = QdrantVectorStore(path=str(tmp_path / "qdrant"), dimensions=12, hybrid=True)
        yield store
        await store.close()


class TestInMemoryDocuments(DocumentStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[QdrantDocumentStore]:
        store = QdrantDocumentStore(path=MEMORY)
        yield store
        await store.close()


class TestOnDiskDocuments(DocumentStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[QdrantDocumentStore]:
        store = QdrantDocumentStore(path=str(tmp_path / "qdrant"))
        yield store
        await store.close()
