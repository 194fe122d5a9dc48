"""The ``qdrant`` stores: a Qdrant server (``url``, ``api_key``) or the client's local mode (``path``).

Local mode (``path: ":memory:"`` or a directory) is for tests and trying things out: it searches
by brute force in Python and slows down past about 10k points. Use a server, or ``qdrant-edge``,
for real data.
"""

from __future__ import annotations

from astrocyte_qdrant.client_backend import MEMORY, connect
from astrocyte_qdrant.documents import QdrantDocuments
from astrocyte_qdrant.sparse import DEFAULT_AVERAGE_LENGTH
from astrocyte_qdrant.vectors import DEFAULT_BATCH_SIZE, QdrantVectors

__all__ = ["MEMORY", "QdrantDocumentStore", "QdrantVectorStore"]


class QdrantVectorStore(QdrantVectors):
    """Memory vectors in the collection ``collection`` (created on first write); ``hybrid`` also
    indexes their text for one-query hybrid recall. Searches are exact in local mode only."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        path: str | None = None,
        collection: str = "astrocyte_vectors",
        dimensions: int | None = None,
        hybrid: bool = False,
        timeout: float | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        average_length: float = DEFAULT_AVERAGE_LENGTH,
    ) -> None:
        backend = connect(url=url, api_key=api_key, path=path, collection=collection, timeout=timeout)
        super().__init__(
            backend,
            dimensions=dimensions,
            hybrid=hybrid,
            exact=url is None,
            batch_size=batch_size,
            average_length=average_length,
        )


class QdrantDocumentStore(QdrantDocuments):
    """Memory texts as BM25 sparse vectors in the collection ``collection`` (created on first write)."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        path: str | None = None,
        collection: str = "astrocyte_documents",
        timeout: float | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        average_length: float = DEFAULT_AVERAGE_LENGTH,
    ) -> None:
        backend = connect(url=url, api_key=api_key, path=path, collection=collection, timeout=timeout)
        super().__init__(backend, batch_size=batch_size, average_length=average_length)
