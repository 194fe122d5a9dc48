"""recall end to end: strategies, fusion, filters pushed down or applied, budgets, several banks, trace."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from astrocyte.engine import Astrocyte
from astrocyte.pipeline.tokens import estimate_tokens
from astrocyte.stores.memory import MemoryDocumentStore, MemoryVectorStore
from astrocyte.types import (
    DocumentFilters,
    DocumentHit,
    DocumentStoreCapabilities,
    VectorFilters,
    VectorHit,
    VectorStoreCapabilities,
)

from .conftest import MakeEngine, config_for

JANUARY = datetime(2024, 1, 15, tzinfo=UTC)
MARCH = datetime(2024, 3, 15, tzinfo=UTC)

MEMORIES = [
    {
        "content": "Alice adopted a grey cat named Pixel.",
        "tags": ["pets", "alice"],
        "occurred_at": JANUARY,
        "metadata": {"room": "kitchen", "verified": True},
    },
    {
        "content": "Bob adopted a dog and walks it in the park.",
        "tags": ["pets", "bob"],
        "occurred_at": MARCH,
        "metadata": {"room": "garden", "verified": 1},
    },
    {
        "content": "Alice fixed the kitchen sink with a wrench.",
        "tags": ["chores", "alice"],
        "metadata": {"room": "kitchen"},
    },
    {"content": "The park opens at eight in the morning.", "tags": ["places"]},
]


async def seeded(engine: Astrocyte, bank_id: str = "home") -> Astrocyte:
    await engine.retain_many(MEMORIES, bank_id)
    return engine


async def texts(engine: Astrocyte, query: str, bank_id: str = "home", **options: object) -> list[str]:
    return [hit.text for hit in (await engine.recall(query, bank_id, **options)).hits]


async def test_hits_say_which_strategies_found_them_and_at_what_rank(engine: Astrocyte) -> None:
    await seeded(engine)
    result = await engine.recall("What did Alice adopt?", "home")
    best = result.hits[0]
    assert best.text == "Alice adopted a grey cat named Pixel."
    assert set(best.strategies) == {"semantic", "keyword", "graph"}
    assert all(rank >= 1 for hit in result.hits for rank in hit.strategies.values())
    assert [hit.score for hit in result.hits] == sorted((hit.score for hit in result.hits), reverse=True)
    assert all(hit.bank_id == "home" for hit in result.hits)


async def test_trace_reports_strategies_candidates_timings_and_fusion(engine: Astrocyte) -> None:
    await seeded(engine)
    result = await engine.recall("Alice", "home")
    trace = result.trace
    assert trace is not None
    assert trace.strategies_used == ["semantic", "keyword", "graph"]
    assert set(trace.strategy_timings_ms) == set(trace.strategy_candidate_counts) == set(trace.strategies_used)
    assert all(milliseconds >= 0 for milliseconds in trace.strategy_timings_ms.values())
    assert trace.strategy_candidate_counts["graph"] == 2  # the two memories naming Alice
    assert trace.strategy_candidate_counts["keyword"] == 2
    assert trace.fusion_method == "weighted_score_fusion"  # the default fusion
    assert trace.total_candidates == result.total_available == 4
    assert trace.latency_ms is not None
    assert trace.latency_ms >= 0
    assert 0 < result.top_semantic_score <= 1


async def test_a_strategy_weighted_zero_does_not_run(make_engine: MakeEngine) -> None:
    engine = await seeded(await make_engine(engine={"recall": {"weights": {"graph": 0, "keyword": 0}}}))
    result = await engine.recall("Alice", "home")
    assert result.trace is not None
    assert result.trace.strategies_used == ["semantic"]
    assert all(set(hit.strategies) == {"semantic"} for hit in result.hits)


async def test_weights_change_the_fused_order(make_engine: MakeEngine) -> None:
    """With semantic off, a keyword-only match outranks everything keyword does not find."""
    engine = await seeded(await make_engine(engine={"recall": {"weights": {"semantic": 0, "graph": 0}}}))
    assert await texts(engine, "wrench") == ["Alice fixed the kitchen sink with a wrench."]


async def test_limit_and_truncation(engine: Astrocyte) -> None:
    await seeded(engine)
    result = await engine.recall("adopted", "home", limit=2)
    assert len(result.hits) == 2
    assert result.truncated
    assert result.total_available == 4


async def test_max_tokens_keeps_hits_in_order_while_they_fit(engine: Astrocyte) -> None:
    await seeded(engine)
    everything = (await engine.recall("Alice adopted", "home")).hits
    budget = estimate_tokens(everything[0].text) + estimate_tokens(everything[1].text)
    trimmed = await engine.recall("Alice adopted", "home", max_tokens=budget)
    assert [hit.text for hit in trimmed.hits] == [hit.text for hit in everything[:2]]
    assert trimmed.truncated
    tiny = await engine.recall("Alice adopted", "home", max_tokens=1)
    assert tiny.hits == []
    assert tiny.truncated


async def test_filters_apply_to_every_strategy(engine: Astrocyte) -> None:
    """Tags (any/all), time range and metadata narrow what every leg returns."""
    await seeded(engine)
    assert set(await texts(engine, "Alice adopted kitchen", tags=["chores"])) == {
        "Alice fixed the kitchen sink with a wrench."
    }
    assert set(await texts(engine, "Alice", tags=["pets", "bob"])) == {
        "Alice adopted a grey cat named Pixel.",
        "Bob adopted a dog and walks it in the park.",
    }
    assert await texts(engine, "Alice", tags=["pets", "alice"], tag_match="all") == [
        "Alice adopted a grey cat named Pixel."
    ]
    in_march = (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 31, tzinfo=UTC))
    assert await texts(engine, "Alice adopted", time_range=in_march) == ["Bob adopted a dog and walks it in the park."]
    assert set(await texts(engine, "Alice", metadata_filters={"room": "kitchen"})) == {
        "Alice adopted a grey cat named Pixel.",
        "Alice fixed the kitchen sink with a wrench.",
    }
    assert await texts(engine, "adopted", metadata_filters={"verified": True}) == [
        "Alice adopted a grey cat named Pixel."
    ]


class BlindVectors(MemoryVectorStore):
    """Declares it filters on nothing and ignores filters: the engine must filter this leg itself."""

    received: ClassVar[list[VectorFilters | None]] = []

    def capabilities(self) -> VectorStoreCapabilities:
        return VectorStoreCapabilities(
            filter_tags=False, filter_time_range=False, filter_metadata=False, exact_search=True, count=True
        )

    async def search_similar(
        self, query_vector: list[float], bank_id: str, limit: int = 10, filters: VectorFilters | None = None
    ) -> list[VectorHit]:
        type(self).received.append(filters)
        return await super().search_similar(query_vector, bank_id, limit)


class AnyTagDocuments(MemoryDocumentStore):
    """Filters tags with "any" only (the published default), and declares it."""

    received: ClassVar[list[DocumentFilters | None]] = []

    def capabilities(self) -> DocumentStoreCapabilities:
        return DocumentStoreCapabilities(filter_tag_match_all=False, batch_store=True)

    async def search_fulltext(
        self, query: str, bank_id: str, limit: int = 10, filters: DocumentFilters | None = None
    ) -> list[DocumentHit]:
        type(self).received.append(filters)
        widened = None if filters is None else replace(filters, tag_match="any")
        return await super().search_fulltext(query, bank_id, limit, widened)


async def test_filters_a_store_declares_it_cannot_apply_are_applied_by_the_engine(tmp_path: Path) -> None:
    """Nothing is pushed to a store that declares it cannot filter, and hits still meet every filter."""
    BlindVectors.received.clear()
    AnyTagDocuments.received.clear()
    config = config_for(
        "memory", tmp_path, vector_store=f"{__name__}:BlindVectors", document_store=f"{__name__}:AnyTagDocuments"
    )
    async with Astrocyte.from_config_dict(config) as engine:
        await seeded(engine)
        in_march = (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 31, tzinfo=UTC))
        assert await texts(engine, "adopted", time_range=in_march) == ["Bob adopted a dog and walks it in the park."]
        assert await texts(engine, "Alice adopted", tags=["pets", "alice"], tag_match="all") == [
            "Alice adopted a grey cat named Pixel."
        ]
        assert await texts(engine, "adopted", metadata_filters={"room": "garden"}) == [
            "Bob adopted a dog and walks it in the park."
        ]
    assert BlindVectors.received == [None] * 4  # "Alice adopted" names Alice: its masked form is searched too
    assert AnyTagDocuments.received == [
        None,  # documents have no time range: the engine checks the mirrored occurred_at
        DocumentFilters(tags=["pets", "alice"], tag_match="any"),  # a superset; the engine narrows to "all"
        DocumentFilters(metadata_filters={"room": "garden"}),
    ]


async def test_graph_strategy_runs_on_the_entities_a_query_names(engine: Astrocyte) -> None:
    """A query naming no stored entity gets nothing from the graph; naming one, its memories first,
    then (one hop away) the memories of entities named with it."""
    await seeded(engine)
    by_name = await engine.recall("pixel", "home")  # lower case still names the entity "Pixel"
    graph_order = sorted(
        (hit for hit in by_name.hits if "graph" in hit.strategies), key=lambda hit: hit.strategies["graph"]
    )
    assert [hit.text for hit in graph_order] == [
        "Alice adopted a grey cat named Pixel.",
        "Alice fixed the kitchen sink with a wrench.",  # Alice is named with Pixel
    ]
    unnamed = await engine.recall("something about a sink", "home")
    assert unnamed.trace is not None
    assert unnamed.trace.strategy_candidate_counts["graph"] == 0


async def test_several_banks_merge_by_rank_not_by_score(engine: Astrocyte) -> None:
    """Each bank's best comes before any bank's second, whatever their raw scores."""
    await engine.retain_many(["Pixel the cat sleeps all day.", "Pixel the cat chases a red laser dot."], "alice")
    await engine.retain_many(["A photo is made of many pixels.", "The cat sat."], "bob")
    result = await engine.recall("Pixel the cat", banks=["bob", "alice"], limit=4)
    assert [hit.bank_id for hit in result.hits] == ["bob", "alice", "bob", "alice"]
    assert [hit.score for hit in result.hits] == sorted((hit.score for hit in result.hits), reverse=True)
    assert result.trace is not None
    assert result.trace.fusion_method == "weighted_score_fusion+bank_rank_merge"
    assert result.total_available == 4
    alone = await engine.recall("Pixel the cat", "alice")
    assert [hit.text for hit in result.hits if hit.bank_id == "alice"] == [hit.text for hit in alone.hits]


async def test_banks_never_leak(engine: Astrocyte) -> None:
    await engine.retain("Secret plans of the alice bank.", "alice")
    await engine.retain("Bob's grocery list.", "bob")
    assert await texts(engine, "secret plans", "bob") == ["Bob's grocery list."]
    assert await texts(engine, "anything", "nobody") == []


@pytest.mark.parametrize("limit", [1, 3])
async def test_limit_defaults_come_from_configuration(make_engine: MakeEngine, limit: int) -> None:
    engine = await seeded(await make_engine(defaults={"recall_limit": limit}))
    assert len((await engine.recall("adopted", "home")).hits) == limit


async def test_trace_names_the_configured_fusion(make_engine: MakeEngine) -> None:
    engine = await seeded(await make_engine(engine={"recall": {"fusion": "rrf"}}))
    single = await engine.recall("Alice", "home")
    several = await engine.recall("Alice", banks=["home", "elsewhere"])
    assert single.trace is not None
    assert several.trace is not None
    assert (single.trace.fusion_method, several.trace.fusion_method) == ("weighted_rrf", "weighted_rrf+bank_rank_merge")
