"""``python -m astrocyte_qdrant.bench``: Astrocyte on Qdrant Edge at 100k memories, beside the bare shard.

Loads ``count`` synthetic memories (:mod:`astrocyte.bench.corpus`, hashing-embedded at 384-d) into a
``qdrant-edge`` vector store (with text indexed for hybrid search) and document store, times the
upserts beside the bare shard's upsert of the very same points (prepared before the clock starts),
times ``optimize`` (HNSW and payload indexes), then times recall end to end through ``Astrocyte``
(embedding the query included) in three set-ups, each beside the one bare shard query that does the
same retrieval, in the same run (each timed pass follows an untimed one over the same queries, so
both read a warm page cache):

- ``semantic``: the semantic leg alone, beside one filtered ``Nearest`` query;
- ``semantic+keyword``: the default two legs (vector and document shards), beside the two queries;
- ``hybrid``: the one-query hybrid leg (prefetch + RRF), beside that fused query.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import qdrant_edge as edge

from astrocyte.bench.corpus import queries, sentences
from astrocyte.bench.timing import Latency, time_each, time_each_async
from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.engine import Astrocyte
from astrocyte.types import Document, VectorItem
from astrocyte_qdrant import payloads, sparse
from astrocyte_qdrant.backend import DENSE, SPARSE
from astrocyte_qdrant.edge_backend import EdgeBackend
from astrocyte_qdrant.edge_store import QdrantEdgeDocumentStore, QdrantEdgeVectorStore

BANK = "bench"
DIMENSIONS = 384
BATCH = 1000
LIMIT = 10


@dataclass(frozen=True)
class Throughput:
    astrocyte_per_second: float
    bare_per_second: float

    @property
    def ratio(self) -> float:
        """How many times longer Astrocyte took than the bare shard (1.0 = no overhead)."""
        return self.bare_per_second / self.astrocyte_per_second


@dataclass(frozen=True)
class RecallFigure:
    setup: str
    astrocyte: Latency
    bare: Latency

    @property
    def ratio(self) -> float:
        return self.astrocyte.p50_ms / self.bare.p50_ms


@dataclass(frozen=True)
class Report:
    count: int
    vector_upsert: Throughput
    document_upsert_per_second: float
    optimize_seconds: float
    recall: list[RecallFigure]

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": "qdrant-edge",
            "memories": self.count,
            "embedder": f"hashing ({DIMENSIONS}-d)",
            "vector_upsert": asdict(self.vector_upsert) | {"ratio": self.vector_upsert.ratio},
            "document_upsert_per_second": self.document_upsert_per_second,
            "optimize_seconds": self.optimize_seconds,
            "recall_top10": [asdict(figure) | {"ratio": figure.ratio} for figure in self.recall],
        }


async def run(count: int, query_count: int, folder: Path) -> Report:
    texts = sentences(count)
    asked = queries(query_count)
    embedder = HashingEmbedder(DIMENSIONS)
    vectors = [
        vector for start in range(0, count, BATCH) for vector in await embedder.embed(texts[start : start + BATCH])
    ]
    items = [
        VectorItem(id=f"m{index:07d}", bank_id=BANK, vector=vector, text=text)
        for index, (vector, text) in enumerate(zip(vectors, texts, strict=True))
    ]
    vector_store = QdrantEdgeVectorStore(str(folder), dimensions=DIMENSIONS, hybrid=True)
    ours = await _timed_batches(vector_store.store_vectors, items)
    bare = _bare_upsert(folder / "bare", items)
    document_store = QdrantEdgeDocumentStore(str(folder))
    documents = [Document(id=item.id, text=item.text) for item in items]
    document_seconds = await _timed_batches(lambda batch: document_store.store_documents(batch, BANK), documents)
    started = time.perf_counter()
    await vector_store.optimize()
    optimize_seconds = time.perf_counter() - started
    await cast(EdgeBackend, document_store.backend).optimize()
    await vector_store.close()
    await document_store.close()
    query_vectors = await embedder.embed(asked)
    recall = [
        await _recall(folder, "semantic", asked, query_vectors, hybrid=False, keyword=False),
        await _recall(folder, "semantic+keyword", asked, query_vectors, hybrid=False, keyword=True),
        await _recall(folder, "hybrid", asked, query_vectors, hybrid=True, keyword=True),
    ]
    return Report(count, Throughput(count / ours, count / bare), count / document_seconds, optimize_seconds, recall)


async def _timed_batches(store: Callable[[list[Any]], Any], rows: Sequence[Any]) -> float:
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        await store(list(rows[start : start + BATCH]))
    return time.perf_counter() - started


def _bare_upsert(path: Path, items: list[VectorItem]) -> float:
    """Seconds the bare shard takes to upsert the points the store wrote, built before timing."""
    config = edge.EdgeConfig(
        vectors={DENSE: edge.EdgeVectorParams(size=DIMENSIONS, distance=edge.Distance.Cosine)},
        sparse_vectors={SPARSE: edge.EdgeSparseVectorParams(modifier=edge.Modifier.Idf)},
    )
    shard = edge.EdgeShard.create(str(path), config)
    shard.update(edge.UpdateOperation.create_field_index(payloads.BANK, edge.KeywordIndexParams(is_tenant=True)))
    written_at = datetime.now(UTC)
    points = [
        edge.Point(
            payloads.point_id(item.bank_id, item.id),
            {DENSE: item.vector, SPARSE: _sparse(sparse.document_vector(item.text))},
            payloads.vector_payload(item, written_at),
        )
        for item in items
    ]
    started = time.perf_counter()
    for start in range(0, len(points), BATCH):
        shard.update(edge.UpdateOperation.upsert_points(points[start : start + BATCH]))
    seconds = time.perf_counter() - started
    shard.close()
    return seconds


async def _recall(
    folder: Path, setup: str, asked: list[str], query_vectors: list[list[float]], *, hybrid: bool, keyword: bool
) -> RecallFigure:
    config: dict[str, Any] = {
        "embedding_provider": "hashing",
        "embedding_provider_config": {"dimensions": DIMENSIONS},
        "vector_store": "qdrant-edge",
        "vector_store_config": {"path": str(folder), "dimensions": DIMENSIONS, "hybrid": hybrid},
        # rank fusion: the fusion the shard performs, so the hybrid leg can stand in for the two legs
        "engine": {"recall": {"fusion": "rrf", "weights": {"keyword": 1.0 if keyword else 0.0, "graph": 0.0}}},
    }
    if keyword:
        config |= {"document_store": "qdrant-edge", "document_store_config": {"path": str(folder)}}
    async with Astrocyte.from_config_dict(config) as engine:
        await time_each_async(lambda query: engine.recall(query, BANK, limit=LIMIT), asked)  # warm the page cache
        ours = await time_each_async(lambda query: engine.recall(query, BANK, limit=LIMIT), asked)
    shard = edge.EdgeShard.load(str(folder / "vectors"))
    document_shard = edge.EdgeShard.load(str(folder / "documents")) if keyword else None
    by_text = dict(zip(asked, query_vectors, strict=True))
    bank = edge.Filter(must=[edge.FieldCondition(key=payloads.BANK, match=edge.MatchValue(BANK))])
    fetch = LIMIT * 4  # the engine's default candidate_multiplier

    def bare(query: str) -> object:
        nearest = edge.Query.Nearest(by_text[query], using=DENSE)
        words = _sparse(sparse.query_vector(query))
        if setup == "hybrid":
            prefetches = [
                edge.Prefetch(limit=fetch, query=nearest, filter=bank),
                edge.Prefetch(limit=fetch, query=edge.Query.Nearest(words, using=SPARSE), filter=bank),
            ]
            fusion: Any = edge.Fusion.Rrf(k=60)
            return shard.query(edge.QueryRequest(limit=fetch, prefetches=prefetches, query=fusion, with_payload=True))
        found = shard.query(edge.QueryRequest(limit=fetch, query=nearest, filter=bank, with_payload=True))
        if document_shard is not None:
            keyword_query = edge.Query.Nearest(words, using=SPARSE)
            found += document_shard.query(
                edge.QueryRequest(limit=fetch, query=keyword_query, filter=bank, with_payload=True)
            )
        return found

    time_each(bare, asked)  # warm, as the engine was
    baseline = time_each(bare, asked)
    shard.close()
    if document_shard is not None:
        document_shard.close()
    return RecallFigure(setup, ours, baseline)


def _sparse(vector: sparse.Sparse) -> edge.SparseVector:
    return edge.SparseVector(vector.indices, vector.values)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m astrocyte_qdrant.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="memories to load (default 100000)")
    parser.add_argument("--queries", type=int, default=200, help="recall queries per set-up (default 200)")
    parser.add_argument("--report", type=Path, help="also write the figures to this JSON file")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="astrocyte-qdrant-bench-") as folder:
        report = asyncio.run(run(options.count, options.queries, Path(folder)))
    document = report.to_json()
    if options.report is not None:
        options.report.parent.mkdir(parents=True, exist_ok=True)
        options.report.write_text(json.dumps(document, indent=2), encoding="utf-8")
    print(_render(report))


def _render(report: Report) -> str:
    upsert = report.vector_upsert
    lines = [
        f"qdrant-edge, {report.count:,} memories, hashing embedder {DIMENSIONS}-d",
        f"vector upsert: astrocyte {upsert.astrocyte_per_second:,.0f}/s, bare shard {upsert.bare_per_second:,.0f}/s "
        f"(bare / astrocyte {upsert.ratio:.2f}x)",
        f"document upsert: {report.document_upsert_per_second:,.0f}/s",
        f"optimize (HNSW + payload indexes): {report.optimize_seconds:.1f} s",
        "recall top 10      astrocyte p50 / p95       bare p50 / p95       ratio (p50)",
    ]
    for figure in report.recall:
        lines.append(
            f"  {figure.setup:<16} {figure.astrocyte.p50_ms:7.2f} / {figure.astrocyte.p95_ms:7.2f} ms"
            f"   {figure.bare.p50_ms:7.2f} / {figure.bare.p95_ms:7.2f} ms   {figure.ratio:.2f}x"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
