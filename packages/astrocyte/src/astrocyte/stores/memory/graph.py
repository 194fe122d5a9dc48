"""The in-memory GraphStore: the reference the GraphStore contract suite is written against.

Each bank is one :class:`_BankGraph` of plain dicts, with the indexes every read needs kept up to
date on write (entity neighbours, memories per entity and back, memory links per memory), so a
query touches only what it returns instead of scanning the bank. Objects are deep-copied on the
way in and out: nothing a caller holds can change what is stored. Argument checks
(:mod:`astrocyte.stores.arguments`) and name similarity (:mod:`astrocyte.stores.entity_similarity`)
are shared with the SQLite store.
"""

from __future__ import annotations

import copy
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from astrocyte.stores.arguments import checked_ids, checked_items, checked_string, checked_threshold
from astrocyte.stores.entity_similarity import names_of, trigram_similarity, trigrams
from astrocyte.stores.graph_logic import (
    candidate_matches,
    entity_query_needle,
    memory_link_arguments,
    neighbour_hit,
    walk_arguments,
)
from astrocyte.stores.memory._banks import Banks
from astrocyte.stores.memory._health import healthy_since
from astrocyte.stores.memory._index import discard_from_index
from astrocyte.types import (
    Entity,
    EntityCandidateMatch,
    EntityLink,
    GraphHit,
    GraphStoreCapabilities,
    HealthStatus,
    MemoryEntityAssociation,
    MemoryLink,
)
from astrocyte.validation import check_positive_int, check_vector


@dataclass
class _BankGraph:
    """Everything one bank holds. Reads use ``.get`` so that asking never creates an entry."""

    entities: dict[str, Entity] = field(default_factory=dict)
    #: Trigram sets of each entity's name and aliases, computed once when the entity is stored.
    name_trigrams: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    #: The links themselves, by key, kept whole (evidence, confidence) although no SPI read returns them yet.
    links: dict[str, EntityLink] = field(default_factory=dict)
    #: Undirected adjacency: query_neighbors walks links in either direction.
    neighbours: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    memories_of_entity: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    entities_of_memory: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    memory_links: dict[str, MemoryLink] = field(default_factory=dict)
    #: Keys of the memory links each memory is the source or target of.
    memory_link_keys: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: Newest time an association or entity link mentioning the entity was recorded.
    last_seen: dict[str, datetime] = field(default_factory=dict)

    def seen(self, entity_id: str, when: datetime) -> None:
        previous = self.last_seen.get(entity_id)
        if previous is None or when > previous:
            self.last_seen[entity_id] = when


