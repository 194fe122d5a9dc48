"""Contract suite for :class:`astrocyte.spi.GraphStore`.

Most neighbour scenarios use one small graph: the chain ``A - B - C - D`` stored as links
``A->B``, ``B->C``, ``C->D``, where memory ``m-X`` mentions entity ``X``. A walk from ``A`` then
reaches ``m-A`` at depth 0, ``m-B`` at 1 and so on; a walk from ``D`` has to follow every link
backwards. The similarity scenarios only assume what any sensible name similarity gives: identical
text scores 1, a one-letter typo scores well above an unrelated name.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.spi import GraphStore
from astrocyte.testing.contracts._support import (
    ADVERSARIAL_BANK_PAIRS,
    ADVERSARIAL_IDS,
    PROPERTY_SETTINGS,
    StoreContractSuite,
    basis_vector,
    requires,
)
from astrocyte.types import (
    Entity,
    EntityLink,
    GraphHit,
    MemoryEntityAssociation,
    MemoryLink,
)

CHAIN = ("A", "B", "C", "D")


def memory_of(entity_id: str) -> str:
    return f"m-{entity_id}"


async def store_chain(store: Any, bank: str, entity_ids: Sequence[str] = CHAIN) -> None:
    """Entities ``entity_ids`` linked one to the next, each mentioned by its own memory."""
    await store.store_entities([Entity(id=entity_id, name=f"Entity {entity_id}") for entity_id in entity_ids], bank)
    await store.store_links(
        [EntityLink(first, second, "related_to") for first, second in itertools.pairwise(entity_ids)],
        bank,
    )
    await associate(store, bank, [(memory_of(entity_id), entity_id) for entity_id in entity_ids])


async def associate(store: Any, bank: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Record that each ``(memory_id, entity_id)`` memory mentions that entity."""
    await store.link_memories_to_entities([MemoryEntityAssociation(memory, entity) for memory, entity in pairs], bank)


def depths(hits: list[GraphHit]) -> list[tuple[str, int]]:
    return [(hit.memory_id, hit.depth) for hit in hits]


def summary(hits: list[GraphHit]) -> list[tuple[str, int, frozenset[str], float]]:
    """What a hit promises, with ``connected_entities`` as a set since its order is not promised."""
    return [(hit.memory_id, hit.depth, frozenset(hit.connected_entities), round(hit.score, 9)) for hit in hits]


async def store_people(store: Any, bank: str) -> None:
    """Names at falling similarity to "Jonathan Smith"; ids sort the other way round, to catch id order."""
    await store.store_entities(
        [
            Entity(id="a-far", name="Jonathan Doe"),
            Entity(id="b-near", name="Jonathan Smyth"),
            Entity(id="c-exact", name="Jonathan Smith"),
            Entity(id="d-other", name="Zygmunt Wróblewski"),
        ],
        bank,
    )


def ids_of(entities: Iterable[Entity]) -> list[str]:
    return [entity.id for entity in entities]


def model_neighbors(
    edges: list[tuple[str, str]],
    mentions: list[tuple[str, str]],
    seeds: list[str],
    max_depth: int,
    limit: int,
) -> list[tuple[str, int, frozenset[str], float]]:
    """query_neighbors as the SPI states it, written as plainly as possible to compare against."""
    depth_of = dict.fromkeys(seeds, 0)
    for depth in range(1, max_depth + 1):
        reached = {b for a, b in edges if depth_of.get(a) == depth - 1} | {
            a for a, b in edges if depth_of.get(b) == depth - 1
        }
        for entity in reached - depth_of.keys():
            depth_of[entity] = depth
    rows = []
    for memory in sorted({memory for memory, _ in mentions}):
        connected = frozenset(entity for other, entity in mentions if other == memory and entity in depth_of)
        if connected:
            depth = min(depth_of[entity] for entity in connected)
            rows.append((memory, depth, connected, round(1 / (1 + depth), 9)))
    rows.sort(key=lambda row: (row[1], -len(row[2]), row[0]))
    return rows[:limit]


#: Entities of the random graphs: "a" to "f" may be linked, "g" never is. Every entity is mentioned
#: by its own memory ("ma" for "a", ...), so any mistake in which entities a walk reaches shows up.
GRAPH_ENTITIES = "abcdefg"

