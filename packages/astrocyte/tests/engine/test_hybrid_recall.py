"""recall through a vector store that declares ``hybrid_search``: one leg instead of two.

``HybridVectors`` is the in-memory store plus a real hybrid search: it ranks the items that pass
the filters by cosine and by BM25 over their own text (the core's :class:`Bm25Index`) and fuses the
two rankings by weighted RRF, as Qdrant does in one query. The engine must call it in place of its
semantic and keyword legs, and its ranking must agree with the two legs the engine would fuse itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from astrocyte.engine import Astrocyte
from astrocyte.pipeline.fusion import fuse
from astrocyte.pipeline.records import MemoryRecord
from astrocyte.stores.memory import MemoryVectorStore
from astrocyte.stores.memory._bm25 import Bm25Index
from astrocyte.text import words
from astrocyte.types import VectorFilters, VectorHit, VectorStoreCapabilities

from .conftest import config_for

MEMORIES = [
    {"content": "Alice adopted a grey cat named Pixel.", "tags": ["pets"]},
    {"content": "Bob adopted a dog and walks it in the park.", "tags": ["pets"]},
    {"content": "Alice fixed the kitchen sink with a wrench.", "tags": ["chores"]},
    {"content": "The park opens at eight in the morning.", "tags": ["places"]},
    {"content": "A wrench and a hammer hang in the garage.", "tags": ["chores"]},
]


class HybridVectors(MemoryVectorStore):
    """The in-memory vector store with a real ``search_hybrid``, declared in its capabilities."""

    calls = 0

    def capabilities(self) -> VectorStoreCapabilities:
        return VectorStoreCapabilities(filter_tag_match_all=True, exact_search=True, hybrid_search=True)

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
        type(self).calls += 1
        everything = await self.search_similar(query_vector, bank_id, limit=10_000, filters=filters)
        index = Bm25Index()
        for hit in everything:
            index.add(hit.id, words(hit.text))
        scores = index.scores(words(query))
        by_id = {hit.id: hit for hit in everything}
        matched = [index.index.ids[row] for row in np.argsort(-scores, kind="stable") if scores[row] > 0]
        records = {hit.id: MemoryRecord.from_vector_hit(hit) for hit in everything}
        fused = fuse(
            [
                ("semantic", semantic_weight, [records[hit.id] for hit in everything[:limit]]),
                ("keyword", keyword_weight, [records[hit_id] for hit_id in matched[:limit]]),
            ],
            rrf_k,
        )
        hits = []
        for entry in fused[:limit]:
            hit = by_id[entry.record.memory_id]
            hits.append(VectorHit(**{**vars(hit), "score": entry.score}))
        return hits


def _engine(tmp_path: Path, vector_store: str, **overrides: Any) -> Astrocyte:
    config = config_for("memory", tmp_path, vector_store=vector_store, **overrides)
    config.setdefault("engine", {}).setdefault("recall", {}).update(fusion="rrf", weights={"graph": 0.0})
    return Astrocyte.from_config_dict(config)


async def test_recall_runs_one_hybrid_leg_ranked_like_the_two_legs_it_replaces(tmp_path: Path) -> None:
    hybrid = _engine(tmp_path, f"{__name__}:HybridVectors")
    plain = _engine(tmp_path, "memory")
    for engine in (hybrid, plain):
        await engine.retain_many(MEMORIES, "home")
    calls_before = HybridVectors.calls
    for query in ("wrench in the kitchen", "who adopted a cat", "park"):
        fused = await hybrid.recall(query, "home", limit=4)
        separate = await plain.recall(query, "home", limit=4)
        assert [hit.text for hit in fused.hits] == [hit.text for hit in separate.hits], query
        assert fused.trace is not None
        assert fused.trace.strategies_used == ["hybrid"]
        assert set(fused.trace.strategy_timings_ms) == {"hybrid"}
        assert [hit.strategies for hit in fused.hits] == [{"hybrid": rank} for rank in range(1, len(fused.hits) + 1)]
    assert HybridVectors.calls == calls_before + 3
    await hybrid.close()
    await plain.close()


async def test_hybrid_leg_honours_filters(tmp_path: Path) -> None:
    engine = _engine(tmp_path, f"{__name__}:HybridVectors")
    await engine.retain_many(MEMORIES, "home")
    result = await engine.recall("wrench park cat", "home", tags=["chores"])
    assert {hit.text for hit in result.hits} == {
        "Alice fixed the kitchen sink with a wrench.",
        "A wrench and a hammer hang in the garage.",
    }
    await engine.close()


async def test_without_a_keyword_leg_the_store_is_asked_for_similarity_only(tmp_path: Path) -> None:
    """Weighted 0, the keyword leg would not run, so neither does the hybrid one."""
    config = config_for("memory", tmp_path, vector_store=f"{__name__}:HybridVectors")
    config["engine"] = {"recall": {"fusion": "rrf", "weights": {"keyword": 0.0, "graph": 0.0}}}
    engine = Astrocyte.from_config_dict(config)
    await engine.retain_many(MEMORIES, "home")
    calls_before = HybridVectors.calls
    result = await engine.recall("wrench", "home")
    assert result.trace is not None
    assert result.trace.strategies_used == ["semantic"]
    assert HybridVectors.calls == calls_before
    await engine.close()


async def test_score_fusion_keeps_its_own_two_legs(tmp_path: Path) -> None:
    """The store fuses by rank; ``fusion: scores`` needs each leg's scores, so it runs both legs itself."""
    config = config_for("memory", tmp_path, vector_store=f"{__name__}:HybridVectors")
    config["engine"] = {"recall": {"fusion": "scores", "weights": {"graph": 0.0}}}
    engine = Astrocyte.from_config_dict(config)
    await engine.retain_many(MEMORIES, "home")
    calls_before = HybridVectors.calls
    result = await engine.recall("wrench in the kitchen", "home")
    assert result.trace is not None
    assert sorted(result.trace.strategies_used) == ["keyword", "semantic"]
    assert HybridVectors.calls == calls_before
    assert result.hits[0].text == "Alice fixed the kitchen sink with a wrench."
    await engine.close()