class MemoryGraphStore:
    """A GraphStore kept in process memory: correct and simple, for tests and zero-setup use.

    Choices where the SPI leaves room, stated once here:

    - ``query_neighbors`` takes ``max_depth >= 0`` (0 returns the seeds' own memories, matching
      ``GraphHit.depth`` 0 = a seed itself) and ``limit >= 1``; ``connected_entities`` is sorted.
    - ``query_entities`` gives ``[]`` for a blank query; after exact name matches, hits are ordered
      by lower-cased name, then id.
    - Candidate thresholds must lie in [0, 1]. Candidates tie-break on id. The scored variant ranks
      by name similarity alone; ``embedding_similarity`` is evidence beside it, and ``None`` when the
      entity has no embedding or one of another dimension than ``name_embedding``.
      ``co_occurring_names`` lists, sorted, the names of stored entities sharing a memory with the
      candidate; ``mention_count`` is the entity's own; ``last_seen`` is when an association or link
      naming it was last recorded (a link's ``created_at`` when it has one).
    - ``find_memory_links`` returns links ordered by key.
    """

    SPI_VERSION = 1

    def __init__(self) -> None:
        self._banks: Banks[_BankGraph] = Banks(_BankGraph)

    def capabilities(self) -> GraphStoreCapabilities:
        return GraphStoreCapabilities(entity_embeddings=True)

    def _writable(self, bank_id: str) -> _BankGraph:
        return self._banks.for_write(bank_id)

    def _readable(self, bank_id: str) -> _BankGraph:
        """The bank's graph, or an empty one that is not kept: reading never creates a bank."""
        return self._banks.for_read(bank_id)

    # ------------------------------------------------------------------------------ writes

    async def store_entities(self, entities: list[Entity], bank_id: str) -> list[str]:
        checked = checked_items(entities, Entity, "entities")
        graph = self._writable(bank_id)
        for entity in checked:
            graph.entities[entity.id] = copy.deepcopy(entity)
            graph.name_trigrams[entity.id] = [trigrams(text) for text in names_of(entity)]
        return [entity.id for entity in checked]

    async def store_links(self, links: list[EntityLink], bank_id: str) -> list[str]:
        checked = checked_items(links, EntityLink, "links")
        graph = self._writable(bank_id)
        for link in checked:
            graph.links[link.key] = copy.deepcopy(link)
            graph.neighbours[link.entity_a].add(link.entity_b)
            graph.neighbours[link.entity_b].add(link.entity_a)
            when = link.created_at or _now()
            graph.seen(link.entity_a, when)
            graph.seen(link.entity_b, when)
        return [link.key for link in checked]

    async def store_entity_link(self, link: EntityLink, bank_id: str) -> str:
        return (await self.store_links([link], bank_id))[0]

    async def link_memories_to_entities(self, associations: list[MemoryEntityAssociation], bank_id: str) -> None:
        checked = checked_items(associations, MemoryEntityAssociation, "associations")
        graph = self._writable(bank_id)
        when = _now()
        for association in checked:
            graph.memories_of_entity[association.entity_id].add(association.memory_id)
            graph.entities_of_memory[association.memory_id].add(association.entity_id)
            graph.seen(association.entity_id, when)

    async def store_memory_links(self, links: list[MemoryLink], bank_id: str) -> list[str]:
        checked = checked_items(links, MemoryLink, "links")
        graph = self._writable(bank_id)
        for link in checked:
            graph.memory_links[link.key] = copy.deepcopy(link)
            graph.memory_link_keys[link.source_memory_id].add(link.key)
            graph.memory_link_keys[link.target_memory_id].add(link.key)
        return [link.key for link in checked]

    # ------------------------------------------------------------------------------ reads

    async def find_memory_links(
        self,
        seed_memory_ids: list[str],
        bank_id: str,
        *,
        link_types: list[str] | None = None,
        limit: int = 200,
    ) -> list[MemoryLink]:
        seeds, wanted_types = memory_link_arguments(seed_memory_ids, bank_id, link_types, limit)
        graph = self._readable(bank_id)
        keys: set[str] = set()
        for seed in seeds:
            keys |= graph.memory_link_keys.get(seed, set())
        found = (graph.memory_links[key] for key in sorted(keys))
        matching = [link for link in found if wanted_types is None or link.link_type in wanted_types]
        return copy.deepcopy(matching[:limit])

    async def query_neighbors(
        self, entity_ids: list[str], bank_id: str, max_depth: int = 2, limit: int = 20
    ) -> list[GraphHit]:
        seeds = walk_arguments(entity_ids, bank_id, max_depth, limit)
        graph = self._readable(bank_id)
        depth_of_entity = _breadth_first(graph.neighbours, seeds, max_depth)
        depth_of_memory: dict[str, int] = {}
        connected: defaultdict[str, list[str]] = defaultdict(list)
        for entity_id, depth in depth_of_entity.items():
            for memory_id in graph.memories_of_entity.get(entity_id, ()):
                connected[memory_id].append(entity_id)
                depth_of_memory[memory_id] = min(depth, depth_of_memory.get(memory_id, depth))
        hits = [
            neighbour_hit(memory_id, entity_ids_reached, depth_of_memory[memory_id])
            for memory_id, entity_ids_reached in connected.items()
        ]
        hits.sort(key=lambda hit: (hit.depth, -len(hit.connected_entities), hit.memory_id))
        return hits[:limit]

    async def query_entities(self, query: str, bank_id: str, limit: int = 10) -> list[Entity]:
        needle = entity_query_needle(query, bank_id, limit)
        graph = self._readable(bank_id)
        if not needle.strip():
            return []
        matches = [
            entity for entity in graph.entities.values() if any(needle in text.casefold() for text in names_of(entity))
        ]
        matches.sort(key=lambda entity: (entity.name.casefold() != needle, entity.name.casefold(), entity.id))
        return copy.deepcopy(matches[:limit])

    async def find_entity_candidates(
        self, name: str, bank_id: str, threshold: float = 0.8, limit: int = 5
    ) -> list[Entity]:
        graph = self._readable(bank_id)
        ranked = _ranked_by_name(graph, name, checked_threshold(threshold, "threshold"))
        check_positive_int(limit, "limit")
        return [copy.deepcopy(graph.entities[entity_id]) for entity_id, _ in ranked[:limit]]

    async def find_entity_candidates_scored(
        self,
        name: str,
        bank_id: str,
        *,
        name_embedding: list[float] | None = None,
        trigram_threshold: float = 0.3,
        limit: int = 10,
    ) -> list[EntityCandidateMatch]:
        graph = self._readable(bank_id)
        ranked = _ranked_by_name(graph, name, checked_threshold(trigram_threshold, "trigram_threshold"))
        check_positive_int(limit, "limit")
        if name_embedding is not None:
            check_vector(name_embedding, "name_embedding")
        chosen = ranked[:limit]
        candidates = [
            (copy.deepcopy(graph.entities[entity_id]), similarity, graph.last_seen.get(entity_id))
            for entity_id, similarity in chosen
        ]
        co_occurring = {entity_id: _co_occurring_names(graph, entity_id) for entity_id, _ in chosen}
        return candidate_matches(candidates, name_embedding, co_occurring)

    # ------------------------------------------------------------------------------ deletes

    async def delete_memories(self, memory_ids: list[str], bank_id: str) -> int:
        graph = self._readable(bank_id)
        deleted = 0
        for memory_id in set(checked_ids(memory_ids, "memory_ids")):
            entity_ids = graph.entities_of_memory.pop(memory_id, set())
            for entity_id in entity_ids:
                discard_from_index(graph.memories_of_entity, entity_id, memory_id)
            link_keys = graph.memory_link_keys.pop(memory_id, set())
            for key in link_keys:
                link = graph.memory_links.pop(key)
                for end in (link.source_memory_id, link.target_memory_id):
                    discard_from_index(graph.memory_link_keys, end, key)
            deleted += bool(entity_ids or link_keys)
        return deleted

    async def delete_bank(self, bank_id: str) -> int:
        graph = self._banks.drop(bank_id)
        return 0 if graph is None else len(graph.entities)

    async def health(self) -> HealthStatus:
        started = time.perf_counter()
        return healthy_since(started, f"in-memory graph store holding {len(self._banks)} bank(s)")