small_graphs = st.fixed_dictionaries(
    {
        "edges": st.lists(st.tuples(st.sampled_from("abcdef"), st.sampled_from("abcdef")), max_size=10),
        "extra_mentions": st.lists(
            st.tuples(st.sampled_from(["m0", "m1", "m2", "m3"]), st.sampled_from(GRAPH_ENTITIES)), max_size=8
        ),
        "seeds": st.lists(st.sampled_from(GRAPH_ENTITIES + "z"), min_size=1, max_size=3),
        "max_depth": st.integers(min_value=0, max_value=3),
        "limit": st.integers(min_value=1, max_value=12),
    }
)


class GraphStoreContract(StoreContractSuite):
    protocol = GraphStore

    # ------------------------------------------------------------------------- shape

    async def test_empty_inputs_are_no_ops(self, store: Any, bank: str) -> None:
        """Empty lists store nothing, find nothing and delete nothing, without error."""
        assert await store.store_entities([], bank) == []
        assert await store.store_links([], bank) == []
        assert await store.link_memories_to_entities([], bank) is None
        assert await store.store_memory_links([], bank) == []
        assert await store.find_memory_links([], bank) == []
        assert await store.query_neighbors([], bank) == []
        assert await store.delete_memories([], bank) == 0

    async def test_unknown_bank_reads_empty(self, store: Any, bank: str) -> None:
        """A bank never written to has no entities, neighbours, candidates or links."""
        assert await store.query_entities("anything", bank) == []
        assert await store.query_neighbors(["A"], bank) == []
        assert await store.find_entity_candidates("anything", bank, threshold=0.1) == []
        assert await store.find_entity_candidates_scored("anything", bank) == []
        assert await store.find_memory_links(["m"], bank) == []
        assert await store.delete_bank(bank) == 0

    async def test_rejects_invalid_arguments(self, store: Any, bank: str) -> None:
        """A bad bank id, a negative depth or a zero limit raise ValidationError."""
        with pytest.raises(ValidationError):
            await store.store_entities([Entity(id="e", name="Eve")], "no spaces allowed")
        with pytest.raises(ValidationError):
            await store.query_neighbors(["e"], "no spaces allowed")
        with pytest.raises(ValidationError):
            await store.query_neighbors(["e"], bank, max_depth=-1)
        with pytest.raises(ValidationError):
            await store.query_neighbors(["e"], bank, limit=0)
        with pytest.raises(ValidationError):
            await store.query_entities("Eve", bank, limit=0)

    # ------------------------------------------------------------------------- entities

    async def test_entity_round_trips_through_query_entities(self, store: Any, bank: str) -> None:
        """An entity comes back with its id, name, type, aliases and metadata."""
        entity = Entity(
            id="ada",
            name="Ada Lovelace",
            entity_type="person",
            aliases=["Countess of Lovelace", "Ada King"],
            metadata={"born": 1815, "field": "mathematics"},
        )
        assert await store.store_entities([entity], bank) == ["ada"]
        [found] = await store.query_entities("Ada Lovelace", bank)
        assert (found.id, found.name, found.entity_type) == ("ada", "Ada Lovelace", "person")
        assert sorted(found.aliases or []) == ["Ada King", "Countess of Lovelace"]
        assert found.metadata == {"born": 1815, "field": "mathematics"}

    async def test_store_entities_returns_ids_in_input_order(self, store: Any, bank: str) -> None:
        """store_entities returns the ids in the order given."""
        entities = [Entity(id=entity_id, name=f"Name {entity_id}") for entity_id in ("z", "a", "m")]
        assert await store.store_entities(entities, bank) == ["z", "a", "m"]

    async def test_entity_upsert_replaces(self, store: Any, bank: str) -> None:
        """Storing an entity id again replaces it: one entity, the new name, the old one gone."""
        await store.store_entities([Entity(id="city", name="Bombay")], bank)
        await store.store_entities([Entity(id="city", name="Mumbai", entity_type="place")], bank)
        assert await store.query_entities("Bombay", bank) == []
        [found] = await store.query_entities("Mumbai", bank)
        assert (found.id, found.entity_type) == ("city", "place")
        assert ids_of(await store.query_entities("m", bank)) == ["city"]

    async def test_stored_entities_are_copies(self, store: Any, bank: str) -> None:
        """Mutating an entity after storing it, or one read back, changes nothing stored."""
        entity = Entity(id="e", name="Grace Hopper", aliases=["Amazing Grace"], metadata={"rank": "admiral"})
        await store.store_entities([entity], bank)
        entity.name = "Changed"
        assert entity.aliases is not None
        assert entity.metadata is not None
        entity.aliases.append("Changed alias")
        entity.metadata["rank"] = "changed"
        [found] = await store.query_entities("Grace", bank)
        assert found.aliases is not None
        assert found.metadata is not None
        found.aliases.append("Another change")
        found.metadata["rank"] = "another change"
        [again] = await store.query_entities("Grace", bank)
        assert (again.name, again.aliases, again.metadata) == ("Grace Hopper", ["Amazing Grace"], {"rank": "admiral"})

    async def test_query_entities_is_a_case_insensitive_substring_match(self, store: Any, bank: str) -> None:
        """query_entities finds names containing the query in any letter case, and nothing else."""
        await store.store_entities(
            [
                Entity(id="1", name="Marie Curie"),
                Entity(id="2", name="Pierre CURIE"),
                Entity(id="3", name="Niels Bohr"),
            ],
            bank,
        )
        assert sorted(ids_of(await store.query_entities("curie", bank))) == ["1", "2"]
        assert sorted(ids_of(await store.query_entities("RIE", bank))) == ["1", "2"]
        assert await store.query_entities("einstein", bank) == []

    async def test_query_entities_matches_aliases(self, store: Any, bank: str) -> None:
        """An alias containing the query finds its entity."""
        await store.store_entities([Entity(id="nyc", name="New York City", aliases=["The Big Apple"])], bank)
        assert ids_of(await store.query_entities("big apple", bank)) == ["nyc"]

    async def test_query_entities_puts_exact_name_matches_first(self, store: Any, bank: str) -> None:
        """An entity whose whole name equals the query (ignoring case) comes before partial matches."""
        await store.store_entities(
            [
                Entity(id="a-arbor", name="Ann Arbor"),
                Entity(id="b-anna", name="Anna"),
                Entity(id="c-joanne", name="Joanne", aliases=["Ann"]),
                Entity(id="z-ann", name="ANN"),
            ],
            bank,
        )
        found = ids_of(await store.query_entities("ann", bank))
        assert found[0] == "z-ann"
        assert sorted(found) == ["a-arbor", "b-anna", "c-joanne", "z-ann"]

    async def test_query_entities_respects_limit(self, store: Any, bank: str) -> None:
        """query_entities returns at most limit entities."""
        await store.store_entities([Entity(id=f"w{index}", name=f"Widget {index}") for index in range(6)], bank)
        assert len(await store.query_entities("widget", bank, limit=2)) == 2
        assert len(await store.query_entities("widget", bank, limit=10)) == 6

    # ------------------------------------------------------------------------- entity links

    async def test_store_links_returns_link_keys(self, store: Any, bank: str) -> None:
        """store_links and store_entity_link return each link's key, in input order."""
        links = [EntityLink("x", "y", "knows"), EntityLink("y", "x", "works_with"), EntityLink("x", "z", "knows")]
        assert await store.store_links(links, bank) == [link.key for link in links]
        single = EntityLink("z", "y", "mentors")
        assert await store.store_entity_link(single, bank) == single.key

    async def test_storing_a_link_again_keeps_one_edge(self, store: Any, bank: str) -> None:
        """Re-storing a link (same key) updates it in place: the walk from it is unchanged."""
        await store_chain(store, bank)
        before = await store.query_neighbors(["A"], bank, max_depth=3)
        again = EntityLink("A", "B", "related_to", evidence="seen twice", confidence=0.5)
        assert await store.store_links([again, again], bank) == [again.key, again.key]
        assert await store.store_entity_link(again, bank) == again.key
        assert summary(await store.query_neighbors(["A"], bank, max_depth=3)) == summary(before)

    async def test_links_may_name_entities_not_yet_stored(self, store: Any, bank: str) -> None:
        """A link to an entity that was never stored still carries the walk through it."""
        await store.store_links([EntityLink("known", "ghost", "related_to")], bank)
        await associate(store, bank, [("m-ghost", "ghost")])
        assert depths(await store.query_neighbors(["known"], bank, max_depth=1)) == [("m-ghost", 1)]

    # ------------------------------------------------------------------------- neighbours

    async def test_query_neighbors_depth_zero_returns_the_seeds_own_memories(self, store: Any, bank: str) -> None:
        """max_depth=0 returns only memories of the seed entities, at depth 0 with score 1."""
        await store_chain(store, bank)
        [hit] = await store.query_neighbors(["A"], bank, max_depth=0)
        assert (hit.memory_id, hit.depth, hit.connected_entities) == ("m-A", 0, ["A"])
        assert hit.score == pytest.approx(1.0)

    async def test_query_neighbors_reports_hop_depth_and_score(self, store: Any, bank: str) -> None:
        """Each memory comes at its entity's hop count from the seed, scored 1 / (1 + depth), nearest first."""
        await store_chain(store, bank)
        hits = await store.query_neighbors(["A"], bank, max_depth=3)
        assert depths(hits) == [("m-A", 0), ("m-B", 1), ("m-C", 2), ("m-D", 3)]
        assert [hit.score for hit in hits] == pytest.approx([1.0, 1 / 2, 1 / 3, 1 / 4])
        assert [hit.connected_entities for hit in hits] == [["A"], ["B"], ["C"], ["D"]]

    async def test_query_neighbors_stops_at_max_depth(self, store: Any, bank: str) -> None:
        """Nothing beyond max_depth hops is returned."""
        await store_chain(store, bank)
        assert depths(await store.query_neighbors(["A"], bank, max_depth=1)) == [("m-A", 0), ("m-B", 1)]
        assert depths(await store.query_neighbors(["A"], bank, max_depth=2))[-1] == ("m-C", 2)

    async def test_query_neighbors_walks_links_in_both_directions(self, store: Any, bank: str) -> None:
        """Links are followed from target to source as well as from source to target."""
        await store_chain(store, bank)
        assert depths(await store.query_neighbors(["D"], bank, max_depth=3)) == [
            ("m-D", 0),
            ("m-C", 1),
            ("m-B", 2),
            ("m-A", 3),
        ]
        assert sorted(depths(await store.query_neighbors(["B"], bank, max_depth=1))) == [
            ("m-A", 1),
            ("m-B", 0),
            ("m-C", 1),
        ]

    async def test_query_neighbors_gives_one_hit_per_memory_at_its_smallest_depth(self, store: Any, bank: str) -> None:
        """A memory reached through several entities appears once, at its nearest depth, naming them all."""
        await store_chain(store, bank)
        await store.store_entities([Entity(id="Z", name="Unlinked")], bank)
        await associate(store, bank, [("both", "A"), ("both", "C"), ("with-z", "B"), ("with-z", "Z")])
        hits = {hit.memory_id: hit for hit in await store.query_neighbors(["A"], bank, max_depth=3)}
        assert (hits["both"].depth, sorted(hits["both"].connected_entities)) == (0, ["A", "C"])
        assert hits["both"].score == pytest.approx(1.0)
        assert (hits["with-z"].depth, hits["with-z"].connected_entities) == (1, ["B"])
        from_b = {hit.memory_id: hit for hit in await store.query_neighbors(["B"], bank, max_depth=1)}
        assert (from_b["both"].depth, sorted(from_b["both"].connected_entities)) == (1, ["A", "C"])
        assert len(await store.query_neighbors(["A", "C"], bank, max_depth=3)) == len(hits)

    async def test_query_neighbors_orders_by_depth_then_connections_then_memory_id(self, store: Any, bank: str) -> None:
        """Hits come nearest first, then those more entities connect, then by memory id."""
        await store_chain(store, bank)
        await associate(
            store, bank, [("m-0", "C"), ("z-both", "A"), ("z-both", "B"), ("m-2", "B"), ("m-1", "A"), ("a-far", "D")]
        )
        hits = await store.query_neighbors(["A", "B"], bank, max_depth=2)
        assert depths(hits) == [
            ("z-both", 0),
            ("m-1", 0),
            ("m-2", 0),
            ("m-A", 0),
            ("m-B", 0),
            ("m-0", 1),
            ("m-C", 1),
            ("a-far", 2),
            ("m-D", 2),
        ]

    async def test_query_neighbors_respects_limit(self, store: Any, bank: str) -> None:
        """limit keeps the first hits of the full ordering."""
        await store_chain(store, bank)
        await associate(store, bank, [(f"m-{index}", "A") for index in range(5)])
        full = await store.query_neighbors(["A"], bank, max_depth=3, limit=50)
        assert len(full) == 9
        assert depths(await store.query_neighbors(["A"], bank, max_depth=3, limit=3)) == depths(full)[:3]

    async def test_query_neighbors_of_unknown_entities_is_empty(self, store: Any, bank: str) -> None:
        """Seeds that nothing links or mentions reach no memory."""
        await store_chain(store, bank)
        assert await store.query_neighbors(["nobody"], bank, max_depth=3) == []

    @PROPERTY_SETTINGS
    # Tried on every run: a chain walked from its middle, further than the depth allows in both
    # directions. 25 random graphs do not always hold one, and a store that walks too far or one
    # way only must fail this scenario every time, not by luck of the draw.
    @example(
        graph={
            "edges": [("a", "b"), ("b", "c"), ("c", "d")],
            "extra_mentions": [],
            "seeds": ["c"],
            "max_depth": 1,
            "limit": 12,
        }
    )
    @given(graph=small_graphs)
    async def test_query_neighbors_matches_a_breadth_first_model(
        self, store: Any, bank_named: Callable[[str], str], graph: dict[str, Any]
    ) -> None:
        """On random small graphs, query_neighbors equals a plain breadth-first walk of the SPI's rules."""
        bank = bank_named(f"-p{uuid.uuid4().hex[:12]}")
        mentions = [(f"m{entity}", entity) for entity in GRAPH_ENTITIES] + graph["extra_mentions"]
        await store.store_links([EntityLink(a, b, "related_to") for a, b in graph["edges"]], bank)
        await associate(store, bank, mentions)
        hits = await store.query_neighbors(graph["seeds"], bank, max_depth=graph["max_depth"], limit=graph["limit"])
        expected = model_neighbors(graph["edges"], mentions, graph["seeds"], graph["max_depth"], graph["limit"])
        assert summary(hits) == expected

    # ------------------------------------------------------------------------- memory links

    async def test_find_memory_links_by_source_or_target(self, store: Any, bank: str) -> None:
        """A seed finds the links it starts and the links it ends, not others."""
        links = [
            MemoryLink("m1", "m2", "follows"),
            MemoryLink("m3", "m1", "cites"),
            MemoryLink("m2", "m3", "follows"),
        ]
        assert await store.store_memory_links(links, bank) == [link.key for link in links]
        found = await store.find_memory_links(["m1"], bank)
        assert sorted(link.key for link in found) == sorted([links[0].key, links[1].key])
        assert len(await store.find_memory_links(["m1", "m2", "m3"], bank)) == 3

    async def test_find_memory_links_round_trips_fields(self, store: Any, bank: str) -> None:
        """A memory link comes back with its type, evidence, confidence, weight and metadata."""
        link = MemoryLink("m1", "m2", "caused_by", evidence="because", confidence=0.7, weight=2.5, metadata={"k": 1})
        await store.store_memory_links([link], bank)
        [found] = await store.find_memory_links(["m2"], bank)
        assert (found.source_memory_id, found.target_memory_id, found.link_type) == ("m1", "m2", "caused_by")
        assert (found.evidence, found.metadata) == ("because", {"k": 1})
        assert (found.confidence, found.weight) == pytest.approx((0.7, 2.5))

    async def test_memory_link_upsert_by_key(self, store: Any, bank: str) -> None:
        """Storing a memory link with the same key again replaces it: one link, the new weight."""
        await store.store_memory_links([MemoryLink("m1", "m2", "follows", weight=1.0)], bank)
        await store.store_memory_links([MemoryLink("m1", "m2", "follows", weight=3.0)], bank)
        [found] = await store.find_memory_links(["m1"], bank)
        assert found.weight == pytest.approx(3.0)

    async def test_find_memory_links_filters_by_link_type(self, store: Any, bank: str) -> None:
        """link_types keeps only links of those types."""
        await store.store_memory_links(
            [MemoryLink("m1", "m2", "follows"), MemoryLink("m1", "m3", "cites"), MemoryLink("m4", "m1", "contradicts")],
            bank,
        )
        found = await store.find_memory_links(["m1"], bank, link_types=["cites", "contradicts"])
        assert sorted(link.link_type for link in found) == ["cites", "contradicts"]

    async def test_find_memory_links_respects_limit(self, store: Any, bank: str) -> None:
        """find_memory_links returns at most limit links."""
        await store.store_memory_links([MemoryLink("hub", f"m{index}", "follows") for index in range(5)], bank)
        assert len(await store.find_memory_links(["hub"], bank, limit=2)) == 2

    # ------------------------------------------------------------------------- candidates

    async def test_find_entity_candidates_orders_most_similar_first(self, store: Any, bank: str) -> None:
        """Candidates come most similar first: the same name, then a one-letter change, then a shared first name."""
        await store_people(store, bank)
        found = ids_of(await store.find_entity_candidates("Jonathan Smith", bank, threshold=0.3, limit=5))
        assert found[:3] == ["c-exact", "b-near", "a-far"]

    async def test_find_entity_candidates_respects_threshold(self, store: Any, bank: str) -> None:
        """Only names at least threshold similar are returned; threshold 1 keeps identical names alone."""
        await store_people(store, bank)
        assert ids_of(await store.find_entity_candidates("Jonathan Smith", bank, threshold=1.0)) == ["c-exact"]
        loose = ids_of(await store.find_entity_candidates("Jonathan Smith", bank, threshold=0.5, limit=5))
        assert "d-other" not in loose
        stricter = ids_of(await store.find_entity_candidates("Jonathan Smith", bank, threshold=0.8, limit=5))
        assert set(stricter) <= set(loose)

    async def test_find_entity_candidates_respects_limit(self, store: Any, bank: str) -> None:
        """find_entity_candidates returns at most limit entities, the best ones."""
        await store_people(store, bank)
        assert ids_of(await store.find_entity_candidates("Jonathan Smith", bank, threshold=0.3, limit=1)) == ["c-exact"]

    async def test_find_entity_candidates_finds_by_alias(self, store: Any, bank: str) -> None:
        """An alias identical to the name searched for makes its entity a candidate."""
        await store.store_entities([Entity(id="tyler", name="Tyler Durden", aliases=["Robert Paulson"])], bank)
        assert ids_of(await store.find_entity_candidates("Robert Paulson", bank)) == ["tyler"]

    async def test_find_entity_candidates_tolerates_typos(self, store: Any, bank: str) -> None:
        """A misspelling ("Jonathon") still finds the entity ("Jonathan") at a moderate threshold."""
        await store.store_entities([Entity(id="jon", name="Jonathan"), Entity(id="mar", name="Margaret")], bank)
        assert ids_of(await store.find_entity_candidates("Jonathon", bank, threshold=0.4)) == ["jon"]

    async def test_scored_candidates_report_name_similarity(self, store: Any, bank: str) -> None:
        """Scored candidates carry name_similarity in [threshold, 1], 1 for the same name, and no
        embedding_similarity when no name_embedding is given."""
        await store_people(store, bank)
        matches = await store.find_entity_candidates_scored("Jonathan Smith", bank, trigram_threshold=0.3)
        by_id = {match.entity.id: match for match in matches}
        assert {"a-far", "b-near", "c-exact"} <= set(by_id)
        assert by_id["c-exact"].name_similarity == pytest.approx(1.0)
        assert by_id["c-exact"].entity.name == "Jonathan Smith"
        assert all(0.3 <= match.name_similarity <= 1.0 for match in matches)
        assert all(match.embedding_similarity is None for match in matches)
        assert all(match.last_seen is None or isinstance(match.last_seen, datetime) for match in matches)

    async def test_scored_candidates_respect_threshold_and_limit(self, store: Any, bank: str) -> None:
        """trigram_threshold 1 keeps identical names alone; limit caps the matches."""
        await store_people(store, bank)
        exact = await store.find_entity_candidates_scored("Jonathan Smith", bank, trigram_threshold=1.0)
        assert [match.entity.id for match in exact] == ["c-exact"]
        assert len(await store.find_entity_candidates_scored("Jonathan Smith", bank, limit=2)) <= 2

    @requires("entity_embeddings")
    async def test_scored_candidates_compare_embeddings(self, store: Any, bank: str) -> None:
        """With name_embedding given, entities with an embedding get its clamped cosine, others None."""
        await store.store_entities(
            [
                Entity(id="same", name="Acme Corporation", embedding=basis_vector(0, 8)),
                Entity(id="orthogonal", name="Acme Corp", embedding=basis_vector(1, 8)),
                Entity(id="opposite", name="Acme Corp Inc", embedding=[-value for value in basis_vector(0, 8)]),
                Entity(id="none", name="Acme Co"),
            ],
            bank,
        )
        matches = await store.find_entity_candidates_scored(
            "Acme Corporation", bank, name_embedding=basis_vector(0, 8), trigram_threshold=0.2
        )
        similarity = {match.entity.id: match.embedding_similarity for match in matches}
        assert similarity.keys() == {"same", "orthogonal", "opposite", "none"}
        assert similarity["same"] == pytest.approx(1.0, abs=1e-5)
        assert similarity["orthogonal"] == pytest.approx(0.0, abs=1e-5)
        assert similarity["opposite"] == pytest.approx(0.0, abs=1e-5)
        assert similarity["none"] is None

    async def test_scored_candidates_list_co_occurring_names(self, store: Any, bank: str) -> None:
        """co_occurring_names are the names of other entities that share a memory with the candidate."""
        await store.store_entities(
            [
                Entity(id="al", name="Alice"),
                Entity(id="bo", name="Bob"),
                Entity(id="ca", name="Carol"),
                Entity(id="da", name="Dan"),
            ],
            bank,
        )
        await associate(store, bank, [("m1", "al"), ("m1", "bo"), ("m2", "al"), ("m2", "ca"), ("m3", "da")])
        [alice] = await store.find_entity_candidates_scored("Alice", bank, trigram_threshold=1.0)
        assert sorted(alice.co_occurring_names) == ["Bob", "Carol"]
        [dan] = await store.find_entity_candidates_scored("Dan", bank, trigram_threshold=1.0)
        assert dan.co_occurring_names == []

    # ------------------------------------------------------------------------- deletes

    async def test_delete_memories_drops_associations_and_links_and_counts(self, store: Any, bank: str) -> None:
        """delete_memories forgets the memories' mentions and links and counts the memories that had any."""
        await store_chain(store, bank)
        await associate(store, bank, [("m-A2", "A"), ("gone", "A")])
        await store.store_memory_links(
            [MemoryLink("gone", "kept", "follows"), MemoryLink("only-linked", "kept", "cites")], bank
        )
        assert await store.delete_memories(["gone", "only-linked", "never-stored", "gone"], bank) == 2
        assert depths(await store.query_neighbors(["A"], bank, max_depth=0)) == [("m-A", 0), ("m-A2", 0)]
        assert await store.find_memory_links(["kept"], bank) == []
        assert await store.delete_memories(["gone"], bank) == 0

    async def test_delete_memories_keeps_entities_and_links(self, store: Any, bank: str) -> None:
        """Deleting memories leaves entities and entity links, so the walk still passes through them."""
        await store_chain(store, bank)
        assert await store.delete_memories([memory_of("B")], bank) == 1
        assert depths(await store.query_neighbors(["A"], bank, max_depth=2)) == [("m-A", 0), ("m-C", 2)]
        assert ids_of(await store.query_entities("Entity B", bank)) == ["B"]

    async def test_delete_bank_counts_entities_and_spares_other_banks(
        self, store: Any, bank: str, other_bank: str
    ) -> None:
        """delete_bank removes the bank's whole graph, returns its entity count and leaves other banks."""
        await store_chain(store, bank, ("A", "B", "C"))
        await store.store_links([EntityLink("C", "ghost", "related_to")], bank)
        await store.store_memory_links([MemoryLink("m-A", "m-B", "follows")], bank)
        await store_chain(store, other_bank, ("A", "B"))
        await store.store_memory_links([MemoryLink("m-A", "m-B", "follows")], other_bank)
        assert await store.delete_bank(bank) == 3
        assert await store.query_entities("Entity", bank) == []
        assert await store.query_neighbors(["A"], bank, max_depth=3) == []
        assert await store.find_memory_links(["m-A"], bank) == []
        assert await store.delete_bank(bank) == 0
        assert len(await store.query_entities("Entity", other_bank)) == 2
        assert depths(await store.query_neighbors(["A"], other_bank)) == [("m-A", 0), ("m-B", 1)]
        assert len(await store.find_memory_links(["m-A"], other_bank)) == 1

    # ------------------------------------------------------------------------- isolation

    @pytest.mark.parametrize(("first", "second"), ADVERSARIAL_BANK_PAIRS)
    async def test_entities_are_isolated_between_banks(
        self, store: Any, bank_named: Callable[[str], str], first: str, second: str
    ) -> None:
        """The same entity id in two banks is two entities; neither bank sees, finds or deletes the other's."""
        bank_x, bank_y = bank_named(first), bank_named(second)
        await store.store_entities([Entity(id="shared", name="Xavier Xenon")], bank_x)
        await store.store_entities([Entity(id="shared", name="Yolanda Yarrow")], bank_y)
        assert [entity.name for entity in await store.query_entities("Xavier", bank_x)] == ["Xavier Xenon"]
        assert await store.query_entities("Xavier", bank_y) == []
        assert await store.find_entity_candidates("Yolanda Yarrow", bank_x) == []
        assert [match.entity.name for match in await store.find_entity_candidates_scored("Yolanda Yarrow", bank_y)] == [
            "Yolanda Yarrow"
        ]
        assert await store.delete_bank(bank_x) == 1
        assert ids_of(await store.query_entities("Yolanda", bank_y)) == ["shared"]

    @pytest.mark.parametrize(("first", "second"), ADVERSARIAL_BANK_PAIRS)
    async def test_links_and_mentions_do_not_cross_banks(
        self, store: Any, bank_named: Callable[[str], str], first: str, second: str
    ) -> None:
        """A link or mention stored in one bank never connects entities or memories of another."""
        bank_x, bank_y = bank_named(first), bank_named(second)
        await store_chain(store, bank_x, ("A", "B"))
        await store_chain(store, bank_y, ("B", "C"))
        await store.store_entities([Entity(id="A", name="Entity A")], bank_y)
        await associate(store, bank_y, [("m-A", "A")])
        assert depths(await store.query_neighbors(["A"], bank_x, max_depth=3)) == [("m-A", 0), ("m-B", 1)]
        assert depths(await store.query_neighbors(["A"], bank_y, max_depth=3)) == [("m-A", 0)]
        assert depths(await store.query_neighbors(["C"], bank_x, max_depth=3)) == []
        assert depths(await store.query_neighbors(["C"], bank_y, max_depth=3)) == [("m-C", 0), ("m-B", 1)]

    @pytest.mark.parametrize(("first", "second"), ADVERSARIAL_BANK_PAIRS)
    async def test_memory_links_and_deletes_are_isolated_between_banks(
        self, store: Any, bank_named: Callable[[str], str], first: str, second: str
    ) -> None:
        """Memory links and delete_memories act on one bank only, even for the same memory ids."""
        bank_x, bank_y = bank_named(first), bank_named(second)
        await store.store_memory_links([MemoryLink("m1", "m2", "follows")], bank_x)
        await store.store_memory_links([MemoryLink("m1", "m3", "follows")], bank_y)
        await associate(store, bank_x, [("m1", "E")])
        await associate(store, bank_y, [("m1", "E")])
        assert [link.target_memory_id for link in await store.find_memory_links(["m1"], bank_x)] == ["m2"]
        assert await store.find_memory_links(["m2"], bank_y) == []
        assert await store.delete_memories(["m1"], bank_y) == 1
        assert [link.target_memory_id for link in await store.find_memory_links(["m1"], bank_x)] == ["m2"]
        assert depths(await store.query_neighbors(["E"], bank_x, max_depth=0)) == [("m1", 0)]
        assert await store.query_neighbors(["E"], bank_y, max_depth=0) == []

    async def test_adversarial_ids_round_trip(self, store: Any, bank: str) -> None:
        """Unicode, quotes, separators and SQL-like text work as entity and memory ids, unaltered."""
        await store_chain(store, bank, ADVERSARIAL_IDS)
        await associate(store, bank, [(entity_id, entity_id) for entity_id in ADVERSARIAL_IDS])
        hits = await store.query_neighbors([ADVERSARIAL_IDS[0]], bank, max_depth=len(ADVERSARIAL_IDS), limit=100)
        expected = {memory_of(entity_id): depth for depth, entity_id in enumerate(ADVERSARIAL_IDS)}
        expected.update({entity_id: depth for depth, entity_id in enumerate(ADVERSARIAL_IDS)})
        assert dict(depths(hits)) == expected
        assert set(ids_of(await store.query_entities("Entity", bank, limit=100))) == set(ADVERSARIAL_IDS)
        links = [MemoryLink(a, b, "follows") for a, b in itertools.pairwise(ADVERSARIAL_IDS)]
        assert await store.store_memory_links(links, bank) == [link.key for link in links]
        [found] = await store.find_memory_links([ADVERSARIAL_IDS[0]], bank)
        assert (found.source_memory_id, found.target_memory_id) == ADVERSARIAL_IDS[:2]
        assert await store.delete_memories(list(ADVERSARIAL_IDS), bank) == len(ADVERSARIAL_IDS)
        assert {hit.memory_id for hit in await store.query_neighbors(list(ADVERSARIAL_IDS), bank, limit=100)} == {
            memory_of(entity_id) for entity_id in ADVERSARIAL_IDS
        }


__all__ = ["GraphStoreContract"]
