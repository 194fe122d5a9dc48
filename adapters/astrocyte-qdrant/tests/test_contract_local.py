"""The VectorStore and DocumentStore contracts on qdrant-client's local mode, in memory and on disk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

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
    """Local mode on one directory for every scenario, dimension configured, texts indexed for hybrid search too."""

    dimensions = 12

    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QdrantVectorStore]:
        store = QdrantVectorStore(path=str(tmp_path_factory.mktemp("qdrant")), dimensions=12, hybrid=True)
        yield store
        asyncio.run(store.close())

    @pytest.fixture
    def store(self, shared_store: QdrantVectorStore) -> QdrantVectorStore:
        return shared_store


class TestInMemoryDocuments(DocumentStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[QdrantDocumentStore]:
        store = QdrantDocumentStore(path=MEMORY)
        yield store
        await store.close()


class TestOnDiskDocuments(DocumentStoreContract):
    """Local mode on one directory for every scenario."""

    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QdrantDocumentStore]:
        store = QdrantDocumentStore(path=str(tmp_path_factory.mktemp("qdrant")))
        yield store
        asyncio.run(store.close())

    @pytest.fixture
    def store(self, shared_store: QdrantDocumentStore) -> QdrantDocumentStore:
        return shared_store
