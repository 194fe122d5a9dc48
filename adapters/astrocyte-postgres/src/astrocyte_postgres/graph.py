"""The PostgreSQL :class:`~astrocyte.spi.GraphStore`: the graph as plain tables, walked with recursive CTEs.

``query_neighbors`` is one ``WITH RECURSIVE`` over a two-way view of the entity links (each
direction through its own index), never the bank's graph loaded into Python. Name candidates come
from an inverted index of name trigrams written by the store, scored in SQL with the Jaccard index
of :func:`astrocyte.stores.entity_similarity.trigram_similarity`, so this store ranks names exactly
as the in-memory and SQLite ones do (``pg_trgm`` pads and splits words differently).

Where the SPI leaves room the choices are the in-memory reference's: ``connected_entities``
sorted; ``query_entities`` ordered by exact name match, then case-folded name, then id;
candidates tie-broken by id; memory links ordered by key; ``last_seen`` the newest time an
association or a link named the entity. ``delete_memories`` counts the memories that had any
association or link before the call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import asyncpg

from astrocyte.stores.arguments import checked_bank_items, checked_ids, checked_threshold
from astrocyte.stores.graph_logic import (
    GRAPH_TABLES,
    candidate_matches,
    candidate_trigrams,
    entity_query_needle,
    link_sightings,
    memory_link_arguments,
    name_index_rows,
    neighbour_hit,
    renamed_entities,
    walk_arguments,
)
from astrocyte.types import (
    Entity,
    EntityCandidateMatch,
    EntityLink,
    GraphHit,
    GraphStoreCapabilities,
    MemoryEntityAssociation,
    MemoryLink,
)
from astrocyte.validation import check_bank_id, check_vector
from astrocyte_postgres._conditions import json_texts
from astrocyte_postgres._store_base import PostgresStore

_UPSERT_ENTITIES = """
INSERT INTO graph_entities (bank_id, entity_id, name, entity_type, aliases, metadata, embedding, mention_count)
SELECT $1, i, n, t, a::jsonb, m::jsonb, e::real[], c
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[])
     AS u(i, n, t, a, m, e, c)
ON CONFLICT (bank_id, entity_id) DO UPDATE SET
    name = excluded.name, entity_type = excluded.entity_type, aliases = excluded.aliases,
    metadata = excluded.metadata, embedding = excluded.embedding, mention_count = excluded.mention_count
"""

_UPSERT_ENTITY_LINKS = """
INSERT INTO graph_entity_links
    (bank_id, link_key, entity_a, entity_b, link_type, evidence, confidence, created_at, metadata)
SELECT $1, k, a, b, t, e, c, w, m::jsonb
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::timestamptz[], $9::text[])
     AS u(k, a, b, t, e, c, w, m)
ON CONFLICT (bank_id, link_key) DO UPDATE SET
    entity_a = excluded.entity_a, entity_b = excluded.entity_b, link_type = excluded.link_type,
    evidence = excluded.evidence, confidence = excluded.confidence, created_at = excluded.created_at,
    metadata = excluded.metadata
"""

_UPSERT_MEMORY_LINKS = """
INSERT INTO graph_memory_links (bank_id, link_key, source_memory_id, target_memory_id, link_type,
                                evidence, confidence, weight, created_at, metadata)
SELECT $1, k, s, t, y, e, c, w, d, m::jsonb
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
            $9::timestamptz[], $10::text[]) AS u(k, s, t, y, e, c, w, d, m)
ON CONFLICT (bank_id, link_key) DO UPDATE SET
    source_memory_id = excluded.source_memory_id, target_memory_id = excluded.target_memory_id,
    link_type = excluded.link_type, evidence = excluded.evidence, confidence = excluded.confidence,
    weight = excluded.weight, created_at = excluded.created_at, metadata = excluded.metadata
