"""forget by every selector, on every store: vectors, documents and graph all lose the memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.pipeline.dedup import content_id
from astrocyte.pipeline.entities import query_entity_ids
from astrocyte.stores.memory import MemoryVectorStore
from astrocyte.types import VectorStoreCapabilities

from ._helpers import found_by, memory_count
from .conftest import config_for

PIXEL = "Alice adopted a cat named Pixel."
REX = "Bob adopted a dog named Rex."
TOMATO = "Carol grows tomatoes named Rosso."


async def seeded(engine: Astrocyte) -> dict[str, str]:
    """Three memories in bank "home" (and a copy of one in "away"); returns text -> memory id."""
    results = await engine.retain_many(
        [
            {"content": PIXEL, "tags": ["pets"]},
            {"content": REX, "tags": ["pets", "dogs"]},
            {"content": TOMATO, "tags": ["garden"]},
        ],
        "home",
    )
    await engine.retain(PIXEL, "away", tags=["pets"])
    return {text: result.memory_id or "" for text, result in zip((PIXEL, REX, TOMATO), results, strict=True)}


async def remaining(engine: Astrocyte) -> set[str]:
    """Texts any strategy still finds in "home"; also checks that every store agrees with the vectors."""
    query = "Alice Pixel Bob Rex Carol Rosso adopted named"
    found = await found_by(engine, query, "home")
    semantic = found.get("semantic", set())
    assert found.get("keyword", set()) <= semantic
    assert found.get("graph", set()) <= semantic
    assert len(semantic) == await memory_count(engine, "home")
    graph = engine.providers[ProviderKind.GRAPH_STORE]
    linked = await graph.query_neighbors(query_entity_ids(query), "home", max_depth=0, limit=100)
    assert {hit.memory_id for hit in linked} == {content_id(text) for text in semantic}  # no stale graph rows
    return semantic


async def test_forget_by_ids_removes_from_every_store(engine: Astrocyte) -> None:
    ids = await seeded(engine)
    result = await engine.forget("home", memory_ids=[ids[PIXEL], "no-such-id"])
    assert result.deleted_count == 1
    assert await remaining(engine) == {REX, TOMATO}
    assert await found_by(engine, "Pixel", "home") == {"semantic": {REX, TOMATO}}  # no keyword or graph trace
    assert await memory_count(engine, "away") == 1


async def test_forget_by_tags_matches_any_tag(engine: Astrocyte) -> None:
    await seeded(engine)
    assert (await engine.forget("home", tags=["dogs", "garden"])).deleted_count == 2
    assert await remaining(engine) == {PIXEL}
    assert await memory_count(engine, "away") == 1


async def test_forget_before_an_instant(engine: Astrocyte) -> None:
    await engine.retain(PIXEL, "home")
    await asyncio.sleep(0.01)
    cutoff = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await engine.retain(REX, "home")
    assert (await engine.forget("home", before=cutoff)).deleted_count == 1
    assert await remaining(engine) == {REX}


async def test_selectors_combine_as_and(engine: Astrocyte) -> None:
    ids = await seeded(engine)
    result = await engine.forget("home", memory_ids=[ids[PIXEL], ids[TOMATO]], tags=["pets"])
    assert result.deleted_count == 1
    assert await remaining(engine) == {REX, TOMATO}
    assert (await engine.forget("home", tags=["pets"], before=datetime(2000, 1, 1, tzinfo=UTC))).deleted_count == 0


async def test_forget_all_empties_the_bank_everywhere(engine: Astrocyte) -> None:
    await seeded(engine)
    assert (await engine.forget("home", all=True)).deleted_count == 3
    assert await remaining(engine) == set()
    assert await memory_count(engine, "away") == 1
    assert {bank.bank_id for bank in await engine.list_banks()} == {"home", "away"}  # the record stays


async def test_forgotten_text_can_be_retained_again(engine: Astrocyte) -> None:
    ids = await seeded(engine)
    await engine.forget("home", memory_ids=[ids[PIXEL]])
    again = await engine.retain(PIXEL, "home")
    assert again.stored
    assert again.memory_id == ids[PIXEL]


#: Without a declared count the engine searches the bank for near duplicates of every new memory,
#: which is slow on 1200 memories and beside the point here.
NO_NEAR_DEDUP = {"retain": {"near_duplicate_threshold": None}}


class PlainVectors(MemoryVectorStore):
    """Declares only the published methods: no delete_bank, no count."""

    def capabilities(self) -> VectorStoreCapabilities:
        return VectorStoreCapabilities(filter_tag_match_all=True, exact_search=True)


async def test_every_selector_works_on_a_store_with_only_the_published_methods(tmp_path: Path) -> None:
    """Without delete_bank or count, forget pages through list_vectors: no "not supported"."""
    config = config_for("memory", tmp_path, vector_store=f"{__name__}:PlainVectors", engine=NO_NEAR_DEDUP)
    async with Astrocyte.from_config_dict(config) as engine:
        many = [f"Memory number {index} about subject {index * 31}." for index in range(1200)]
        await engine.retain_many(
            [{"content": text, "tags": ["odd" if index % 2 else "even"]} for index, text in enumerate(many)], "big"
        )
        assert (await engine.bank_stats("big")).memory_count == 1200
        assert (await engine.forget("big", tags=["odd"])).deleted_count == 600
        assert (await engine.forget("big", all=True)).deleted_count == 600
        assert (await engine.bank_stats("big")).memory_count == 0
