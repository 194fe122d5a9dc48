"""``astrocyte-postgres bench``: the PostgreSQL backend's figures, each beside the bare SQL in the same run.

Two parts, each on a schema of its own:

- **retain**: ``retain_many`` of ``size`` corpus sentences (batches of 1000, the hashing embedder,
  every store on PostgreSQL, near-duplicate search off as for a first import, the HNSW index built
  afterwards) beside the raw work: the same texts embedded by the same embedder and copied into a
  bare table of (id, text, vector) with ``COPY``.
- **search**: ``size`` clustered 384-d vectors (``clusters`` centres plus noise: uniformly random
  vectors are the worst case of HNSW and unlike embeddings) stored with ``store_vectors``, then the
  HNSW index built (its build time reported), then ``queries`` searches near the centres: the
  store's ``search_similar`` p50 beside the store's own statement run bare (prepared on a
  connection of its own, same parameters and session settings), the two interleaved query by query
  so that both see the same load, and HNSW recall@10 against exact top-10 computed with numpy;
- **near-duplicate check** on the same vectors: 1000 of them moved to a similarity of 0.95-0.99
  (one retain batch of near duplicates), looked up by the store's threshold query (what retain
  runs, at its own ``hnsw_threshold_ef_search``) beside the same query at the searches'
  ``ef_search`` (the threshold query before it had a setting of its own) and the batched top-1
  search with a similarity cut (the check before ``threshold_search``), the misses of both threshold
  queries counted against the exact answer computed with numpy.

The machine's load average at the start and the end goes into the report beside the figures.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import numpy as np

from astrocyte.bench.corpus import sentences
from astrocyte.bench.near_duplicates import PROBES, perturbed
from astrocyte.bench.timing import Latency
from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.engine import Astrocyte
from astrocyte.stores.threshold_index import rows_at_least
from astrocyte.types import VectorItem
from astrocyte_postgres._codec import register_vector_codec
from astrocyte_postgres.database import quote_identifier
from astrocyte_postgres.migrations import extension_schema
from astrocyte_postgres.vectors import PostgresVectorStore, gated_search

DIMENSIONS = 384
BATCH = 1000
BANK = "bench"
THRESHOLD = 0.95
_STORE_KINDS = ("vector_store", "document_store", "graph_store", "bank_store")
#: The store's statement for one query and no filter, run bare with the parameters the store passes
#: (exact search below 0 vectors: never, as the benchmark's store is configured; the index on halfvec).
_BARE_SEARCH = gated_search(single=True, conditions="true", halfvec=DIMENSIONS, own=False)


@dataclass(frozen=True)
class RetainFigure:
    memories: int
    astrocyte_per_second: float
    raw_per_second: float
    index_build_seconds: float

    @property
    def overhead(self) -> float:
        return self.raw_per_second / self.astrocyte_per_second


@dataclass(frozen=True)
class SearchFigure:
    vectors: int
    clusters: int
    store_per_second: float
    index_build_seconds: float
    astrocyte: Latency
    bare: Latency
    recall_at_10: float
    ef_search: int

    @property
    def overhead(self) -> float:
        return self.astrocyte.p50_ms / self.bare.p50_ms


@dataclass(frozen=True)
class NearDuplicateFigure:
    vectors: int
    probes: int
    threshold_ms: float
    top1_ms: float
    missed: int
    #: The threshold query's candidate list (``hnsw_threshold_ef_search``).
    threshold_ef_search: int
    #: The same query at the searches' ``ef_search``: its time and misses.
    search_ef_ms: float
    search_ef_missed: int
    #: Probes with a stored vector at or above the threshold, by the exact answer.
    present: int


@dataclass(frozen=True)
class PostgresReport:
    retain: RetainFigure
    search: SearchFigure
    near_duplicates: NearDuplicateFigure
    #: The machine's 1-minute load average when the run started and when it ended: figures taken on a
    #: shared machine are read against it.
    load_average: tuple[float, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": "postgres + pgvector (HNSW on halfvec, m=16, ef_construction=64)",
            "load_average": {"start": self.load_average[0], "end": self.load_average[1]},
            "retain": asdict(self.retain) | {"overhead": self.retain.overhead},
            "search": asdict(self.search) | {"overhead": self.search.overhead},
            "near_duplicate_check": asdict(self.near_duplicates),
        }


def clustered(count: int, clusters: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` unit vectors around ``clusters`` random centres, and those centres."""
    generator = np.random.default_rng(seed)
    centres = generator.normal(size=(clusters, DIMENSIONS)).astype(np.float32)
    members = centres[generator.integers(0, clusters, size=count)]
    vectors = members + generator.normal(scale=0.35, size=(count, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, centres


async def run(dsn: str, size: int, queries: int, clusters: int, ef_search: int = 64) -> PostgresReport:
    stamp = f"{int(time.time())}"
    load_at_start = os.getloadavg()[0]
    retain = await _retain(dsn, f"bench_retain_{stamp}", size)
    search, near = await _search(dsn, f"bench_search_{stamp}", size, queries, clusters, ef_search)
    await _drop(dsn, f"bench_retain_{stamp}", f"bench_search_{stamp}")
    return PostgresReport(retain, search, near, (load_at_start, os.getloadavg()[0]))


async def _retain(dsn: str, schema: str, size: int) -> RetainFigure:
    texts = sentences(size)
    settings = {"dsn": dsn, "schema": schema}
    config: dict[str, Any] = {
        "embedding_provider": "hashing",
        "embedding_provider_config": {"dimensions": DIMENSIONS},
        "engine": {"retain": {"near_duplicate_threshold": None}},
    }
    for kind in _STORE_KINDS:
        config[kind] = "postgres"
        config[f"{kind}_config"] = dict(settings)
    config["vector_store_config"] |= {"hnsw_index": False, "index_build_memory": "1GB"}
    async with Astrocyte.from_config_dict(config) as engine:
        started = time.perf_counter()
        for start in range(0, size, BATCH):
            await engine.retain_many(texts[start : start + BATCH], BANK)
        engine_seconds = time.perf_counter() - started
        vectors: PostgresVectorStore = engine.providers[next(k for k in engine.providers if k.value == "vector_store")]
        started = time.perf_counter()
        await vectors.create_index()
        build_seconds = time.perf_counter() - started
    raw_seconds = await _raw_retain(dsn, texts)
    return RetainFigure(size, size / engine_seconds, size / raw_seconds, build_seconds)


async def _raw_retain(dsn: str, texts: list[str]) -> float:
    """The same texts embedded and COPYed into a bare temporary table, batch by batch, in one connection."""
    embedder = HashingEmbedder(DIMENSIONS)
    connection = await asyncpg.connect(dsn)
    try:
        schema = await extension_schema(connection)
        await register_vector_codec(connection, schema)
        await connection.execute(
            "CREATE TEMPORARY TABLE bare "
            f"(id bigint PRIMARY KEY, text text, embedding {quote_identifier(schema)}.vector)"
        )
        started = time.perf_counter()
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            matrix = embedder.embed_matrix(batch)
            await connection.copy_records_to_table(
                "bare",
                records=[(start + row, text, matrix[row]) for row, text in enumerate(batch)],
                columns=["id", "text", "embedding"],
            )
        return time.perf_counter() - started
    finally:
        await connection.close()


async def _search(
    dsn: str, schema: str, size: int, queries: int, clusters: int, ef_search: int
) -> tuple[SearchFigure, NearDuplicateFigure]:
    vectors, centres = clustered(size, clusters, seed=5)
    generator = np.random.default_rng(9)
    asked = centres[generator.integers(0, clusters, size=queries)]
    asked = asked + generator.normal(scale=0.35, size=asked.shape).astype(np.float32)
    async with AsyncExitStack() as stack:
        store = PostgresVectorStore(
            dsn, schema, hnsw_index=False, index_build_memory="1GB", exact_search_below=0, hnsw_ef_search=ef_search
        )
        stack.push_async_callback(store.close)
        started = time.perf_counter()
        for start in range(0, size, BATCH):
            await store.store_vectors(
                [
                    VectorItem(id=f"v{row:07d}", bank_id=BANK, vector=vectors[row].tolist(), text=f"vector {row}")
                    for row in range(start, min(start + BATCH, size))
                ]
            )
        store_seconds = time.perf_counter() - started
        started = time.perf_counter()
        await store.create_index()
        build_seconds = time.perf_counter() - started
        query_lists = [query.tolist() for query in asked]
        bare_statement = await stack.enter_async_context(_bare_search(dsn, schema, ef_search))
        await store.search_similar(query_lists[0], BANK)  # warm the pool and the index pages
        await bare_statement.fetch(query_lists[0], BANK, 10, 0)
        durations: dict[str, list[float]] = {"store": [], "bare": []}
        found = []
        for index, query in enumerate(query_lists):  # interleaved, each side first in turn: both see the same load
            for side in ("store", "bare") if index % 2 == 0 else ("bare", "store"):
                began = time.perf_counter()
                if side == "store":
                    found.append({int(hit.id[1:]) for hit in await store.search_similar(query, BANK, limit=10)})
                else:
                    await bare_statement.fetch(query, BANK, 10, 0)
                durations[side].append(time.perf_counter() - began)
        searching_ef = PostgresVectorStore(
            dsn, schema, exact_search_below=0, hnsw_ef_search=ef_search, hnsw_threshold_ef_search=ef_search
        )
        stack.push_async_callback(searching_ef.close)
        near = await _near_duplicates(store, searching_ef, vectors)
    truth = np.argsort(-(vectors @ (asked / np.linalg.norm(asked, axis=1, keepdims=True)).T), axis=0)[:10].T
    recall = float(np.mean([len(found[index] & set(truth[index].tolist())) / 10 for index in range(queries)]))
    figure = SearchFigure(
        vectors=size,
        clusters=clusters,
        store_per_second=size / store_seconds,
        index_build_seconds=build_seconds,
        astrocyte=Latency.of(durations["store"]),
        bare=Latency.of(durations["bare"]),
        recall_at_10=recall,
        ef_search=ef_search,
    )
    return figure, near


async def _near_duplicates(
    store: PostgresVectorStore, searching_ef: PostgresVectorStore, vectors: np.ndarray
) -> NearDuplicateFigure:
    """Time the threshold query (at its own candidate list and at the searches') and the batched
    top-1 search on one batch of near duplicates; ``searching_ef`` is the same schema's store whose
    threshold queries use the searches' ``ef_search``."""
    offset = int(np.random.default_rng(len(vectors)).integers(0, max(1, len(vectors) - PROBES)))
    queries = perturbed(vectors[offset : offset + PROBES], THRESHOLD + 1e-4, 0.99, seed=len(vectors))
    asked = queries.tolist()
    truly = (rows_at_least(vectors, None, queries, THRESHOLD, None) >= 0).tolist()
    answers: dict[PostgresVectorStore, tuple[float, int]] = {}
    for checking in (store, searching_ef):
        await checking.search_similar_threshold(asked[:1], BANK, THRESHOLD)  # warm the own-vector index's pages
        started = time.perf_counter()
        found = await checking.search_similar_threshold(asked, BANK, THRESHOLD)
        seconds = time.perf_counter() - started
        answers[checking] = (
            seconds,
            sum(1 for near, answer in zip(truly, found, strict=True) if near and answer is None),
        )
    started = time.perf_counter()
    nearest = await store.search_similar_batch(asked, BANK, 1)
    top1_seconds = time.perf_counter() - started
    assert len(nearest) == len(asked)
    (threshold_seconds, missed), (search_ef_seconds, search_ef_missed) = answers[store], answers[searching_ef]
    return NearDuplicateFigure(
        vectors=len(vectors),
        probes=len(asked),
        threshold_ms=1000 * threshold_seconds,
        top1_ms=1000 * top1_seconds,
        missed=missed,
        threshold_ef_search=store.threshold_ef_search,
        search_ef_ms=1000 * search_ef_seconds,
        search_ef_missed=search_ef_missed,
        present=sum(truly),
    )


@asynccontextmanager
async def _bare_search(dsn: str, schema: str, ef_search: int) -> AsyncIterator[asyncpg.prepared_stmt.PreparedStatement]:
    """The store's statement prepared bare on a connection of its own, with the pool's session settings."""
    connection = await asyncpg.connect(
        dsn,
        server_settings={
            "search_path": f"{quote_identifier(schema)}, public",
            "hnsw.ef_search": str(ef_search),
            "hnsw.iterative_scan": "strict_order",
        },
    )
    try:
        await register_vector_codec(connection, await extension_schema(connection))
        yield await connection.prepare(_BARE_SEARCH)
    finally:
        await connection.close()


async def _drop(dsn: str, *schemas: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        for schema in schemas:
            await connection.execute(f"DROP SCHEMA IF EXISTS {quote_identifier(schema)} CASCADE")
    finally:
        await connection.close()


def run_sync(dsn: str, size: int, queries: int, clusters: int, ef_search: int) -> PostgresReport:
    return asyncio.run(run(dsn, size, queries, clusters, ef_search))
