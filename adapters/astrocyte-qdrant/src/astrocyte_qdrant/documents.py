"""The :class:`~astrocyte.spi.DocumentStore` on Qdrant sparse vectors, written once for both backends.

Each document is a point of one collection (every bank) whose sparse vector holds its BM25 weights
(:mod:`astrocyte_qdrant.sparse`); the collection's IDF modifier completes the score. Queries are
cut into words exactly like documents, so user input is never query syntax, and a query without
words finds nothing.
"""

from __future__ import annotations

from typing import ClassVar

from astrocyte.stores.arguments import check_documents, checked_string
from astrocyte.types import Document, DocumentFilters, DocumentHit, DocumentStoreCapabilities, HealthStatus
from astrocyte.validation import check_bank_id, check_id, check_positive_int
from astrocyte_qdrant import conditions, payloads, sparse
from astrocyte_qdrant.backend import Backend, Layout, NewPoint
from astrocyte_qdrant.collection import Collection
from astrocyte_qdrant.vectors import DEFAULT_BATCH_SIZE


class QdrantDocuments:
    """Documents of every bank in one Qdrant collection of sparse vectors; also ``store_documents``."""

    SPI_VERSION: ClassVar[int] = 1

    def __init__(
        self,
        backend: Backend,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        average_length: float = sparse.DEFAULT_AVERAGE_LENGTH,
    ) -> None:
        layout = Layout(sparse=True, indexes=payloads.DOCUMENT_INDEXES)
        self._collection = Collection(backend, layout, batch_size=batch_size)
        self._average_length = average_length

    @property
    def backend(self) -> Backend:
        return self._collection.backend

    def capabilities(self) -> DocumentStoreCapabilities:
        return DocumentStoreCapabilities(filter_tag_match_all=True, batch_store=True)

    async def store_document(self, document: Document, bank_id: str) -> str:
        (stored,) = await self.store_documents([document], bank_id)
        return stored

    async def store_documents(self, documents: list[Document], bank_id: str) -> list[str]:
        """Upsert every document into ``bank_id``; the whole batch is checked before any is written."""
        check_documents(documents, bank_id)
        if not documents:
            return []
        points: dict[str, NewPoint] = {}
        for document in documents:
            point_id = payloads.point_id(bank_id, document.id)
            text_vector = sparse.document_vector(document.text, self._average_length)
            points[point_id] = NewPoint(point_id, payloads.document_payload(document, bank_id), sparse=text_vector)
        await self._collection.ready()
        await self._collection.write(list(points.values()))
        return [document.id for document in documents]

    async def search_fulltext(
        self,
        query: str,
        bank_id: str,
        limit: int = 10,
        filters: DocumentFilters | None = None,
    ) -> list[DocumentHit]:
        check_bank_id(bank_id)
        check_positive_int(limit, "limit")
        wanted = sparse.query_vector(checked_string(query, "query"))
        if not wanted or not await self._collection.exists():
            return []
        found = await self.backend.matching(wanted, conditions.for_documents(bank_id, filters), limit)
        return [payloads.document_hit(record.payload, max(0.0, record.score)) for record in found]

    async def get_document(self, document_id: str, bank_id: str) -> Document | None:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        if not await self._collection.exists():
            return None
        for record in await self.backend.retrieve([payloads.point_id(bank_id, document_id)]):
            if payloads.belongs(record.payload, bank_id, document_id):
                return payloads.document(record.payload)
        return None

    async def delete_documents(self, document_ids: list[str], bank_id: str) -> int:
        return await self._collection.remove(document_ids, bank_id, "document_ids")

    async def delete_bank(self, bank_id: str) -> int:
        return await self._collection.remove_bank(bank_id)

    async def health(self) -> HealthStatus:
        return await self._collection.health("document store")

    async def close(self) -> None:
        await self.backend.close()
