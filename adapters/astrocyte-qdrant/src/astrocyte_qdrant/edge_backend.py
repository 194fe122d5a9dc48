"""The :class:`~astrocyte_qdrant.backend.Backend` on ``qdrant-edge-py``: Qdrant's engine in process.

One shard per store, in its own directory, created on first write and loaded when it exists. The
dense vector may be added to an existing shard (``create_dense_vector``), so a store that learns
its dimension from the first write still gets one shard. Writes run in a worker thread, because a
large batch (or :meth:`EdgeBackend.optimize`) would otherwise stall the event loop; reads take a
millisecond or so and run inline. The shard's dense size is not in its info, so a loaded shard
reads it from a stored vector.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as edge

from astrocyte_qdrant.backend import DENSE, SPARSE, Found, Layout, NewPoint, found
from astrocyte_qdrant.conditions import AnyOf, Between, Condition, Equals, IsNull
from astrocyte_qdrant.payloads import IndexKind
from astrocyte_qdrant.sparse import Sparse

_INDEX_TYPES: dict[IndexKind, edge.PayloadSchemaType] = {
    "keyword": edge.PayloadSchemaType.Keyword,
    "integer": edge.PayloadSchemaType.Integer,
}


class EdgeBackend:
    """One Qdrant Edge shard in the directory ``path``."""

    def __init__(self, path: Path, *, name: str) -> None:
        self._path = path
        self.name = name
        self._shard: edge.EdgeShard | None = None
        self._dense_size: int | None = None
        if (path / "segments").exists():
            self._shard = edge.EdgeShard.load(str(path))
            self._dense_size = self._stored_dense_size(self._shard)

    @property
    def shard(self) -> edge.EdgeShard | None:
        """The open shard (``None`` before the first write): for benchmarks that time the bare engine."""
        return self._shard

    async def exists(self) -> bool:
        return self._shard is not None

    async def dense_size(self) -> int | None:
        return self._dense_size

    async def create(self, layout: Layout, dense_size: int | None) -> None:
        sparse = {SPARSE: edge.EdgeSparseVectorParams(modifier=edge.Modifier.Idf)} if layout.sparse else None
        dense = {} if dense_size is None else {DENSE: _dense_params(dense_size)}
        self._path.mkdir(parents=True, exist_ok=True)
        shard = edge.EdgeShard.create(str(self._path), edge.EdgeConfig(vectors=dense, sparse_vectors=sparse))
        shard.update(edge.UpdateOperation.create_field_index("bank_id", edge.KeywordIndexParams(is_tenant=True)))
        for field, kind in layout.indexes.items():
            shard.update(edge.UpdateOperation.create_field_index(field, _INDEX_TYPES[kind]))
        self._shard, self._dense_size = shard, dense_size

    async def add_dense(self, size: int) -> None:
        self._open().update(edge.UpdateOperation.create_dense_vector(DENSE, size, edge.Distance.Cosine))
        self._dense_size = size

    async def upsert(self, points: Sequence[NewPoint]) -> None:
        operation = edge.UpdateOperation.upsert_points([_point(point) for point in points])
        await asyncio.to_thread(self._open().update, operation)

    async def retrieve(self, point_ids: Sequence[str], *, with_dense: bool = False) -> list[Found]:
        if self._shard is None:
            return []
        records = self._shard.retrieve(list(point_ids), True, [DENSE] if with_dense else False)
        return [found(record.payload, record.vector, 0.0) for record in records]

    async def delete(self, point_ids: Sequence[str]) -> None:
        await asyncio.to_thread(self._open().update, edge.UpdateOperation.delete_points(list(point_ids)))

    async def delete_where(self, conditions: Sequence[Condition]) -> None:
        operation = edge.UpdateOperation.delete_points_by_filter(_filter(conditions))
        await asyncio.to_thread(self._open().update, operation)

    async def count(self, conditions: Sequence[Condition]) -> int:
        if self._shard is None:
            return 0
        return self._shard.count(edge.CountRequest(exact=True, filter=_filter(conditions)))

    async def page(self, conditions: Sequence[Condition], offset: int, limit: int) -> list[Found]:
        if self._shard is None:
            return []
        request = edge.QueryRequest(
            limit=limit, offset=offset, filter=_filter(conditions), with_payload=True, with_vector=[DENSE]
        )
        return [found(point.payload, point.vector, point.score) for point in self._shard.query(request)]

    async def nearest(
        self, queries: Sequence[list[float]], conditions: Sequence[Condition], limit: int
    ) -> list[list[Found]]:
        if self._shard is None:
            return [[] for _ in queries]
        query_filter = _filter(conditions)
        requests = [
            edge.QueryRequest(
                limit=limit, query=edge.Query.Nearest(query, using=DENSE), filter=query_filter, with_payload=True
            )
            for query in queries
        ]
        if len(requests) == 1:
            return [[found(point.payload, point.vector, point.score) for point in self._shard.query(requests[0])]]
        batches = self._shard.query_batch(edge.QueryBatchRequest(requests))
        return [[found(point.payload, point.vector, point.score) for point in batch] for batch in batches]

    async def matching(self, query: Sparse, conditions: Sequence[Condition], limit: int) -> list[Found]:
        if self._shard is None:
            return []
        request = edge.QueryRequest(
            limit=limit,
            query=edge.Query.Nearest(_sparse(query), using=SPARSE),
            filter=_filter(conditions),
            with_payload=True,
        )
        return [found(point.payload, point.vector, point.score) for point in self._shard.query(request)]

    async def fused(
        self,
        dense: list[float],
        sparse: Sparse,
        conditions: Sequence[Condition],
        *,
        limit: int,
        fetch: int,
        rrf_k: int,
        weights: tuple[float, float],
    ) -> list[Found]:
        if self._shard is None:
            return []
        query_filter = _filter(conditions)
        prefetches = [
            edge.Prefetch(limit=fetch, query=edge.Query.Nearest(dense, using=DENSE), filter=query_filter),
            edge.Prefetch(limit=fetch, query=edge.Query.Nearest(_sparse(sparse), using=SPARSE), filter=query_filter),
        ]
        # QueryRequest takes a Fusion.Rrf as its query, though the package's stub leaves it out of the union
        fusion: Any = edge.Fusion.Rrf(k=rrf_k, weights=None if weights[0] == weights[1] else list(weights))
        request = edge.QueryRequest(limit=limit, prefetches=prefetches, query=fusion, with_payload=True)
        return [found(point.payload, point.vector, point.score) for point in self._shard.query(request)]

    async def optimize(self) -> None:
        """Build the HNSW and payload indexes after a bulk load (searches are exact until then)."""
        if self._shard is not None:
            await asyncio.to_thread(self._shard.optimize)

    async def check(self) -> None:
        if self._shard is not None:
            self._shard.info()

    async def close(self) -> None:
        if self._shard is not None:
            shard, self._shard = self._shard, None
            await asyncio.to_thread(_flush_and_close, shard)

    def _open(self) -> edge.EdgeShard:
        if self._shard is None:
            raise RuntimeError(f"the shard at {self._path} is not created yet or is closed")
        return self._shard

    @staticmethod
    def _stored_dense_size(shard: edge.EdgeShard) -> int | None:
        try:
            records, _ = shard.scroll(
                edge.ScrollRequest(
                    limit=1, filter=edge.Filter(must=[edge.HasVectorCondition(DENSE)]), with_vector=[DENSE]
                )
            )
        except Exception:  # the shard has no dense vector at all
            return None
        vectors = records[0].vector if records else None
        dense = vectors.get(DENSE) if isinstance(vectors, dict) else None
        return len(dense) if isinstance(dense, list) else None


def _dense_params(size: int) -> edge.EdgeVectorParams:
    return edge.EdgeVectorParams(size=size, distance=edge.Distance.Cosine)


def _flush_and_close(shard: edge.EdgeShard) -> None:
    shard.flush()
    shard.close()


def _sparse(vector: Sparse) -> edge.SparseVector:
    return edge.SparseVector(vector.indices, vector.values)


def _point(point: NewPoint) -> edge.Point:
    vectors: dict[str, Any] = {}
    if point.dense is not None:
        vectors[DENSE] = point.dense
    if point.sparse is not None:
        vectors[SPARSE] = _sparse(point.sparse)
    return edge.Point(point.point_id, vectors, point.payload)


def _filter(conditions: Sequence[Condition]) -> edge.Filter:
    return edge.Filter(must=[_condition(condition) for condition in conditions])


def _condition(condition: Condition) -> Any:
    match condition:
        case Equals(key, value):
            return edge.FieldCondition(key=key, match=edge.MatchValue(value))
        case AnyOf(key, values):
            return edge.FieldCondition(key=key, match=edge.MatchAny(list(values)))
        case Between(key, gte, lte):
            return edge.FieldCondition(key=key, range=edge.RangeFloat(gte=gte, lte=lte))
        case IsNull(key):
            return edge.IsNullCondition(key)
