"""The VectorStore and DocumentStore contracts on Qdrant Edge, the engine in process.

Each class shares one shard between its scenarios, as a long-lived deployment does (the suites
write to banks of their own); creating a shard with its payload indexes per scenario cost most of
the run time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from astrocyte.testing.contracts.document_store import DocumentStoreContract
from astrocyte.testing.contracts.vector_store import VectorStoreContract
from astrocyte_qdrant.edge_store import QdrantEdgeDocumentStore, QdrantEdgeVectorStore


class TestEdgeVectors(VectorStoreContract):
    """One shard whose dimension the first write fixes."""

    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QdrantEdgeVectorStore]:
        store = QdrantEdgeVectorStore(str(tmp_path_factory.mktemp("edge")))
        yield store
        asyncio.run(store.close())

    @pytest.fixture
    def store(self, shared_store: QdrantEdgeVectorStore) -> QdrantEdgeVectorStore:
        return shared_store


class TestEdgeHybridVectors(VectorStoreContract):
    """One shard with a configured dimension whose points also carry their text's sparse vector."""

    dimensions = 12

    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QdrantEdgeVectorStore]:
        store = QdrantEdgeVectorStore(str(tmp_path_factory.mktemp("edge")), dimensions=12, hybrid=True)
        yield store
        asyncio.run(store.close())

    @pytest.fixture
    def store(self, shared_store: QdrantEdgeVectorStore) -> QdrantEdgeVectorStore:
        return shared_store


class TestEdgeDocuments(DocumentStoreContract):
    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QdrantEdgeDocumentStore]:
        store = QdrantEdgeDocumentStore(str(tmp_path_factory.mktemp("edge")))
        yield store
        asyncio.run(store.close())

    @pytest.fixture
    def store(self, shared_store: QdrantEdgeDocumentStore) -> QdrantEdgeDocumentStore:
        return shared_store
