"""The VectorStore and DocumentStore contracts on qdrant-client's local mode: a fresh ``:memory:``
collection per scenario, and one directory shared by a class's scenarios (see :mod:`shared_store`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from astrocyte.testing.contracts.document_store import DocumentStoreContract
from astrocyte.testing.contracts.vector_store import VectorStoreContract
from astrocyte_qdrant.client_store import MEMORY, QdrantDocumentStore, QdrantVectorStore

from .shared_store import SharedStore


class TestInMemoryVectors(VectorStoreContract):
    """A fresh ``:memory:`` collection per scenario, its dimension fixed by the first write."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[QdrantVectorStore]:
        store = QdrantVectorStore(path=MEMORY)
        yield store
        await store.close()


class TestOnDiskHybridVectors(SharedStore, VectorStoreContract):
    """Local mode on a directory, dimension configured, texts indexed for hybrid search too."""

    dimensions = 12

    @staticmethod
    def open(folder: Path) -> QdrantVectorStore:
        return QdrantVectorStore(path=str(folder), dimensions=12, hybrid=True)


class TestInMemoryDocuments(DocumentStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[QdrantDocumentStore]:
        store = QdrantDocumentStore(path=MEMORY)
        yield store
        await store.close()


class TestOnDiskDocuments(SharedStore, DocumentStoreContract):
    @staticmethod
    def open(folder: Path) -> QdrantDocumentStore:
        return QdrantDocumentStore(path=str(folder))
