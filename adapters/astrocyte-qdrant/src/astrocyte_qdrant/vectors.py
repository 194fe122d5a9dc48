"""The :class:`~astrocyte.spi.VectorStore` on Qdrant, written once for both backends.

One collection holds every bank; each point is one memory: a named dense vector (cosine), its
payload, and with ``hybrid`` also the BM25 sparse vector of its text, so that one Qdrant query can
prefetch both rankings and fuse them (:meth:`QdrantVectors.search_hybrid`, declared as the
``hybrid_search`` capability). Every filter is pushed into the Qdrant query. Qdrant normalises
cosine vectors on the way in, so it returns unit vectors; scores are its cosine similarity clamped
to [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np

from astrocyte.errors import CapabilityNotSupported
from astrocyte.stores.arguments import batch_dimensions, check_vector_length, query_rows, unit_rows
from astrocyte.stores.searches import check_score_ids, query_row
from astrocyte.types import HealthStatus, VectorFilters, VectorHit, VectorItem, VectorStoreCapabilities
from astrocyte.validation import check_bank_id, check_non_negative_int, check_positive_int, check_vector
from astrocyte.vectors import cosine_score_columns, normalise_rows
from astrocyte_qdrant import conditions, payloads, sparse
from astrocyte_qdrant.backend import Backend, Found, Layout, NewPoint
from astrocyte_qdrant.collection import Collection

#: Points per upsert request: large enough to amortise a round trip, small enough for request limits.
DEFAULT_BATCH_SIZE = 256


class QdrantVectors:
    """Vectors of every bank in one Qdrant collection (see the module docstring).

    ``dimensions`` fixes the size of the dense vector; left out, the existing collection's or the
    first write's is used. ``exact`` declares that searches are exhaustive (the client's local mode
    always is; a server or an optimised Edge shard uses HNSW, which is approximate).
    """

    SPI_VERSION: ClassVar[int] = 1

    def __init__(
        self,
        backend: Backend,
        *,
        dimensions: int | None = None,
        hybrid: bool = False,
        exact: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        average_length: float = sparse.DEFAULT_AVERAGE_LENGTH,
    ) -> None:
        configured = None if dimensions is None else check_positive_int(dimensions, "dimensions")
        layout = Layout(sparse=hybrid, indexes=payloads.VECTOR_INDEXES)
        self._collection = Collection(backend, layout, batch_size=batch_size, dimensions=configured)
        self._hybrid = hybrid
        self._exact = exact
        self._average_length = average_length

    @property
    def backend(self) -> Backend:
        return self._collection.backend

    def capabilities(self) -> VectorStoreCapabilities:
        return VectorStoreCapabilities(
            filter_tag_match_all=True,
            exact_search=self._exact,
            delete_bank=True,
            count=True,
            batch_search=True,
            hybrid_search=self._hybrid,
            id_scores=True,
        )

    async def store_vectors(self, items: list[VectorItem]) -> list[str]:
        if not items:
            return []
        dimensions = batch_dimensions(items, await self._collection.dimensions())
        # refuses NaN, infinity and non-numbers for the whole batch; Qdrant normalises cosine vectors itself
        unit_rows([item.vector for item in items], dimensions, lambda row: f"items[{row}].vector")
        written_at = datetime.now(UTC)
        points: dict[str, NewPoint] = {}  # the last item of an id wins, as in any upsert
        for item in items:
            text_vector = sparse.document_vector(item.text, self._average_length) if self._hybrid else None
            point_id = payloads.point_id(item.bank_id, item.id)
            points[point_id] = NewPoint(point_id, payloads.vector_payload(item, written_at), item.vector, text_vector)
        await self._collection.ready(dimensions)
        await self._collection.write(list(points.values()))
        return [item.id for item in items]

    async def search_similar(
        self,
        query_vector: list[float],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[VectorHit]:
        (hits,) = await self._search([self._checked_query(query_vector, "query_vector")], bank_id, limit, filters)
        return hits

    async def search_similar_batch(
        self,
        query_vectors: list[list[float]],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[list[VectorHit]]:
        """``search_similar`` for each query, as one batched Qdrant request (declared ``batch_search``)."""
        check_bank_id(bank_id)
        check_positive_int(limit, "limit")
        if not query_vectors:
            return []
        queries = query_rows(query_vectors, await self._collection.dimensions(), "query_vectors")
        return await self._search(queries.tolist(), bank_id, limit, filters)

    async def search_hybrid(
        self,
        query_vector: list[float],
        query: str,
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
        *,
        semantic_weight: float = 1.0,
        keyword_weight: float = 1.0,
        rrf_k: int = 60,
    ) -> list[VectorHit]:
        """Semantic and keyword rankings fused by Qdrant's RRF in one query (declared ``hybrid_search``).

        Each leg prefetches ``limit`` candidates; Qdrant ranks from 0, so a memory scores
        ``sum(weight / (rrf_k + rank - 1))`` over the legs that found it (ranks from 1); the weights
        are passed on only when they differ, Qdrant's weighted RRF scaling them to its own scale.
        """
        vector = self._checked_query(query_vector, "query_vector")
        check_bank_id(bank_id)
        check_positive_int(limit, "limit")
        check_positive_int(rrf_k, "rrf_k")
        if not self._hybrid:
            raise CapabilityNotSupported(
                "search_hybrid needs the text of every memory indexed: configure the vector store with hybrid: true"
            )
        await self._check_query_size(vector)
        if not await self._collection.exists():
            return []
        found = await self.backend.fused(
            vector,
            sparse.query_vector(query),
            conditions.for_vectors(bank_id, filters),
            limit=limit,
            fetch=limit,
            rrf_k=rrf_k,
            weights=(semantic_weight, keyword_weight),
        )
        return [payloads.vector_hit(record.payload, max(0.0, record.score)) for record in found]

    async def score_ids(self, query_vector: list[float], ids: list[str], bank_id: str) -> dict[str, float]:
        """The cosine similarity of each of ``ids`` the bank holds to ``query_vector``: their points
        retrieved by id with their (unit) vectors, scored in numpy (declared ``id_scores``)."""
        check_score_ids(query_vector, ids, bank_id)
        query = query_row(query_vector, await self._collection.dimensions())
        if not ids or not await self._collection.exists():
            return {}
        found = await self.backend.retrieve([payloads.point_id(bank_id, item_id) for item_id in ids], with_dense=True)
        named = set(ids)
        held = [
            record
            for record in found
            if payloads.belongs(record.payload, bank_id) and record.payload[payloads.ID] in named and record.dense
        ]
        if not held:
            return {}
        stored = normalise_rows(np.asarray([record.dense for record in held], dtype=np.float32))
        scores = cosine_score_columns(stored, query)
        return {record.payload[payloads.ID]: score for record, score in zip(held, scores[:, 0].tolist(), strict=True)}

    async def delete(self, ids: list[str], bank_id: str) -> int:
        return await self._collection.remove(ids, bank_id, "ids")

    async def list_vectors(self, bank_id: str, offset: int = 0, limit: int = 100) -> list[VectorItem]:
        check_bank_id(bank_id)
        check_non_negative_int(offset, "offset")
        check_positive_int(limit, "limit")
        if not await self._collection.exists():
            return []
        found = await self.backend.page(conditions.in_bank(bank_id), offset, limit)
        return [payloads.vector_item(record.payload, record.dense or []) for record in found]

    async def delete_bank(self, bank_id: str) -> int:
        """Drop every vector of ``bank_id`` with one filtered delete; returns how many there were."""
        return await self._collection.remove_bank(bank_id)

    async def count_vectors(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        if not await self._collection.exists():
            return 0
        return await self.backend.count(conditions.in_bank(bank_id))

    async def health(self) -> HealthStatus:
        return await self._collection.health("vector store")

    async def close(self) -> None:
        await self.backend.close()

    def _checked_query(self, query_vector: list[float], field: str) -> list[float]:
        check_vector(query_vector, field)
        return list(query_vector)

    async def _check_query_size(self, vector: Sequence[float]) -> None:
        dimensions = await self._collection.dimensions()
        if dimensions is not None:
            check_vector_length(vector, dimensions, "query_vector")

    async def _search(
        self, queries: list[list[float]], bank_id: str, limit: int, filters: VectorFilters | None
    ) -> list[list[VectorHit]]:
        check_bank_id(bank_id)
        check_positive_int(limit, "limit")
        for query in queries:
            await self._check_query_size(query)
        if not await self._collection.exists():
            return [[] for _ in queries]
        found = await self.backend.nearest(queries, conditions.for_vectors(bank_id, filters), limit)
        return [[_hit(record) for record in hits] for hits in found]


def _hit(record: Found) -> VectorHit:
    score = record.score if record.score == record.score else 0.0  # NaN (a zero vector) scores 0
    return payloads.vector_hit(record.payload, min(1.0, max(0.0, score)))
