"""The ``qdrant-edge`` stores: Qdrant's Rust engine inside the process, one shard per store.

Each store keeps its shard in ``<path>/<collection>``, so the vector and document stores of one
engine can share ``path``. After a bulk load, :meth:`QdrantEdgeVectorStore.optimize` builds the
HNSW index (searches before that are exhaustive, and slower on large shards).
"""

from __future__ import annotations

from pathlib import Path

from astrocyte.errors import ConfigError, Problem
from astrocyte_qdrant.documents import QdrantDocuments
from astrocyte_qdrant.edge_backend import EdgeBackend
from astrocyte_qdrant.sparse import DEFAULT_AVERAGE_LENGTH
from astrocyte_qdrant.vectors import DEFAULT_BATCH_SIZE, QdrantVectors


def _backend(path: str, collection: str) -> EdgeBackend:
    if not path or not collection or Path(collection).name != collection:
        raise ConfigError(
            "a qdrant-edge store needs a directory and a collection name",
            [Problem("path", "name the directory of the shards; collection a plain directory name inside it")],
        )
    return EdgeBackend(Path(path) / collection, name=f"Qdrant Edge shard {Path(path) / collection}")


class QdrantEdgeVectorStore(QdrantVectors):
    """Memory vectors in a Qdrant Edge shard; ``hybrid`` also indexes their text for one-query hybrid recall."""

    def __init__(
        self,
        path: str,
        collection: str = "vectors",
        dimensions: int | None = None,
        hybrid: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        average_length: float = DEFAULT_AVERAGE_LENGTH,
    ) -> None:
        self._edge = _backend(path, collection)
        super().__init__(
            self._edge, dimensions=dimensions, hybrid=hybrid, batch_size=batch_size, average_length=average_length
        )

    async def optimize(self) -> None:
        """Build the HNSW and payload indexes; call it after loading many memories at once."""
        await self._edge.optimize()


class QdrantEdgeDocumentStore(QdrantDocuments):
    """Memory texts as BM25 sparse vectors in a Qdrant Edge shard."""

    def __init__(
        self,
        path: str,
        collection: str = "documents",
        batch_size: int = DEFAULT_BATCH_SIZE,
        average_length: float = DEFAULT_AVERAGE_LENGTH,
    ) -> None:
        super().__init__(_backend(path, collection), batch_size=batch_size, average_length=average_length)
