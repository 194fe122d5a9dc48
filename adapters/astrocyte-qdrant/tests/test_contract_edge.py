"""The VectorStore and DocumentStore contracts on Qdrant Edge, the engine in process; each class
shares one shard between its scenarios (see :mod:`shared_store`)."""

from __future__ import annotations

from pathlib import Path

from astrocyte.testing.contracts.document_store import DocumentStoreContract
from astrocyte.testing.contracts.vector_store import VectorStoreContract
from astrocyte_qdrant.edge_store import QdrantEdgeDocumentStore, QdrantEdgeVectorStore

from .shared_store import SharedStore


class TestEdgeVectors(SharedStore, VectorStoreContract):
    """A shard whose dimension the first write fixes."""

    @staticmethod
    def open(folder: Path) -> QdrantEdgeVectorStore:
        return QdrantEdgeVectorStore(str(folder))


class TestEdgeHybridVectors(SharedStore, VectorStoreContract):
    """A shard with a configured dimension whose points also carry their text's sparse vector."""

    dimensions = 12

    @staticmethod
    def open(folder: Path) -> QdrantEdgeVectorStore:
        return QdrantEdgeVectorStore(str(folder), dimensions=12, hybrid=True)


class TestEdgeDocuments(SharedStore, DocumentStoreContract):
    @staticmethod
    def open(folder: Path) -> QdrantEdgeDocumentStore:
        return QdrantEdgeDocumentStore(str(folder))
