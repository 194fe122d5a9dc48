"""The backend-neutral half of a SQL-backed GraphStore: argument checks, name indexing, hit assembly.

The SQLite store of the core and the PostgreSQL adapter differ only in how they talk to their
database; what they check, which name rows they write and how they turn rows into SPI results must
not differ, or a caller could tell the two apart. Each of those steps is defined once here; the
in-memory reference store uses the argument checks and hit assembly too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from astrocyte.stores.arguments import checked_ids, checked_string
from astrocyte.stores.entity_similarity import embedding_similarities, names_of, trigrams
from astrocyte.types import Entity, EntityCandidateMatch, EntityLink, GraphHit
from astrocyte.validation import check_bank_id, check_non_negative_int, check_positive_int, check_tags

#: The tables one bank's graph occupies, named alike in the SQLite and PostgreSQL schemas: what
#: ``delete_bank`` empties.
GRAPH_TABLES = (
    "graph_entities",
    "graph_entity_names",
    "graph_name_trigrams",
    "graph_entity_links",
    "graph_mentions",
    "graph_memory_links",
    "graph_entity_seen",
)
#: One name of an entity in the name index: entity id, position (0 = the name), folded text, trigram count.
NameRow = tuple[str, int, str, int]
#: One trigram of a name in the trigram index: trigram, entity id, position of the name.
TrigramRow = tuple[str, str, int]


def walk_arguments(entity_ids: list[str], bank_id: str, max_depth: int, limit: int) -> list[str]:
    """The checked seeds of a walk from ``entity_ids``, once its other arguments are checked too."""
    check_bank_id(bank_id)
    seeds = checked_ids(entity_ids, "entity_ids")
    check_non_negative_int(max_depth, "max_depth")
    check_positive_int(limit, "limit")
    return seeds


def memory_link_arguments(
    seed_memory_ids: list[str], bank_id: str, link_types: list[str] | None, limit: int
) -> tuple[list[str], list[str] | None]:
    """The checked seeds and link types of ``find_memory_links``, once ``bank_id`` and ``limit`` are checked."""
    check_bank_id(bank_id)
    seeds = checked_ids(seed_memory_ids, "seed_memory_ids")
    wanted_types = check_tags(link_types, "link_types")
    check_positive_int(limit, "limit")
    return seeds, wanted_types


def entity_query_needle(query: str, bank_id: str, limit: int) -> str:
    """The case-folded text ``query_entities`` looks for, once ``bank_id`` and ``limit`` are checked."""
    check_bank_id(bank_id)
    needle = checked_string(query, "query").casefold()
    check_positive_int(limit, "limit")
    return needle


def candidate_trigrams(name: str, bank_id: str, limit: int) -> frozenset[str]:
    """The trigrams entity candidates for ``name`` are scored on, once ``bank_id`` and ``limit`` are checked."""
    check_bank_id(bank_id)
    query = trigrams(checked_string(name, "name"))
    check_positive_int(limit, "limit")
    return query


def link_sightings(links: Sequence[EntityLink], now: datetime) -> Iterator[tuple[str, datetime]]:
    """Each entity a link names, with when it was seen: the link's ``created_at``, else ``now``."""
    return ((entity_id, link.created_at or now) for link in links for entity_id in (link.entity_a, link.entity_b))


def renamed_entities(entities: Mapping[str, Entity], indexed: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The names of those ``entities`` whose folded names differ from the ``indexed`` ones (in position order).

    Storing an entity again under the same names, as every retain that mentions it does, then
    writes no index rows: the trigrams are most of the cost of storing an entity.
    """
    named = {entity_id: names_of(entity) for entity_id, entity in entities.items()}
    return {
        entity_id: names
        for entity_id, names in named.items()
        if [text.casefold() for text in names] != indexed.get(entity_id)
    }


def name_index_rows(renamed: Mapping[str, list[str]]) -> tuple[list[NameRow], list[TrigramRow]]:
    """The name rows and trigram rows that index the names of ``renamed`` entities."""
    name_rows: list[NameRow] = []
    trigram_rows: list[TrigramRow] = []
    for entity_id, names in renamed.items():
        for position, text in enumerate(names):
            grams = trigrams(text)
            name_rows.append((entity_id, position, text.casefold(), len(grams)))
            trigram_rows.extend((gram, entity_id, position) for gram in grams)
    return name_rows, trigram_rows


def neighbour_hit(memory_id: str, entity_ids: list[str], depth: int) -> GraphHit:
    """A ``query_neighbors`` hit: scored ``1 / (1 + depth)``, its connecting entities sorted."""
    return GraphHit(
        memory_id=memory_id, text="", connected_entities=sorted(entity_ids), depth=depth, score=1.0 / (1 + depth)
    )


def candidate_matches(
    candidates: Sequence[tuple[Entity, float, datetime | None]],
    name_embedding: list[float] | None,
    co_occurring: Mapping[str, list[str]],
) -> list[EntityCandidateMatch]:
    """Scored candidates from (entity, name similarity, last seen) triples, in the order given."""
    embeddings = {entity.id: entity.embedding for entity, _, _ in candidates}
    embedding_scores = embedding_similarities(embeddings, name_embedding)
    return [
        EntityCandidateMatch(
            entity=entity,
            name_similarity=similarity,
            embedding_similarity=embedding_scores.get(entity.id),
            co_occurring_names=co_occurring.get(entity.id, []),
            last_seen=last_seen,
            mention_count=entity.mention_count,
        )
        for entity, similarity, last_seen in candidates
    ]


__all__ = [
    "GRAPH_TABLES",
    "NameRow",
    "TrigramRow",
    "candidate_matches",
    "candidate_trigrams",
    "entity_query_needle",
    "link_sightings",
    "memory_link_arguments",
    "name_index_rows",
    "neighbour_hit",
    "renamed_entities",
    "walk_arguments",
]
