"""The optional store methods the engine uses, each called only when the store declares it.

Capabilities (:func:`astrocyte.spi.capabilities_of`) announce methods beyond a Protocol; this module
is the one place that reads those declarations and calls the methods, with the SPI-only fallback
beside each, so the rest of the pipeline asks for an outcome and never branches on a backend.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol, cast, runtime_checkable

from astrocyte.pipeline.embedding import Embeddings
from astrocyte.spi import DocumentStore, GraphStore, TransactionalStore, VectorRowsStore, VectorStore, capabilities_of
from astrocyte.stores.vector_rows import VectorRows
from astrocyte.types import Document, GraphHit, VectorFilters, VectorHit, VectorItem

#: Page size when walking a bank through ``list_vectors``.
PAGE_SIZE = 500


class _CountsVectors(Protocol):
    async def count_vectors(self, bank_id: str) -> int: ...


class _DropsVectorBank(Protocol):
    async def delete_bank(self, bank_id: str) -> int: ...


class _SearchesInBatches(Protocol):
    async def search_similar_batch(
        self, query_vectors: list[list[float]], bank_id: str, limit: int = 10, filters: VectorFilters | None = None
    ) -> list[list[VectorHit]]: ...


class _SearchesAboveThreshold(Protocol):
    async def search_similar_threshold(
        self, query_vectors: list[list[float]], bank_id: str, threshold: float
    ) -> list[str | None]: ...


class _ScoresIds(Protocol):
    async def score_ids(self, query_vector: list[float], ids: list[str], bank_id: str) -> dict[str, float]: ...


class _GetsDocumentBatches(Protocol):
    async def get_documents(self, document_ids: list[str], bank_id: str) -> list[Document]: ...


class _RanksNeighbours(Protocol):
    async def rank_neighbors(
        self, entity_ids: list[str], bank_id: str, max_depth: int = 1, limit: int = 20
    ) -> list[GraphHit]: ...


class _StoresDocumentBatches(Protocol):
    async def store_documents(self, documents: list[Document], bank_id: str) -> list[str]: ...


async def declared_vector_count(vectors: VectorStore, bank_id: str) -> int | None:
    """How many memories the bank holds, when the store can say so without paging; else ``None``."""
    if not capabilities_of(vectors, VectorStore).count:
        return None
    return await cast(_CountsVectors, vectors).count_vectors(bank_id)


async def count_vectors(vectors: VectorStore, bank_id: str) -> int:
    """How many memories the bank holds: declared count, or by paging through it."""
    declared = await declared_vector_count(vectors, bank_id)
    if declared is not None:
        return declared
    total = 0
    async for page in vector_pages(vectors, bank_id):
        total += len(page)
    return total


async def vector_pages(vectors: VectorStore, bank_id: str) -> AsyncIterator[list[VectorItem]]:
    """The bank's vector items, page by page in the store's stable order (nothing may be written meanwhile)."""
    offset = 0
    while True:
        page = await vectors.list_vectors(bank_id, offset=offset, limit=PAGE_SIZE)
        if not page:
            return
        yield page
        if len(page) < PAGE_SIZE:
            return
        offset += len(page)


async def delete_all_vectors(vectors: VectorStore, bank_id: str) -> int:
    """Remove every vector of the bank: at once when declared, else by listing the ids first."""
    if capabilities_of(vectors, VectorStore).delete_bank:
        return await cast(_DropsVectorBank, vectors).delete_bank(bank_id)
    ids = [item.id async for page in vector_pages(vectors, bank_id) for item in page]
    return await vectors.delete(ids, bank_id) if ids else 0


async def search_each(
    vectors: VectorStore,
    queries: list[list[float]],
    bank_id: str,
    limit: int,
    filters: VectorFilters | None = None,
) -> list[list[VectorHit]]:
    """The hits of each query: one vectorised pass when the store declares ``batch_search``, else one
    ``search_similar`` per query, issued concurrently."""
    if not queries:
        return []
    if capabilities_of(vectors, VectorStore).batch_search:
        return await cast(_SearchesInBatches, vectors).search_similar_batch(queries, bank_id, limit, filters)
    searches = (vectors.search_similar(query, bank_id, limit=limit, filters=filters) for query in queries)
    return list(await asyncio.gather(*searches))


def scores_ids(vectors: VectorStore) -> bool:
    """Whether the store scores given ids against a query from the vectors it keeps (``id_scores``)."""
    return bool(capabilities_of(vectors, VectorStore).id_scores)


async def scores_of_ids(vectors: VectorStore, query: list[float], ids: list[str], bank_id: str) -> dict[str, float]:
    """The cosine similarity of each of ``ids`` the bank holds to ``query``; only for a store that
    :func:`scores_ids` (recall's fallback for the others is a second search, in its semantic leg)."""
    return await cast(_ScoresIds, vectors).score_ids(query, ids, bank_id)


async def ids_at_least(vectors: VectorStore, queries: Embeddings, bank_id: str, threshold: float) -> list[str | None]:
    """For each query, the id of a stored item at least ``threshold`` similar, if any: the store's own
    threshold query when it declares ``threshold_search`` (given the matrix when it also declares
    ``vector_rows``), else its nearest hit by :func:`search_each`."""
    if not len(queries.matrix):
        return []
    declared = capabilities_of(vectors, VectorStore)
    if declared.threshold_search:
        if declared.vector_rows:
            return await cast(VectorRowsStore, vectors).threshold_ids(queries.matrix, bank_id, threshold)
        return await cast(_SearchesAboveThreshold, vectors).search_similar_threshold(queries.rows, bank_id, threshold)
    nearest = await search_each(vectors, queries.rows, bank_id, limit=1)
    return [hits[0].id if hits and hits[0].score >= threshold else None for hits in nearest]


async def store_vector_rows(vectors: VectorStore, rows: VectorRows) -> None:
    """Write retain's new memories: as float32 blocks to a store that declares ``vector_rows``,
    else as vector items."""
    if capabilities_of(vectors, VectorStore).vector_rows:
        await cast(VectorRowsStore, vectors).store_vector_rows(rows)
    else:
        await vectors.store_vectors(rows.items())


async def store_documents(documents: DocumentStore, batch: list[Document], bank_id: str) -> None:
    """Write ``batch`` in one call when the store declares ``batch_store``, else one by one."""
    if capabilities_of(documents, DocumentStore).batch_store:
        await cast(_StoresDocumentBatches, documents).store_documents(batch, bank_id)
        return
    for document in batch:
        await documents.store_document(document, bank_id)


async def get_documents(documents: DocumentStore, ids: list[str], bank_id: str) -> list[Document]:
    """The documents of ``ids`` the bank holds, in that order: one read when the store declares
    ``batch_get``, else one ``get_document`` per id."""
    if capabilities_of(documents, DocumentStore).batch_get:
        return await cast(_GetsDocumentBatches, documents).get_documents(ids, bank_id)
    found = []
    for document_id in dict.fromkeys(ids):
        document = await documents.get_document(document_id, bank_id)
        if document is not None:
            found.append(document)
    return found


async def neighbour_memories(
    graph: GraphStore, entity_ids: list[str], bank_id: str, max_depth: int, limit: int
) -> list[GraphHit]:
    """Memories connected to the entities, best first: the store's bounded ranking when it declares
    ``ranked_neighbors``, else ``query_neighbors``."""
    if capabilities_of(graph, GraphStore).ranked_neighbors:
        return await cast(_RanksNeighbours, graph).rank_neighbors(entity_ids, bank_id, max_depth=max_depth, limit=limit)
    return await graph.query_neighbors(entity_ids, bank_id, max_depth=max_depth, limit=limit)


@runtime_checkable
class _OpensUnitTransactions(Protocol):
    def unit_transaction(self) -> AbstractAsyncContextManager[None]: ...


def unit_transaction(store: TransactionalStore) -> AbstractAsyncContextManager[None]:
    """The store's transaction for a unit that is rolled back whole whenever anything in it fails (the
    engine's write sessions): its ``unit_transaction()`` when it has one (the SQLite stores: no
    savepoint per store call), else ``transaction()``."""
    if isinstance(store, _OpensUnitTransactions):
        return store.unit_transaction()
    return store.transaction()
