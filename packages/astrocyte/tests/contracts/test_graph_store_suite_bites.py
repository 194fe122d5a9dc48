"""The GraphStore suite fails stores that break its promises, and passes the honest memory store.

Each variant subclasses :class:`MemoryGraphStore` and breaks one promise, reaching into its private
per-bank state where the bug lives there; the test names the scenarios that must catch it.
"""

from __future__ import annotations

import textwrap

import pytest

# Imported here, not only inside the throwaway modules: pytester restores sys.modules after each
# in-process run, and numpy (which the store imports) cannot be loaded twice in one process.
import astrocyte.stores.memory.graph  # noqa: F401

from .conftest import RunContract

_IMPORTS = """
import copy
from astrocyte.stores.memory.graph import MemoryGraphStore
"""

_BROKEN: dict[str, tuple[str, set[str]]] = {
    "ignores_max_depth": (
        """
        class Broken(MemoryGraphStore):
            async def query_neighbors(self, entity_ids, bank_id, max_depth=2, limit=20):
                return await super().query_neighbors(entity_ids, bank_id, max_depth=10, limit=limit)
        """,
        {
            "test_query_neighbors_stops_at_max_depth",
            "test_query_neighbors_depth_zero_returns_the_seeds_own_memories",
            "test_query_neighbors_matches_a_breadth_first_model",
        },
    ),
    "ignores_limit_of_neighbors": (
        """
        class Broken(MemoryGraphStore):
            async def query_neighbors(self, entity_ids, bank_id, max_depth=2, limit=20):
                return await super().query_neighbors(entity_ids, bank_id, max_depth, limit=10_000)
        """,
        {"test_query_neighbors_respects_limit"},
    ),
    "walks_one_direction": (
        """
        class Broken(MemoryGraphStore):
            async def store_links(self, links, bank_id):
                keys = await super().store_links(links, bank_id)
                graph = self._banks[bank_id]
                for link in links:
                    if link.entity_a != link.entity_b:
                        graph.neighbours[link.entity_b].discard(link.entity_a)
                return keys
        """,
        {"test_query_neighbors_walks_links_in_both_directions", "test_query_neighbors_matches_a_breadth_first_model"},
    ),
    "ignores_connection_count": (
        """
        class Broken(MemoryGraphStore):
            async def query_neighbors(self, entity_ids, bank_id, max_depth=2, limit=20):
                hits = await super().query_neighbors(entity_ids, bank_id, max_depth, limit=10_000)
                return sorted(hits, key=lambda hit: (hit.depth, hit.memory_id))[:limit]
        """,
        {"test_query_neighbors_orders_by_depth_then_connections_then_memory_id"},
    ),
    "connects_only_one_entity": (
        """
        class Broken(MemoryGraphStore):
            async def query_neighbors(self, entity_ids, bank_id, max_depth=2, limit=20):
                hits = await super().query_neighbors(entity_ids, bank_id, max_depth, limit)
                for hit in hits:
                    hit.connected_entities = hit.connected_entities[:1]
                return hits
        """,
        {"test_query_neighbors_gives_one_hit_per_memory_at_its_smallest_depth"},
    ),
    "wrong_score": (
        """
        class Broken(MemoryGraphStore):
            async def query_neighbors(self, entity_ids, bank_id, max_depth=2, limit=20):
                hits = await super().query_neighbors(entity_ids, bank_id, max_depth, limit)
                for hit in hits:
                    hit.score = 1.0 / (2 + hit.depth)
                return hits
        """,
        {
            "test_query_neighbors_reports_hop_depth_and_score",
            "test_query_neighbors_depth_zero_returns_the_seeds_own_memories",
            "test_query_neighbors_matches_a_breadth_first_model",
        },
    ),
    "links_leak_across_banks": (
        """
        class Broken(MemoryGraphStore):
            async def store_links(self, links, bank_id):
                for other in list(self._banks):
                    if other != bank_id:
                        await super().store_links(links, other)
                return await super().store_links(links, bank_id)
        """,
        {"test_links_and_mentions_do_not_cross_banks"},
    ),
    "bank_ids_ignore_case": (
        """
        class Broken(MemoryGraphStore):
            def _writable(self, bank_id):
                return super()._writable(bank_id.casefold())

            def _readable(self, bank_id):
                return super()._readable(bank_id.casefold())

            async def delete_bank(self, bank_id):
                return await super().delete_bank(bank_id.casefold())
        """,
        {
            "test_entities_are_isolated_between_banks",
            "test_links_and_mentions_do_not_cross_banks",
            "test_memory_links_and_deletes_are_isolated_between_banks",
        },
    ),
    "delete_bank_clears_every_bank": (
        """
        class Broken(MemoryGraphStore):
            async def delete_bank(self, bank_id):
                count = await super().delete_bank(bank_id)
                self._banks.clear()
                return count
        """,
        {"test_delete_bank_counts_entities_and_spares_other_banks", "test_entities_are_isolated_between_banks"},
    ),
    "delete_memories_leaves_associations": (
        """
        class Broken(MemoryGraphStore):
            async def delete_memories(self, memory_ids, bank_id):
                graph = self._banks.get(bank_id)
                if graph is None:
                    return 0
                kept = copy.deepcopy((graph.memories_of_entity, graph.entities_of_memory))
                count = await super().delete_memories(memory_ids, bank_id)
                graph.memories_of_entity, graph.entities_of_memory = kept
                return count
        """,
        {
            "test_delete_memories_drops_associations_and_links_and_counts",
            "test_delete_memories_keeps_entities_and_links",
            "test_memory_links_and_deletes_are_isolated_between_banks",
            "test_adversarial_ids_round_trip",
        },
    ),
    "delete_memories_counts_requests": (
        """
        class Broken(MemoryGraphStore):
            async def delete_memories(self, memory_ids, bank_id):
                await super().delete_memories(memory_ids, bank_id)
                return len(set(memory_ids))
        """,
        {"test_delete_memories_drops_associations_and_links_and_counts"},
    ),
    "memory_links_ignore_link_types": (
        """
        class Broken(MemoryGraphStore):
            async def find_memory_links(self, seed_memory_ids, bank_id, *, link_types=None, limit=200):
                return await super().find_memory_links(seed_memory_ids, bank_id, limit=limit)
        """,
        {"test_find_memory_links_filters_by_link_type"},
    ),
    "entity_upsert_appends": (
        """
        class Broken(MemoryGraphStore):
            async def store_entities(self, entities, bank_id):
                ids = await super().store_entities(entities, bank_id)
                graph = self._banks[bank_id]
                for entity_id in dict.fromkeys(ids):
                    slot = f"{entity_id}#{len(graph.entities)}"
                    graph.entities[slot] = graph.entities.pop(entity_id)
                    graph.name_trigrams[slot] = graph.name_trigrams.pop(entity_id)
                return ids
        """,
        {"test_entity_upsert_replaces"},
    ),
    "forgets_to_copy": (
        """
        class Broken(MemoryGraphStore):
            async def store_entities(self, entities, bank_id):
                ids = await super().store_entities(entities, bank_id)
                self._banks[bank_id].entities.update((entity.id, entity) for entity in entities)
                return ids
        """,
        {"test_stored_entities_are_copies"},
    ),
    "exact_match_not_first": (
        """
        class Broken(MemoryGraphStore):
            async def query_entities(self, query, bank_id, limit=10):
                found = await super().query_entities(query, bank_id, limit=10_000)
                return sorted(found, key=lambda entity: entity.id)[:limit]
        """,
        {"test_query_entities_puts_exact_name_matches_first"},
    ),
    "candidates_ignore_threshold": (
        """
        class Broken(MemoryGraphStore):
            async def find_entity_candidates(self, name, bank_id, threshold=0.8, limit=5):
                return await super().find_entity_candidates(name, bank_id, threshold=0.0, limit=limit)
        """,
        {"test_find_entity_candidates_respects_threshold", "test_find_entity_candidates_tolerates_typos"},
    ),
    "candidates_unordered": (
        """
        class Broken(MemoryGraphStore):
            async def find_entity_candidates(self, name, bank_id, threshold=0.8, limit=5):
                found = await super().find_entity_candidates(name, bank_id, threshold, limit=10_000)
                return sorted(found, key=lambda entity: entity.id)[:limit]
        """,
        {"test_find_entity_candidates_orders_most_similar_first", "test_find_entity_candidates_respects_limit"},
    ),
    "scored_candidates_ignore_embeddings": (
        """
        class Broken(MemoryGraphStore):
            async def find_entity_candidates_scored(self, name, bank_id, *, name_embedding=None, **options):
                return await super().find_entity_candidates_scored(name, bank_id, **options)
        """,
        {"test_scored_candidates_compare_embeddings"},
    ),
    "scored_candidates_without_co_occurrence": (
        """
        class Broken(MemoryGraphStore):
            async def find_entity_candidates_scored(self, name, bank_id, **options):
                matches = await super().find_entity_candidates_scored(name, bank_id, **options)
                for match in matches:
                    match.co_occurring_names = []
                return matches
        """,
        {"test_scored_candidates_list_co_occurring_names"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("GraphStoreContract", _IMPORTS + textwrap.dedent(source), "Broken()")
    assert must_fail <= outcome.failed, f"{variant}: expected {sorted(must_fail)} to fail, got {sorted(outcome.failed)}"


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    outcome = run_contract("GraphStoreContract", _IMPORTS, "MemoryGraphStore()")
    assert outcome.failed == frozenset()
    assert outcome.skipped == frozenset()
    assert len(outcome.passed) >= 40