"""

# Marks entities seen: the write before it in a CTE, then this, so that a write and its sightings
# are one round trip. {entities} and {times} name the parameters of the sightings' two columns.
_SEEN = """
INSERT INTO graph_entity_seen (bank_id, entity_id, last_seen)
SELECT $1, entity_id, max(seen) FROM unnest({entities}::text[], {times}::timestamptz[]) AS u(entity_id, seen)
GROUP BY entity_id
ON CONFLICT (bank_id, entity_id) DO UPDATE SET last_seen = greatest(graph_entity_seen.last_seen, excluded.last_seen)
"""

_LINK_ENTITIES = f"WITH linked AS ({_UPSERT_ENTITY_LINKS}){_SEEN.format(entities='$10', times='$11')}"

_MENTION = f"""
WITH mentioned AS (
    INSERT INTO graph_mentions (bank_id, entity_id, memory_id)
    SELECT $1, e, m FROM unnest($2::text[], $3::text[]) AS u(e, m)
    ON CONFLICT (bank_id, entity_id, memory_id) DO NOTHING
){_SEEN.format(entities="$2", times="$4")}"""

# The upsert, and the names indexed for those entities before it, to compare with their new names.
_STORE_ENTITIES = f"""
WITH stored AS ({_UPSERT_ENTITIES})
SELECT entity_id, folded FROM graph_entity_names WHERE bank_id = $1 AND entity_id = ANY($2::text[])
ORDER BY entity_id, position
"""

# Breadth-first by depth over both directions of every link. UNION (not ALL) drops repeated
# (entity, depth) pairs, so the walk ends after max_depth rounds even on cyclic graphs; each
# entity keeps its smallest depth.
_NEIGHBOURS = """
WITH RECURSIVE
walk (entity_id, depth) AS (
    SELECT seed COLLATE "C", 0 FROM unnest($2::text[]) AS seed
    UNION
    SELECT step.next, walk.depth + 1
    FROM walk
    CROSS JOIN LATERAL (
        SELECT link.entity_b AS next FROM graph_entity_links AS link
        WHERE link.bank_id = $1 AND link.entity_a = walk.entity_id
        UNION ALL
        SELECT link.entity_a FROM graph_entity_links AS link
        WHERE link.bank_id = $1 AND link.entity_b = walk.entity_id
    ) AS step
    WHERE walk.depth < $3
),
reached (entity_id, depth) AS (
    SELECT entity_id, min(depth) FROM walk GROUP BY entity_id
)
SELECT mention.memory_id, min(reached.depth) AS depth, count(*) AS connections,
       array_agg(mention.entity_id ORDER BY mention.entity_id) AS entity_ids
FROM reached JOIN graph_mentions AS mention ON mention.bank_id = $1 AND mention.entity_id = reached.entity_id
GROUP BY mention.memory_id
ORDER BY depth, connections DESC, mention.memory_id
LIMIT $4
"""

_ENTITY_COLUMNS = (
    "entity.entity_id, entity.name, entity.entity_type, entity.aliases, entity.metadata, "
    "entity.embedding, entity.mention_count"
)

_MATCHING_ENTITIES = f"""
SELECT {_ENTITY_COLUMNS}
FROM graph_entities AS entity
JOIN graph_entity_names AS own
  ON own.bank_id = entity.bank_id AND own.entity_id = entity.entity_id AND own.position = 0
WHERE entity.bank_id = $1
  AND entity.entity_id IN (
      SELECT entity_id FROM graph_entity_names WHERE bank_id = $1 AND strpos(folded, $2) > 0
  )