# ---------------------------------------------------------------------------------- helpers


def _now() -> datetime:
    return datetime.now(UTC)


def _breadth_first(neighbours: Mapping[str, set[str]], seeds: list[str], max_depth: int) -> dict[str, int]:
    """Each entity within ``max_depth`` hops of a seed, with its smallest hop count."""
    depth_of = dict.fromkeys(seeds, 0)
    frontier = set(depth_of)
    for depth in range(1, max_depth + 1):
        frontier = {
            neighbour
            for entity_id in frontier
            for neighbour in neighbours.get(entity_id, ())
            if neighbour not in depth_of
        }
        if not frontier:
            break
        depth_of.update(dict.fromkeys(frontier, depth))
    return depth_of


def _ranked_by_name(graph: _BankGraph, name: str, threshold: float) -> list[tuple[str, float]]:
    """``(entity id, similarity)`` of entities whose best name or alias reaches ``threshold``, best first."""
    query = trigrams(checked_string(name, "name"))
    ranked = []
    for entity_id, name_grams in graph.name_trigrams.items():
        similarity = max(trigram_similarity(query, grams) for grams in name_grams)
        if similarity >= threshold:
            ranked.append((entity_id, similarity))
    ranked.sort(key=lambda pair: (-pair[1], pair[0]))
    return ranked


def _co_occurring_names(graph: _BankGraph, entity_id: str) -> list[str]:
    """Names of the other stored entities that some memory mentions together with ``entity_id``."""
    others = {
        other
        for memory_id in graph.memories_of_entity.get(entity_id, ())
        for other in graph.entities_of_memory.get(memory_id, ())
        if other != entity_id and other in graph.entities
    }
    return sorted({graph.entities[other].name for other in others})


__all__ = ["MemoryGraphStore", "trigram_similarity", "trigrams"]
