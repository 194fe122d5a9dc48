"""The core's end-to-end engine scenarios on Qdrant Edge: vectors and keyword documents in shards,
the other stores on the SQLite file, the hashing embedder (see :mod:`core_scenarios`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte_qdrant.edge_store import QdrantEdgeDocumentStore, QdrantEdgeVectorStore

from .core_scenarios import core_module, scenarios

MakeEngine = Callable[..., Awaitable[Astrocyte]]
_ON_EDGE = (ProviderKind.VECTOR_STORE, ProviderKind.DOCUMENT_STORE)


def edge_config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The core's SQLite configuration with vectors and documents moved to qdrant-edge shards;
    ``overrides`` replace top-level keys, as in the core's ``config_for``."""
    config: dict[str, Any] = core_module("conftest").config_for("sqlite", tmp_path, **overrides)
    for kind in _ON_EDGE:
        if kind.value not in overrides:
            config[kind.value] = "qdrant-edge"
            config[kind.config_key] = {"path": str(tmp_path / "qdrant")}
    return config


@pytest.fixture
async def make_engine(tmp_path: Path) -> AsyncIterator[MakeEngine]:
    made: list[Astrocyte] = []

    async def make(**overrides: Any) -> Astrocyte:
        engine = Astrocyte.from_config_dict(edge_config(tmp_path, **overrides))
        made.append(engine)
        return engine

    yield make
    for engine in made:
        await engine.close()


@pytest.fixture
async def engine(make_engine: MakeEngine) -> Astrocyte:
    return await make_engine()


async def test_the_engine_runs_on_edge(engine: Astrocyte) -> None:
    """The scenarios below really use the qdrant-edge stores, not the SQLite ones they replace."""
    providers = engine.providers
    assert isinstance(providers[ProviderKind.VECTOR_STORE], QdrantEdgeVectorStore)
    assert isinstance(providers[ProviderKind.DOCUMENT_STORE], QdrantEdgeDocumentStore)
    await engine.retain("Alice keeps bees on the roof.", "alice")
    result = await engine.recall("bees", "alice")
    assert result.trace is not None
    assert result.trace.strategies_used[:2] == ["semantic", "keyword"]
    assert await providers[ProviderKind.VECTOR_STORE].count_vectors("alice") == 1


async def test_recall_asks_a_hybrid_shard_once_for_both_legs(tmp_path: Path) -> None:
    """With ``hybrid: true`` and rank fusion the semantic and keyword legs become one prefetch + fusion
    query on the vector shard; the graph leg still runs beside it and the engine fuses the two."""
    config = edge_config(tmp_path)
    config["vector_store_config"]["hybrid"] = True
    config.setdefault("engine", {}).setdefault("recall", {})["fusion"] = "rrf"  # the fusion the shard performs
    async with Astrocyte.from_config_dict(config) as engine:
        await engine.retain_many(
            [
                "Alice keeps bees on the roof of the library.",
                "The library closes at nine on Fridays.",
                "Bob repairs bicycles in his garage.",
            ],
            "town",
        )
        result = await engine.recall("When does the library close?", "town", limit=3)
        assert result.trace is not None
        assert result.trace.strategies_used[0] == "hybrid"
        assert "semantic" not in result.trace.strategies_used
        assert "keyword" not in result.trace.strategies_used
        library = {"The library closes at nine on Fridays.", "Alice keeps bees on the roof of the library."}
        assert {hit.text for hit in result.hits[:2]} == library
        assert sorted(hit.strategies["hybrid"] for hit in result.hits[:2]) == [1, 2]
        tagged = await engine.recall("bicycles", "town", tags=["nothing-has-this"])
        assert tagged.hits == []


globals().update(scenarios())
