"""recall: the strategies run concurrently per bank, fuse by weighted RRF, then trim to the budget.

Each strategy whose weight is above 0 and whose store is configured runs (semantic needs only the
vector store; keyword a document store; graph a graph and a document store) and fetches
``limit * engine.recall.candidate_multiplier`` candidates. Several banks are recalled concurrently and
merged by fused rank (:func:`astrocyte.pipeline.fusion.merge_banks`). The result is trimmed to
``limit`` hits, then to ``max_tokens`` by the estimate of :mod:`astrocyte.pipeline.tokens`: hits are
kept in order while their texts fit, and the first that does not fit ends the list.

A vector store that declares ``hybrid_search`` answers the semantic and keyword legs in one query
(:mod:`astrocyte.pipeline.hybrid`). Under score fusion a query that names something is embedded
twice in one embedder call, as written and with its names masked out; the masked one is scored
against every candidate the legs found, from the vectors the store keeps (``id_scores``; on a store
without it the semantic leg searches with both), a feature of :mod:`astrocyte.pipeline.rerank`.

The trace lists the strategies that ran, each one's candidates (after filtering, summed over banks)
and milliseconds (the slowest bank's; the semantic leg includes embedding the query), the total of
distinct fused candidates, the fusion method and the whole call's latency.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from astrocyte.pipeline import hybrid, strategies
from astrocyte.pipeline.abilities import scores_ids
from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.filters import RecallFilters
from astrocyte.pipeline.fusion import fuse, merge_banks
from astrocyte.pipeline.query_analysis import QueryAnalysis
from astrocyte.pipeline.rerank import score_fuse
from astrocyte.pipeline.strategies import Leg
from astrocyte.pipeline.tokens import estimate_tokens
from astrocyte.types import MemoryHit, RecallResult, RecallTrace

#: How each fusion setting is named in the trace; several banks add the rank merge across banks.
FUSION_METHODS = {"scores": "weighted_score_fusion", "rrf": "weighted_rrf"}
BANK_MERGE = "+bank_rank_merge"


@dataclass(frozen=True)
class _BankRecall:
    """A bank's best ``limit`` fused hits, how many candidates were fused, and the legs that ran."""

    hits: list[MemoryHit]
    candidates: int
    legs: list[Leg]


async def recall(
    ctx: EngineContext,
    query: str,
    bank_ids: Sequence[str],
    *,
    limit: int,
    max_tokens: int | None,
    filters: RecallFilters,
) -> RecallResult:
    """Recall ``query`` from ``bank_ids`` (already checked) with checked arguments."""
    started = time.perf_counter()
    weights = ctx.settings.recall.weights
    embedding_ms, vectors = 0.0, None
    if weights.semantic > 0:
        embedding_started = time.perf_counter()
        vectors = await query_vectors(ctx, query)
        embedding_ms = (time.perf_counter() - embedding_started) * 1000
    banks = await asyncio.gather(*(_recall_bank(ctx, query, vectors, bank_id, limit, filters) for bank_id in bank_ids))
    k = ctx.settings.recall.rrf_k
    ranked = banks[0].hits if len(banks) == 1 else merge_banks([bank.hits for bank in banks], k)
    hits = _within_budget(ranked[:limit], max_tokens)
    legs = [leg for bank in banks for leg in bank.legs]
    candidates = sum(bank.candidates for bank in banks)
    trace = RecallTrace(
        strategies_used=list(dict.fromkeys(leg.name for leg in legs)),
        total_candidates=candidates,
        fusion_method=FUSION_METHODS[ctx.settings.recall.fusion] + ("" if len(banks) == 1 else BANK_MERGE),
        latency_ms=(time.perf_counter() - started) * 1000,
        strategy_timings_ms=_slowest(legs, embedding_ms),
        strategy_candidate_counts=_summed(legs),
    )
    top_semantic = max((leg.top_score for leg in legs if leg.name == strategies.SEMANTIC), default=0.0)
    return RecallResult(
        hits=hits,
        total_available=candidates,
        truncated=len(hits) < candidates,
        trace=trace,
        top_semantic_score=top_semantic,
    )


