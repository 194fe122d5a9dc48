"""The hybrid leg: semantic and keyword recall answered by the vector store in one round trip.

A vector store that declares ``hybrid_search`` ranks its own memories' text by keyword too and fuses
both rankings by weighted reciprocal rank itself (Qdrant does it with prefetch + fusion in one
query). Under ``fusion: rrf`` recall then runs this one leg in place of the semantic and keyword
legs, when both would have run: the semantic and keyword weights are above 0 and a document store
is configured (the engine mirrors every memory's text into it, so the store's own text is the same
corpus). The graph
leg still runs beside it, and the engine fuses it with the hybrid ranking, whose weight is the sum
of the two it replaces. Its hits report the strategy ``hybrid`` (their rank in the store's fused
list), because the store does not say which leg found each memory; ``top_semantic_score`` stays
0, because a fused score is not a similarity.
"""

from __future__ import annotations

import time
from typing import Protocol, cast

from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.filters import RecallFilters
from astrocyte.pipeline.records import MemoryRecord
from astrocyte.pipeline.strategies import Leg
from astrocyte.spi import VectorStore, capabilities_of
from astrocyte.types import VectorFilters, VectorHit

HYBRID = "hybrid"


class _SearchesHybrid(Protocol):
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
    ) -> list[VectorHit]: ...


def replaces_semantic_and_keyword(ctx: EngineContext) -> bool:
    """Whether recall should run the hybrid leg instead of the semantic and keyword legs: only under
    ``fusion: rrf``, the fusion the store performs; score fusion needs each leg's own scores."""
    settings = ctx.settings.recall
    weights = settings.weights
    return (
        settings.fusion == "rrf"
        and weights.semantic > 0
        and weights.keyword > 0
        and ctx.documents is not None
        and capabilities_of(ctx.vectors, VectorStore).hybrid_search
    )


def weight(ctx: EngineContext) -> float:
    """The hybrid ranking's weight in the engine's fusion: the two weights it stands for."""
    weights = ctx.settings.recall.weights
    return weights.semantic + weights.keyword


async def hybrid(
    ctx: EngineContext, query: str, query_vector: list[float], bank_id: str, fetch: int, filters: RecallFilters
) -> Leg:
    started = time.perf_counter()
    settings = ctx.settings.recall
    pushed, residual = filters.for_vectors(capabilities_of(ctx.vectors, VectorStore))
    hits = await cast(_SearchesHybrid, ctx.vectors).search_hybrid(
        query_vector,
        query,
        bank_id,
        limit=fetch,
        filters=pushed,
        semantic_weight=settings.weights.semantic,
        keyword_weight=settings.weights.keyword,
        rrf_k=settings.rrf_k,
    )
    records = [MemoryRecord.from_vector_hit(hit) for hit in hits]
    kept = records if residual.empty else [record for record in records if residual.admits(record)]
    return Leg(HYBRID, kept, (time.perf_counter() - started) * 1000)