ORDER BY own.folded <> $2, own.folded, entity.entity_id
LIMIT $3
"""

# Jaccard index of trigram sets: |shared| / (|name| + |query| - |shared|), best name or alias per
# entity. Names sharing no trigram score 0, so they are listed (second branch) only at threshold 0.
_CANDIDATES = f"""
WITH
shared (entity_id, position, shared) AS (
    SELECT gram.entity_id, gram.position, count(*)
    FROM graph_name_trigrams AS gram
    WHERE gram.bank_id = $1 AND gram.trigram = ANY($2::text[])
    GROUP BY gram.entity_id, gram.position
),
alike (entity_id, similarity) AS (
    SELECT shared.entity_id, max(shared.shared::float8 / (name.trigram_count + $3 - shared.shared))
    FROM shared
    JOIN graph_entity_names AS name
      ON name.bank_id = $1 AND name.entity_id = shared.entity_id AND name.position = shared.position
    GROUP BY shared.entity_id
),
scored (entity_id, similarity) AS (
    SELECT entity_id, similarity FROM alike WHERE similarity >= $4
    UNION ALL
    SELECT entity_id, 0.0 FROM graph_entities
    WHERE $4 <= 0 AND bank_id = $1 AND entity_id NOT IN (SELECT entity_id FROM alike)
),
chosen (entity_id, similarity) AS (
    SELECT entity_id, similarity FROM scored ORDER BY similarity DESC, entity_id LIMIT $5
)
SELECT {_ENTITY_COLUMNS}, chosen.similarity, seen.last_seen
FROM chosen
JOIN graph_entities AS entity ON entity.bank_id = $1 AND entity.entity_id = chosen.entity_id
LEFT JOIN graph_entity_seen AS seen ON seen.bank_id = $1 AND seen.entity_id = chosen.entity_id
ORDER BY chosen.similarity DESC, chosen.entity_id
"""

_CO_OCCURRING_NAMES = """
SELECT DISTINCT mine.entity_id, other.name
FROM graph_mentions AS mine
JOIN graph_mentions AS theirs
  ON theirs.bank_id = $1 AND theirs.memory_id = mine.memory_id AND theirs.entity_id <> mine.entity_id
JOIN graph_entities AS other ON other.bank_id = $1 AND other.entity_id = theirs.entity_id
WHERE mine.bank_id = $1 AND mine.entity_id = ANY($2::text[])
ORDER BY mine.entity_id, other.name
"""

_LINKS_TOUCHING = """
SELECT link_key FROM graph_memory_links WHERE bank_id = $1 AND source_memory_id = ANY($2::text[])
UNION
SELECT link_key FROM graph_memory_links WHERE bank_id = $1 AND target_memory_id = ANY($2::text[])
"""

_MEMORY_LINK_COLUMNS = (
    "source_memory_id, target_memory_id, link_type, evidence, confidence, weight, created_at, metadata"
)

_MEMORIES_WITH_ANYTHING = """
SELECT count(*) FROM (SELECT DISTINCT memory_id FROM unnest($2::text[]) AS memory_id) AS doomed
WHERE EXISTS (SELECT 1 FROM graph_mentions WHERE bank_id = $1 AND memory_id = doomed.memory_id)
   OR EXISTS (SELECT 1 FROM graph_memory_links WHERE bank_id = $1 AND source_memory_id = doomed.memory_id)
   OR EXISTS (SELECT 1 FROM graph_memory_links WHERE bank_id = $1 AND target_memory_id = doomed.memory_id)
