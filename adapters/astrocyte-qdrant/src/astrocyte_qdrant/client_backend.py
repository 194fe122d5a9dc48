"""The :class:`~astrocyte_qdrant.backend.Backend` on ``qdrant-client``: a server, or the local mode.

Local mode (``path`` or ``":memory:"``) runs Qdrant's query semantics in Python, by brute force: it
is for tests and small data (it slows down past about 10k points). It also locks its directory, so
the stores of one process that name the same ``path`` share one client (:func:`shared_local`);
payload indexes are not created there, because local mode has none (it warns that they do nothing).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from qdrant_client import AsyncQdrantClient, models

from astrocyte.errors import ConfigError, Problem
from astrocyte_qdrant.backend import DENSE, SPARSE, Found, Layout, NewPoint, found
from astrocyte_qdrant.conditions import AnyOf, Between, Condition, Equals, IsNull
from astrocyte_qdrant.payloads import IndexKind
from astrocyte_qdrant.sparse import Sparse

MEMORY = ":memory:"

_INDEX_TYPES: dict[IndexKind, models.PayloadSchemaType] = {
    "keyword": models.PayloadSchemaType.KEYWORD,
    "integer": models.PayloadSchemaType.INTEGER,
}


class _SharedClient:
    def __init__(self, client: AsyncQdrantClient) -> None:
        self.client = client
        self.users = 0


_LOCAL: dict[str, _SharedClient] = {}


def shared_local(path: str) -> AsyncQdrantClient:
    """The process's local-mode client of ``path`` (absolute; a fresh client for ``":memory:"``)."""
    if path == MEMORY:
        return AsyncQdrantClient(location=MEMORY)
    shared = _LOCAL.get(path)
    if shared is None:
        shared = _LOCAL[path] = _SharedClient(AsyncQdrantClient(path=path))
    shared.users += 1
    return shared.client


async def release_local(path: str, client: AsyncQdrantClient) -> None:
    shared = _LOCAL.get(path)
    if shared is None or shared.client is not client:  # ":memory:", never shared
        await client.close()
        return
    shared.users -= 1
    if shared.users == 0:
        del _LOCAL[path]
        await client.close()


class ClientBackend:
    """One collection reached through an :class:`AsyncQdrantClient`."""

    def __init__(self, client: AsyncQdrantClient, collection: str, *, local_path: str | None, name: str) -> None:
        self._client = client
        self._collection = collection
        self._local_path = local_path
        self.name = name

    async def exists(self) -> bool:
        return await self._client.collection_exists(self._collection)

    async def dense_size(self) -> int | None:
        if not await self.exists():
            return None
        vectors = (await self._client.get_collection(self._collection)).config.params.vectors
        params = vectors.get(DENSE) if isinstance(vectors, dict) else None
        return None if params is None else params.size

    async def create(self, layout: Layout, dense_size: int | None) -> None:
        dense = {} if dense_size is None else {DENSE: _dense_params(dense_size)}
        sparse = {SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)} if layout.sparse else None
        await self._client.create_collection(self._collection, vectors_config=dense, sparse_vectors_config=sparse)
        if self._local_path is not None:
            return
        await self._client.create_payload_index(
            self._collection,
            "bank_id",
            models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True),
        )
        for field, kind in layout.indexes.items():
            await self._client.create_payload_index(self._collection, field, _INDEX_TYPES[kind])

    async def add_dense(self, size: int) -> None:
        # a vector store creates its collection with the dense vector, so this one belongs to something else
        raise ConfigError(
            f"collection {self._collection!r} has no dense vector named {DENSE!r}",
            [
                Problem(
                    "vector_store_config.collection", "names a collection a vector store did not create; use another"
                )
            ],
        )

    async def upsert(self, points: Sequence[NewPoint]) -> None:
        await self._client.upsert(self._collection, [_point(point) for point in points], wait=True)

    async def retrieve(self, point_ids: Sequence[str], *, with_dense: bool = False) -> list[Found]:
        vectors = [DENSE] if with_dense else False
        records = await self._client.retrieve(
            self._collection, list(point_ids), with_payload=True, with_vectors=vectors
        )
        return [found(record.payload, record.vector, 0.0) for record in records]

    async def delete(self, point_ids: Sequence[str]) -> None:
        selector = models.PointIdsList(points=list(point_ids))
        await self._client.delete(self._collection, points_selector=selector, wait=True)

    async def delete_where(self, conditions: Sequence[Condition]) -> None:
        selector = models.FilterSelector(filter=_filter(conditions))
        await self._client.delete(self._collection, points_selector=selector, wait=True)

    async def count(self, conditions: Sequence[Condition]) -> int:
        return (await self._client.count(self._collection, count_filter=_filter(conditions), exact=True)).count

    async def page(self, conditions: Sequence[Condition], offset: int, limit: int) -> list[Found]:
        response = await self._client.query_points(
            self._collection,
            query_filter=_filter(conditions),
            offset=offset,
            limit=limit,
            with_payload=True,
            with_vectors=[DENSE],
        )
        return [found(point.payload, point.vector, point.score) for point in response.points]

    async def nearest(
        self, queries: Sequence[list[float]], conditions: Sequence[Condition], limit: int
    ) -> list[list[Found]]:
        query_filter = _filter(conditions)
        requests = [
            models.QueryRequest(query=query, using=DENSE, filter=query_filter, limit=limit, with_payload=True)
            for query in queries
        ]
        responses = await self._client.query_batch_points(self._collection, requests)
        return [
            [found(point.payload, point.vector, point.score) for point in response.points] for response in responses
        ]

    async def matching(self, query: Sparse, conditions: Sequence[Condition], limit: int) -> list[Found]:
        response = await self._client.query_points(
            self._collection,
            query=_sparse(query),
            using=SPARSE,
            query_filter=_filter(conditions),
            limit=limit,
            with_payload=True,
        )
        return [found(point.payload, point.vector, point.score) for point in response.points]

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
        query_filter = _filter(conditions)
        prefetch = [
            models.Prefetch(query=dense, using=DENSE, filter=query_filter, limit=fetch),
            models.Prefetch(query=_sparse(sparse), using=SPARSE, filter=query_filter, limit=fetch),
        ]
        rrf = models.Rrf(k=rrf_k, weights=None if weights[0] == weights[1] else list(weights))
        response = await self._client.query_points(
            self._collection, prefetch=prefetch, query=models.RrfQuery(rrf=rrf), limit=limit, with_payload=True
        )
        return [found(point.payload, point.vector, point.score) for point in response.points]

    async def check(self) -> None:
        await self._client.get_collections()

    async def close(self) -> None:
        if self._local_path is None:
            await self._client.close()
        else:
            await release_local(self._local_path, self._client)