@dataclass(frozen=True)
class QueryVectors:
    """The query's embedding and, under score fusion when the query names something, the embedding of
    the query with its names masked out (a feature of :mod:`astrocyte.pipeline.rerank`)."""

    query: list[float]
    masked: list[float] | None = None


async def query_vectors(ctx: EngineContext, query: str) -> QueryVectors:
    """Both embeddings in one call to the embedder."""
    masked = QueryAnalysis.of(query).masked(query) if ctx.settings.recall.fusion == "scores" else query
    if masked == query:
        [vector] = await ctx.embedder.embed([query])
        return QueryVectors(vector)
    vector, masked_vector = await ctx.embedder.embed([query, masked])
    return QueryVectors(vector, masked_vector)


async def bank_legs(
    ctx: EngineContext, query: str, vectors: QueryVectors | None, bank_id: str, fetch: int, filters: RecallFilters
) -> list[Leg]:
    """The legs recall runs in one bank, each fetching ``fetch`` candidates (``vectors``: ``None`` when
    the semantic weight is 0)."""
    weights = ctx.settings.recall.weights
    runs: list[Awaitable[Leg]] = []
    in_store = vectors is not None and hybrid.replaces_semantic_and_keyword(ctx)
    masked = None if vectors is None or in_store else vectors.masked
    pooled = masked is not None and scores_ids(ctx.vectors)  # else the semantic leg's second search
    if vectors is not None and in_store:
        runs.append(hybrid.hybrid(ctx, query, vectors.query, bank_id, fetch, filters))
    elif vectors is not None:
        runs.append(strategies.semantic(ctx, vectors.query, bank_id, fetch, filters, None if pooled else masked))
    if weights.keyword > 0 and ctx.documents is not None and not in_store:
        # A task now, so it starts before the legs above (gather starts them in its turn): the
        # embedded store hands its FTS5 ranking to a worker thread, which then runs beside this
        # thread's semantic and graph work instead of waiting for an inline semantic search.
        runs.append(asyncio.ensure_future(strategies.keyword(ctx, query, bank_id, fetch, filters)))
    if weights.graph > 0 and ctx.graph is not None and ctx.documents is not None:
        runs.append(strategies.graph(ctx, query, bank_id, fetch, filters))
    legs = list(await asyncio.gather(*runs))
    return await strategies.with_masked_scores(ctx, legs, masked, bank_id) if pooled and masked else legs


async def _recall_bank(
    ctx: EngineContext,
    query: str,
    vectors: QueryVectors | None,
    bank_id: str,
    limit: int,
    filters: RecallFilters,
) -> _BankRecall:
    weights = ctx.settings.recall.weights
    legs = await bank_legs(ctx, query, vectors, bank_id, limit * ctx.settings.recall.candidate_multiplier, filters)
    weight_of = {
        strategies.SEMANTIC: weights.semantic,
        strategies.KEYWORD: weights.keyword,
        strategies.GRAPH: weights.graph,
        hybrid.HYBRID: hybrid.weight(ctx),
    }
    settings = ctx.settings.recall
    if settings.fusion == "scores":
        fused = score_fuse(legs, query, settings.feature_weights, settings.episode_margin)
    else:
        fused = fuse([(leg.name, weight_of[leg.name], leg.records) for leg in legs], settings.rrf_k)
    hits = [entry.record.to_hit(entry.score, entry.ranks, bank_id) for entry in fused[:limit]]
    return _BankRecall(hits, len(fused), legs)


def _within_budget(hits: list[MemoryHit], max_tokens: int | None) -> list[MemoryHit]:
    if max_tokens is None:
        return hits
    kept, used = [], 0
    for hit in hits:
        used += estimate_tokens(hit.text)
        if used > max_tokens:
            break
        kept.append(hit)
    return kept


def _slowest(legs: list[Leg], embedding_ms: float) -> dict[str, float]:
    timings: dict[str, float] = {}
    for leg in legs:
        spent = leg.milliseconds + (embedding_ms if leg.name in (strategies.SEMANTIC, hybrid.HYBRID) else 0.0)
        timings[leg.name] = max(timings.get(leg.name, 0.0), spent)
    return timings


def _summed(legs: list[Leg]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for leg in legs:
        counts[leg.name] = counts.get(leg.name, 0) + len(leg.records)
    return counts