"""


class PostgresGraphStore(PostgresStore):
    """Entities, links and mentions of every bank in the schema."""

    holds: ClassVar[str] = "graph"

    def capabilities(self) -> GraphStoreCapabilities:
        return GraphStoreCapabilities(entity_embeddings=True, transactional=True)

    # ------------------------------------------------------------------------------ writes

    async def store_entities(self, entities: list[Entity], bank_id: str) -> list[str]:
        checked = checked_bank_items(entities, Entity, "entities", bank_id)
        if not checked:
            return []
        latest = {entity.id: entity for entity in checked}  # a repeated id: the last one wins
        rows = list(latest.values())
        async with self.database.writing(bank_id) as connection:
            indexed = await connection.fetch(
                _STORE_ENTITIES,
                bank_id,
                [entity.id for entity in rows],
                [entity.name for entity in rows],
                [entity.entity_type for entity in rows],
                json_texts(entity.aliases for entity in rows),
                json_texts(entity.metadata for entity in rows),
                [_real_array(entity.embedding) for entity in rows],
                [entity.mention_count for entity in rows],
            )
            await _index_names(connection, bank_id, latest, indexed)
        return [entity.id for entity in checked]

    async def store_links(self, links: list[EntityLink], bank_id: str) -> list[str]:
        checked = checked_bank_items(links, EntityLink, "links", bank_id)
        if not checked:
            return []
        rows = list({link.key: link for link in checked}.values())
        sightings = list(link_sightings(checked, datetime.now(UTC)))
        async with self.database.writing(bank_id) as connection:
            await connection.execute(
                _LINK_ENTITIES,
                bank_id,
                [link.key for link in rows],
                [link.entity_a for link in rows],
                [link.entity_b for link in rows],
                [link.link_type for link in rows],
                [link.evidence for link in rows],
                [link.confidence for link in rows],
                [link.created_at for link in rows],
                json_texts(link.metadata for link in rows),
                [entity_id for entity_id, _ in sightings],
                [when for _, when in sightings],
            )
        return [link.key for link in checked]

    async def store_entity_link(self, link: EntityLink, bank_id: str) -> str:
        return (await self.store_links([link], bank_id))[0]

    async def link_memories_to_entities(self, associations: list[MemoryEntityAssociation], bank_id: str) -> None:
        checked = checked_bank_items(associations, MemoryEntityAssociation, "associations", bank_id)
        if not checked:
            return
        now = datetime.now(UTC)
        async with self.database.writing(bank_id) as connection:
            await connection.execute(
                _MENTION,
                bank_id,
                [association.entity_id for association in checked],
                [association.memory_id for association in checked],
                [now] * len(checked),
            )

    async def store_memory_links(self, links: list[MemoryLink], bank_id: str) -> list[str]:
        checked = checked_bank_items(links, MemoryLink, "links", bank_id)
        if not checked:
            return []
        rows = list({link.key: link for link in checked}.values())
        async with self.database.writing(bank_id) as connection:
            await connection.execute(
                _UPSERT_MEMORY_LINKS,
                bank_id,
                [link.key for link in rows],
                [link.source_memory_id for link in rows],
                [link.target_memory_id for link in rows],
                [link.link_type for link in rows],
                [link.evidence for link in rows],
                [link.confidence for link in rows],
                [link.weight for link in rows],
                [link.created_at for link in rows],
                json_texts(link.metadata for link in rows),
            )
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
        if not seeds:
            return []
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_MEMORY_LINK_COLUMNS} FROM graph_memory_links "
                f"WHERE bank_id = $1 AND link_key IN ({_LINKS_TOUCHING}) "
                "AND ($3::text[] IS NULL OR link_type = ANY($3::text[])) ORDER BY link_key LIMIT $4",
                bank_id,
                seeds,
                wanted_types,
                limit,
            )
        return [MemoryLink(**dict(row)) for row in rows]

    async def query_neighbors(
        self, entity_ids: list[str], bank_id: str, max_depth: int = 2, limit: int = 20
    ) -> list[GraphHit]:
        seeds = walk_arguments(entity_ids, bank_id, max_depth, limit)
        if not seeds:
            return []
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(_NEIGHBOURS, bank_id, seeds, max_depth, limit)
        return [neighbour_hit(row["memory_id"], row["entity_ids"], row["depth"]) for row in rows]

    async def query_entities(self, query: str, bank_id: str, limit: int = 10) -> list[Entity]:
        needle = entity_query_needle(query, bank_id, limit)
        if not needle.strip():
            return []
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(_MATCHING_ENTITIES, bank_id, needle, limit)
        return [_entity(row) for row in rows]

    async def find_entity_candidates(
        self, name: str, bank_id: str, threshold: float = 0.8, limit: int = 5
    ) -> list[Entity]:
        rows = await self._candidates(name, bank_id, checked_threshold(threshold, "threshold"), limit)
        return [_entity(row) for row in rows]

    async def find_entity_candidates_scored(
        self,
        name: str,
        bank_id: str,
        *,
        name_embedding: list[float] | None = None,
        trigram_threshold: float = 0.3,
        limit: int = 10,
    ) -> list[EntityCandidateMatch]:
        threshold = checked_threshold(trigram_threshold, "trigram_threshold")
        if name_embedding is not None:
            check_vector(name_embedding, "name_embedding")
        rows = await self._candidates(name, bank_id, threshold, limit)
        co_occurring = await self._co_occurring_names(bank_id, [row["entity_id"] for row in rows])
        candidates = [(_entity(row), row["similarity"], row["last_seen"]) for row in rows]
        return candidate_matches(candidates, name_embedding, co_occurring)

    async def _candidates(self, name: str, bank_id: str, threshold: float, limit: int) -> list[asyncpg.Record]:
        """Entity rows (with ``similarity`` and ``last_seen``) whose best name reaches ``threshold``, best first."""
        query = sorted(candidate_trigrams(name, bank_id, limit))
        async with self.database.reading(bank_id) as connection:
            return list(await connection.fetch(_CANDIDATES, bank_id, query, len(query), threshold, limit))

    async def _co_occurring_names(self, bank_id: str, entity_ids: list[str]) -> dict[str, list[str]]:
        """For each entity, the sorted names of other stored entities some memory mentions with it."""
        names: defaultdict[str, list[str]] = defaultdict(list)
        if entity_ids:
            async with self.database.reading(bank_id) as connection:
                for row in await connection.fetch(_CO_OCCURRING_NAMES, bank_id, entity_ids):
                    names[row["entity_id"]].append(row["name"])
        return names

    # ------------------------------------------------------------------------------ deletes

    async def delete_memories(self, memory_ids: list[str], bank_id: str) -> int:
        check_bank_id(bank_id)
        doomed = checked_ids(memory_ids, "memory_ids")
        if not doomed:
            return 0
        async with self.database.writing(bank_id) as connection:
            deleted = await connection.fetchval(_MEMORIES_WITH_ANYTHING, bank_id, doomed)
            await connection.execute(
                "DELETE FROM graph_mentions WHERE bank_id = $1 AND memory_id = ANY($2::text[])", bank_id, doomed
            )
            await connection.execute(
                f"DELETE FROM graph_memory_links WHERE bank_id = $1 AND link_key IN ({_LINKS_TOUCHING})",
                bank_id,
                doomed,
            )
        return int(deleted)

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        async with self.database.writing(bank_id) as connection:
            entities = await connection.fetchval("SELECT count(*) FROM graph_entities WHERE bank_id = $1", bank_id)
            for table in GRAPH_TABLES:
                await connection.execute(f"DELETE FROM {table} WHERE bank_id = $1", bank_id)
        return int(entities)


async def _index_names(
    connection: asyncpg.Connection, bank_id: str, entities: dict[str, Entity], rows: Iterable[asyncpg.Record]
) -> None:
    """Rewrite the name rows and name trigrams of those ``entities`` whose names changed; ``rows``:
    the names indexed for them, in position order."""
    indexed: defaultdict[str, list[str]] = defaultdict(list)
    for row in rows:
        indexed[row["entity_id"]].append(row["folded"])
    renamed = renamed_entities(entities, indexed)
    if not renamed:
        return
    name_rows, trigram_rows = name_index_rows(renamed)
    for table in ("graph_entity_names", "graph_name_trigrams"):
        await connection.execute(
            f"DELETE FROM {table} WHERE bank_id = $1 AND entity_id = ANY($2::text[])", bank_id, list(renamed)
        )
    await connection.execute(
        "INSERT INTO graph_entity_names (bank_id, entity_id, position, folded, trigram_count) "
        "SELECT $1, * FROM unnest($2::text[], $3::integer[], $4::text[], $5::integer[])",
        bank_id,
        *_columns(name_rows, 4),
    )
    await connection.execute(
        "INSERT INTO graph_name_trigrams (bank_id, trigram, entity_id, position) "
        "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::integer[])",
        bank_id,
        *_columns(trigram_rows, 3),
    )


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as one list per column, for ``unnest`` parameters."""
    return [[row[index] for row in rows] for index in range(width)]


def _real_array(embedding: list[float] | None) -> str | None:
    """An embedding as ``real[]`` text (asyncpg would read a list inside the array parameter as a dimension)."""
    return None if embedding is None else "{" + ",".join(repr(float(value)) for value in embedding) + "}"


def _entity(row: asyncpg.Record) -> Entity:
    return Entity(
        id=row["entity_id"],
        name=row["name"],
        entity_type=row["entity_type"],
        aliases=row["aliases"],
        metadata=row["metadata"],
        embedding=row["embedding"],
        mention_count=row["mention_count"],
    )
