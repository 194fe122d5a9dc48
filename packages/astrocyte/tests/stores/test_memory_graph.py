"""MemoryGraphStore: the GraphStore contract suite, plus the choices this store makes where the SPI leaves room."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.graph import MemoryGraphStore, trigram_similarity, trigrams
from astrocyte.testing.contracts import GraphStoreContract
from astrocyte.types import Entity, EntityLink, GraphStoreCapabilities, MemoryEntityAssociation, MemoryLink

BANK = "memory-graph-tests"


class TestMemoryGraphStoreContract(GraphStoreContract):
    @pytest.fixture
    def store(self) -> MemoryGraphStore:
        return MemoryGraphStore()


@pytest.fixture
def store() -> MemoryGraphStore:
    return MemoryGraphStore()


def test_declares_entity_embeddings() -> None:
    assert MemoryGraphStore().capabilities() == GraphStoreCapabilities(entity_embeddings=True)


def test_trigrams_pad_each_lower_cased_word() -> None:
    assert trigrams("Ann") == {"  a", " an", "ann", "nn "}
    assert trigrams("Al, BO!") == {"  a", " al", "al ", "  b", " bo", "bo "}
    assert trigrams("?!") == frozenset()


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("Jonathan", "Jonathan", 1.0),
        ("JONATHAN", "jonathan", 1.0),
        ("Jonathon", "Jonathan", 6 / 12),
        ("Jonathan", "Margaret", 0.0),
        ("", "Jonathan", 0.0),
        ("...", "...", 0.0),
    ],
)
def test_trigram_similarity_is_the_jaccard_index(first: str, second: str, expected: float) -> None:
    assert trigram_similarity(trigrams(first), trigrams(second)) == pytest.approx(expected)


@pytest.mark.parametrize("threshold", [-0.1, 1.5, True, "0.5"])
async def test_thresholds_outside_zero_to_one_are_refused(store: MemoryGraphStore, threshold: object) -> None:
    with pytest.raises(ValidationError) as plain:
        await store.find_entity_candidates("Ann", BANK, threshold=threshold)  # type: ignore[arg-type]
    assert plain.value.field == "threshold"
    with pytest.raises(ValidationError) as scored:
        await store.find_entity_candidates_scored("Ann", BANK, trigram_threshold=threshold)  # type: ignore[arg-type]
    assert scored.value.field == "trigram_threshold"


async def test_bare_strings_and_wrong_types_are_refused_naming_the_field(store: MemoryGraphStore) -> None:
    with pytest.raises(ValidationError) as seeds:
        await store.query_neighbors("A", BANK)  # type: ignore[arg-type]
    assert seeds.value.field == "entity_ids"
    with pytest.raises(ValidationError) as types:
        await store.find_memory_links(["m"], BANK, link_types="follows")  # type: ignore[arg-type]
    assert types.value.field == "link_types"
    with pytest.raises(ValidationError) as item:
        await store.store_entities([Entity(id="a", name="Ann"), "Bob"], BANK)  # type: ignore[list-item]
    assert item.value.field == "entities[1]"
    with pytest.raises(ValidationError) as query:
        await store.query_entities(None, BANK)  # type: ignore[arg-type]
    assert query.value.field == "query"
    with pytest.raises(ValidationError) as embedding:
        await store.find_entity_candidates_scored("Ann", BANK, name_embedding=[float("nan")])
    assert embedding.value.field == "name_embedding"


async def test_a_refused_batch_stores_nothing(store: MemoryGraphStore) -> None:
    with pytest.raises(ValidationError):
        await store.store_entities([Entity(id="a", name="Ann"), "Bob"], BANK)  # type: ignore[list-item]
    assert await store.query_entities("Ann", BANK) == []
    assert await store.delete_bank(BANK) == 0


async def test_blank_query_finds_nothing(store: MemoryGraphStore) -> None:
    await store.store_entities([Entity(id="a", name="Ann Arbor")], BANK)
    assert await store.query_entities("", BANK) == []
    assert await store.query_entities("   ", BANK) == []


async def test_partial_matches_follow_name_order(store: MemoryGraphStore) -> None:
    await store.store_entities(
        [Entity(id="1", name="Zanna"), Entity(id="2", name="anna"), Entity(id="3", name="Bo", aliases=["Anneke"])],
        BANK,
    )
    assert [entity.id for entity in await store.query_entities("ann", BANK)] == ["2", "3", "1"]


async def test_connected_entities_are_sorted(store: MemoryGraphStore) -> None:
    await store.store_links([EntityLink("b", "a", "knows")], BANK)
    await store.link_memories_to_entities([MemoryEntityAssociation("m", "b"), MemoryEntityAssociation("m", "a")], BANK)
    [hit] = await store.query_neighbors(["b"], BANK, max_depth=1)
    assert (hit.connected_entities, hit.text) == (["a", "b"], "")


async def test_memory_links_come_ordered_by_key(store: MemoryGraphStore) -> None:
    links = [MemoryLink("m", "z", "follows"), MemoryLink("a", "m", "cites"), MemoryLink("m", "b", "follows")]
    await store.store_memory_links(links, BANK)
    assert [link.key for link in await store.find_memory_links(["m"], BANK)] == sorted(link.key for link in links)


async def test_scored_candidates_rank_by_name_and_report_mention_count(store: MemoryGraphStore) -> None:
    await store.store_entities(
        [
            Entity(id="near", name="Acme Corp", embedding=[1.0, 0.0], mention_count=7),
            Entity(id="exact", name="Acme Corporation", embedding=[0.0, 1.0]),
            Entity(id="other-dimension", name="Acme Corp Inc", embedding=[1.0, 0.0, 0.0]),
        ],
        BANK,
    )
    matches = await store.find_entity_candidates_scored(
        "Acme Corporation", BANK, name_embedding=[1.0, 0.0], trigram_threshold=0.2
    )
    assert [match.entity.id for match in matches] == ["exact", "near", "other-dimension"]
    assert [match.embedding_similarity for match in matches] == pytest.approx([0.0, 1.0, None])
    assert [match.mention_count for match in matches] == [1, 7, 1]


async def test_last_seen_is_the_newest_association_or_link(store: MemoryGraphStore) -> None:
    await store.store_entities([Entity(id="a", name="Ann"), Entity(id="b", name="Bob")], BANK)
    future = datetime.now(UTC) + timedelta(days=1)
    before = datetime.now(UTC)
    await store.link_memories_to_entities([MemoryEntityAssociation("m", "a")], BANK)
    await store.store_links([EntityLink("b", "c", "knows", created_at=future)], BANK)
    await store.store_links([EntityLink("b", "d", "knows", created_at=future - timedelta(days=2))], BANK)
    [ann] = await store.find_entity_candidates_scored("Ann", BANK, trigram_threshold=1.0)
    [bob] = await store.find_entity_candidates_scored("Bob", BANK, trigram_threshold=1.0)
    assert ann.last_seen is not None
    assert before <= ann.last_seen <= datetime.now(UTC)
    assert bob.last_seen == future


async def test_unseen_entities_have_no_last_seen(store: MemoryGraphStore) -> None:
    await store.store_entities([Entity(id="a", name="Ann")], BANK)
    [ann] = await store.find_entity_candidates_scored("Ann", BANK)
    assert ann.last_seen is None


async def test_health_reports_latency_and_time(store: MemoryGraphStore) -> None:
    status = await store.health()
    assert status.healthy
    assert status.message
    assert status.latency_ms is not None
    assert status.latency_ms >= 0
    assert status.last_check_at is not None
    assert status.last_check_at.tzinfo is not None