def _dense_params(size: int) -> models.VectorParams:
    return models.VectorParams(size=size, distance=models.Distance.COSINE)


def _sparse(vector: Sparse) -> models.SparseVector:
    return models.SparseVector(indices=vector.indices, values=vector.values)


def _point(point: NewPoint) -> models.PointStruct:
    vectors: dict[str, Any] = {}
    if point.dense is not None:
        vectors[DENSE] = point.dense
    if point.sparse is not None:
        vectors[SPARSE] = _sparse(point.sparse)
    return models.PointStruct(id=point.point_id, vector=vectors, payload=point.payload)


def _filter(conditions: Sequence[Condition]) -> models.Filter:
    return models.Filter(must=[_condition(condition) for condition in conditions])


def _condition(condition: Condition) -> models.Condition:
    match condition:
        case Equals(key, value):
            return models.FieldCondition(key=key, match=models.MatchValue(value=value))
        case AnyOf(key, values):
            return models.FieldCondition(key=key, match=models.MatchAny(any=list(values)))
        case Between(key, gte, lte):
            return models.FieldCondition(key=key, range=models.Range(gte=gte, lte=lte))
        case IsNull(key):
            return models.IsNullCondition(is_null=models.PayloadField(key=key))


def connect(
    *, url: str | None, api_key: str | None, path: str | None, collection: str, timeout: float | None
) -> ClientBackend:
    """The backend of ``collection`` on the server at ``url``, or in local mode at ``path`` (or ``":memory:"``)."""
    if (url is None) == (path is None):
        raise ConfigError(
            "a qdrant store needs exactly one place to keep its data",
            [Problem("url", "name a Qdrant server (url, with api_key if it needs one), or path for local mode")],
        )
    if not collection:
        raise ConfigError("a qdrant store needs a collection", [Problem("collection", "must be a non-empty name")])
    if url is not None:
        client = AsyncQdrantClient(url=url, api_key=api_key, timeout=None if timeout is None else int(timeout))
        return ClientBackend(client, collection, local_path=None, name=f"Qdrant at {url}, collection {collection!r}")
    assert path is not None
    key = path if path == MEMORY else os.path.abspath(path)
    return ClientBackend(
        shared_local(key), collection, local_path=key, name=f"Qdrant local mode at {path}, collection {collection!r}"
    )
