"""The recall legs: semantic (vectors), keyword (full text) and graph (entities the query names).

Each leg returns its memories best first, with the filters its store could not apply checked by the
engine (see :mod:`astrocyte.pipeline.filters`), and its own time. Graph hits carry memory ids only;
their text and fields come from the memories' documents, so the graph leg needs a document store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from astrocyte.pipeline.abilities import get_documents, neighbour_memories, scores_of_ids, search_each
from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.entities import query_entity_ids
from astrocyte.pipeline.filters import RecallFilters
from astrocyte.pipeline.records import MemoryRecord
from astrocyte.spi import DocumentStore, VectorStore, capabilities_of
from astrocyte.types import VectorHit

SEMANTIC = "semantic"
KEYWORD = "keyword"
GRAPH = "graph"


@dataclass(frozen=True)
class Leg:
    """One strategy's answer in one bank."""

    name: str
    records: list[MemoryRecord]
    milliseconds: float
    top_score: float = 0.0
    #: Each record's own score (cosine similarity, BM25), when the strategy has one.
    scores: list[float] | None = None
    #: The semantic leg only: cosine similarity to the query with its names masked out
    #: (:meth:`astrocyte.pipeline.query_analysis.QueryAnalysis.masked`) of every candidate of the
    #: bank's legs (:func:`with_masked_scores`), or, on a store without ``id_scores``, of the memories
    #: a second search for it found; ``None`` when the query names nothing, so the masked query is the query.
    masked_scores: dict[str, float] | None = None


async def semantic(
    ctx: EngineContext,
    query_vector: list[float],
    bank_id: str,
    fetch: int,
    filters: RecallFilters,
    masked_vector: list[float] | None = None,
) -> Leg:
    """The memories nearest ``query_vector``; with ``masked_vector`` (the query's names masked out), the
    cosines of the memories nearest that too, as ``masked_scores`` (both searches in one batch when
    the store declares ``batch_search``)."""
    started = time.perf_counter()
    pushed, residual = filters.for_vectors(capabilities_of(ctx.vectors, VectorStore))
    if masked_vector is None:  # one search: the store's own path for it (SQLite's runs inline on small banks)
        found = [await ctx.vectors.search_similar(query_vector, bank_id, limit=fetch, filters=pushed)]
    else:
        found = await search_each(ctx.vectors, [query_vector, masked_vector], bank_id, fetch, pushed)
    kept, *masked_kept = [
        [(record, score) for record, score in _scored(hits) if residual.empty or residual.admits(record)]
        for hits in found
    ]
    masked = {record.memory_id: score for record, score in masked_kept[0]} if masked_kept else None
    top_score = max((score for _, score in kept), default=0.0)
    records, scores = [record for record, _ in kept], [score for _, score in kept]
    return Leg(SEMANTIC, records, _since(started), top_score, scores, masked)


async def with_masked_scores(
    ctx: EngineContext, legs: list[Leg], masked_vector: list[float], bank_id: str
) -> list[Leg]:
    """``legs`` with the semantic leg's ``masked_scores`` read for the whole candidate pool (the
    ~100-150 memories the legs found) from the vectors the store keeps (declared ``id_scores``): a
    gather of those rows instead of a second search over the bank. Its time counts in that leg's."""
    started = time.perf_counter()
    pool = list(dict.fromkeys(record.memory_id for leg in legs for record in leg.records))
    masked = await scores_of_ids(ctx.vectors, masked_vector, pool, bank_id) if pool else {}
    spent = _since(started)
    return [
        replace(leg, masked_scores=masked, milliseconds=leg.milliseconds + spent) if leg.name == SEMANTIC else leg
        for leg in legs
    ]


def _scored(hits: list[VectorHit]) -> list[tuple[MemoryRecord, float]]:
    return [(MemoryRecord.from_vector_hit(hit), hit.score) for hit in hits]


async def keyword(ctx: EngineContext, query: str, bank_id: str, fetch: int, filters: RecallFilters) -> Leg:
    started = time.perf_counter()
    documents = _documents(ctx)
    pushed, residual = filters.for_documents(capabilities_of(documents, DocumentStore))
    hits = await documents.search_fulltext(query, bank_id, limit=fetch, filters=pushed)
    scored = [
        (MemoryRecord.from_document(hit.document_id, hit.text, hit.tags, hit.metadata), hit.score) for hit in hits
    ]
    kept = [(record, score) for record, score in scored if residual.empty or residual.admits(record)]
    return Leg(KEYWORD, [record for record, _ in kept], _since(started), scores=[score for _, score in kept])


async def graph(ctx: EngineContext, query: str, bank_id: str, fetch: int, filters: RecallFilters) -> Leg:
    started = time.perf_counter()
    documents = _documents(ctx)
    assert ctx.graph is not None  # the caller runs this leg only with a graph store
    seeds = query_entity_ids(query)
    depth = ctx.settings.recall.graph_max_depth
    hits = await neighbour_memories(ctx.graph, seeds, bank_id, depth, fetch)
    found = await get_documents(documents, [hit.memory_id for hit in hits], bank_id)  # in the graph's order
    records = [
        MemoryRecord.from_document(document.id, document.text, document.tags, document.metadata) for document in found
    ]
    return Leg(GRAPH, _admitted(records, filters), _since(started))


def _documents(ctx: EngineContext) -> DocumentStore:
    assert ctx.documents is not None  # the caller runs document-backed legs only with a document store
    return ctx.documents


def _admitted(records: list[MemoryRecord], residual: RecallFilters) -> list[MemoryRecord]:
    return records if residual.empty else [record for record in records if residual.admits(record)]


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
