"""The SQLite GraphStore of the embedded default: the graph as tables, walked and matched in SQL.

Every read is one statement that touches only what it returns and the index entries leading
there: ``query_neighbors`` is a recursive common table expression over the link indexes (both
directions), never the bank's graph loaded into Python; name candidates come from an inverted
index of name trigrams, scored in SQL with the same Jaccard index as
:func:`astrocyte.stores.entity_similarity.trigram_similarity` (shared trigrams over the size of the
union of both sets). The SQL stays close to what a PostgreSQL port would run (``ON CONFLICT``
upserts, ``WITH RECURSIVE``), with SQLite's ``json_each`` where PostgreSQL would bind an array.

Where the SPI leaves room this store makes the choices of the in-memory reference
(:class:`~astrocyte.stores.memory.graph.MemoryGraphStore`), so the two answer alike:
``connected_entities`` sorted; ``query_entities`` ordered by exact name match, then case-folded
name, then id; candidates tie-broken by id; memory links ordered by key; ``last_seen`` the newest
time an association or a link named the entity (a link's ``created_at`` when it has one).
``delete_memories`` counts the memories that had any association or link before the call.
"""

from __future__ import annotations

import heapq
import json
import math
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import ClassVar

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
from astrocyte.stores.json_values import json_text
from astrocyte.stores.sqlite._columns import (
    decode_metadata,
    decode_vector,
    encode_metadata,
    encode_vector,
)
from astrocyte.stores.sqlite._item_rows import newest_row_id, upserted_row_ids
from astrocyte.stores.sqlite._json_values import from_json, id_list
from astrocyte.stores.sqlite._store_base import SqliteStore
from astrocyte.stores.time_columns import decode_time, encode_time
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

#: At most this many entities are reached by :meth:`SqliteGraphStore.rank_neighbors`.
RANKED_ENTITIES = 32

# Upserts leave a row alone when it already holds exactly what is written (IS NOT: NULLs compare
# equal): a retain batch names mostly known entities and links again, and an update in place would
# still rewrite the row's page into the write-ahead log.
_UPSERT_ENTITY = """
INSERT INTO graph_entities (bank_id, entity_id, name, entity_type, aliases, metadata, embedding, mention_count)
VALUES (:bank_id, :entity_id, :name, :entity_type, :aliases, :metadata, :embedding, :mention_count)
ON CONFLICT (bank_id, entity_id) DO UPDATE SET
    name = excluded.name, entity_type = excluded.entity_type, aliases = excluded.aliases,
    metadata = excluded.metadata, embedding = excluded.embedding, mention_count = excluded.mention_count
WHERE (name, entity_type, aliases, metadata, embedding, mention_count) IS NOT
      (excluded.name, excluded.entity_type, excluded.aliases, excluded.metadata, excluded.embedding,
       excluded.mention_count)
"""

_INDEXED_NAMES = """
SELECT entity_id, folded FROM graph_entity_names
WHERE bank_id = :bank_id AND entity_id IN (SELECT value FROM json_each(:entity_ids))
ORDER BY entity_id, position
"""

_UPSERT_ENTITY_LINK = """
INSERT INTO graph_entity_links
    (bank_id, link_key, entity_a, entity_b, link_type, evidence, confidence, created_at, metadata)
VALUES (:bank_id, :link_key, :entity_a, :entity_b, :link_type, :evidence, :confidence, :created_at, :metadata)
ON CONFLICT (bank_id, link_key) DO UPDATE SET
    entity_a = excluded.entity_a, entity_b = excluded.entity_b, link_type = excluded.link_type,
    evidence = excluded.evidence, confidence = excluded.confidence, created_at = excluded.created_at,
    metadata = excluded.metadata
WHERE (entity_a, entity_b, link_type, evidence, confidence, created_at, metadata) IS NOT
      (excluded.entity_a, excluded.entity_b, excluded.link_type, excluded.evidence, excluded.confidence,
       excluded.created_at, excluded.metadata)
"""

_UPSERT_MEMORY_LINK = """
INSERT INTO graph_memory_links (bank_id, link_key, source_memory_id, target_memory_id, link_type,
                                evidence, confidence, weight, created_at, metadata)
VALUES (:bank_id, :link_key, :source_memory_id, :target_memory_id, :link_type,
        :evidence, :confidence, :weight, :created_at, :metadata)
ON CONFLICT (bank_id, link_key) DO UPDATE SET
    source_memory_id = excluded.source_memory_id, target_memory_id = excluded.target_memory_id,
    link_type = excluded.link_type, evidence = excluded.evidence, confidence = excluded.confidence,
    weight = excluded.weight, created_at = excluded.created_at, metadata = excluded.metadata
"""

_SEEN = """
INSERT INTO graph_entity_seen (bank_id, entity_id, last_seen) VALUES (?, ?, ?)
ON CONFLICT (bank_id, entity_id) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)
"""

# Breadth-first by depth: (entity, depth) pairs are distinct, so the walk ends after max_depth
# rounds even on cyclic graphs; each entity keeps its smallest depth. The two recursive steps
# follow links forwards and backwards, each through its own index (a PostgreSQL port, which allows
# one recursive reference, would join a two-way view of the links instead). CROSS JOIN fixes the
# join order in SQLite: from the rows already reached into the index, never a scan of the bank.
_WALK = """
walk (entity_id, depth) AS (
    SELECT value, 0 FROM json_each(:seeds)
    UNION
    SELECT link.entity_b, walk.depth + 1
    FROM walk CROSS JOIN graph_entity_links AS link
    WHERE link.bank_id = :bank_id AND link.entity_a = walk.entity_id AND walk.depth < :max_depth
    UNION
    SELECT link.entity_a, walk.depth + 1
    FROM walk CROSS JOIN graph_entity_links AS link
    WHERE link.bank_id = :bank_id AND link.entity_b = walk.entity_id AND walk.depth < :max_depth
)
"""

_NEIGHBOURS = f"""
WITH RECURSIVE
{_WALK},
reached (entity_id, depth) AS (
    SELECT entity_id, MIN(depth) FROM walk GROUP BY entity_id
)
SELECT mention.memory_id AS memory_id, MIN(reached.depth) AS depth, COUNT(*) AS connections,
       json_group_array(mention.entity_id) AS entity_ids
FROM reached CROSS JOIN graph_mentions AS mention
WHERE mention.bank_id = :bank_id AND mention.entity_id = reached.entity_id
GROUP BY mention.memory_id
ORDER BY depth, connections DESC, memory_id
LIMIT :limit
"""

# The entities rank_neighbors weighs: reached as in _NEIGHBOURS, but only those some memory
# mentions, at most :max_entities (nearest first), each with its newest memories (:per_seed of a
# seed, :per_neighbour of an entity reached through links; one more, to tell whether there are more)
# as [memory id, memory row] pairs: one range of the covering index each, never all of a frequent
# entity's memories. (A LIMIT cannot read the outer row, hence the two branches; SQLite runs only
# the one the CASE takes.)
_RANKED_NEIGHBOURS = f"""
WITH RECURSIVE
{_WALK},
reached (entity_id, depth) AS (
    SELECT entity_id, MIN(depth) FROM walk
    WHERE EXISTS (SELECT 1 FROM graph_mentions WHERE bank_id = :bank_id AND entity_id = walk.entity_id)
    GROUP BY entity_id
    ORDER BY 2, 1
    LIMIT :max_entities
)
SELECT reached.entity_id AS entity_id, reached.depth AS depth,
       CASE WHEN reached.depth = 0 THEN (
           SELECT json_group_array(json_array(memory_id, memory_row)) FROM (
               SELECT memory_id, memory_row FROM graph_mentions INDEXED BY graph_mentions_newest
               WHERE bank_id = :bank_id AND entity_id = reached.entity_id
               ORDER BY mentioned_at DESC, memory_id
               LIMIT :per_seed + 1
           )
       ) ELSE (
           SELECT json_group_array(json_array(memory_id, memory_row)) FROM (
               SELECT memory_id, memory_row FROM graph_mentions INDEXED BY graph_mentions_newest
               WHERE bank_id = :bank_id AND entity_id = reached.entity_id
               ORDER BY mentioned_at DESC, memory_id
               LIMIT :per_neighbour + 1
           )
       ) END AS memory_ids
FROM reached
"""

# Each memory's mentions by its row (the table's key: the memories of one call lie together), its
# entities in id order, as the old index by (bank_id, memory_id, entity_id) gave them.
_MENTIONS_OF_MEMORY_ROWS = """
SELECT memory_id, entity_id FROM graph_mentions
WHERE memory_row IN (SELECT value FROM json_each(:memory_rows))
ORDER BY memory_row, entity_id
"""

_MATCHING_ENTITIES = """
SELECT entity.*
FROM graph_entities AS entity
JOIN graph_entity_names AS own
  ON own.bank_id = entity.bank_id AND own.entity_id = entity.entity_id AND own.position = 0
WHERE entity.bank_id = :bank_id
  AND entity.entity_id IN (
      SELECT entity_id FROM graph_entity_names WHERE bank_id = :bank_id AND instr(folded, :needle) > 0
  )
ORDER BY own.folded <> :needle, own.folded, entity.entity_id
LIMIT :limit
"""

# Jaccard index of trigram sets: |shared| / (|name| + |query| - |shared|), best name or alias per
# entity. Names sharing no trigram score 0, so they are listed (by the second branch) only when the
# threshold is 0 itself.
_CANDIDATES = """
WITH
shared (entity_id, position, shared) AS (
    SELECT gram.entity_id, gram.position, COUNT(*)
    FROM json_each(:trigrams) AS wanted CROSS JOIN graph_name_trigrams AS gram
    WHERE gram.bank_id = :bank_id AND gram.trigram = wanted.value
    GROUP BY gram.entity_id, gram.position
),
similar (entity_id, similarity) AS (
    SELECT shared.entity_id,
           MAX(CAST(shared.shared AS REAL) / (name.trigram_count + :trigram_count - shared.shared))
    FROM shared
    JOIN graph_entity_names AS name
      ON name.bank_id = :bank_id AND name.entity_id = shared.entity_id AND name.position = shared.position
    GROUP BY shared.entity_id
),
scored (entity_id, similarity) AS (
    SELECT entity_id, similarity FROM similar WHERE similarity >= :threshold
    UNION ALL
    SELECT entity_id, 0.0 FROM graph_entities
    WHERE :threshold <= 0 AND bank_id = :bank_id AND entity_id NOT IN (SELECT entity_id FROM similar)
),
chosen (entity_id, similarity) AS (
    SELECT entity_id, similarity FROM scored ORDER BY similarity DESC, entity_id LIMIT :limit
)
SELECT entity.*, chosen.similarity AS similarity, seen.last_seen AS last_seen
FROM chosen
JOIN graph_entities AS entity ON entity.bank_id = :bank_id AND entity.entity_id = chosen.entity_id
LEFT JOIN graph_entity_seen AS seen ON seen.bank_id = :bank_id AND seen.entity_id = chosen.entity_id
ORDER BY chosen.similarity DESC, chosen.entity_id
"""

_CO_OCCURRING_NAMES = """
SELECT DISTINCT mine.entity_id AS entity_id, other.name AS name
FROM json_each(:entity_ids) AS wanted
CROSS JOIN graph_mentions AS mine
CROSS JOIN graph_mentions AS theirs
CROSS JOIN graph_entities AS other
WHERE mine.bank_id = :bank_id AND mine.entity_id = wanted.value
  AND theirs.memory_row = mine.memory_row AND theirs.entity_id <> mine.entity_id
  AND other.bank_id = :bank_id AND other.entity_id = theirs.entity_id
ORDER BY mine.entity_id, other.name
"""

# The keys of the memory links starting or ending at one of :memory_ids, each end through its index.
_LINKS_TOUCHING = """
SELECT link_key FROM graph_memory_links
WHERE bank_id = :bank_id AND source_memory_id IN (SELECT value FROM json_each(:memory_ids))
UNION
SELECT link_key FROM graph_memory_links
WHERE bank_id = :bank_id AND target_memory_id IN (SELECT value FROM json_each(:memory_ids))
"""

_MEMORY_LINKS = f"""
SELECT * FROM graph_memory_links
WHERE bank_id = :bank_id AND link_key IN ({_LINKS_TOUCHING})
  AND (:link_types IS NULL OR link_type IN (SELECT value FROM json_each(:link_types)))
ORDER BY link_key
LIMIT :limit
"""

_MEMORIES_WITH_ANYTHING = """
SELECT COUNT(*) FROM (SELECT DISTINCT value AS memory_id FROM json_each(:memory_ids)) AS doomed
WHERE EXISTS (SELECT 1 FROM graph_memories WHERE bank_id = :bank_id AND id = doomed.memory_id)
   OR EXISTS (SELECT 1 FROM graph_memory_links WHERE bank_id = :bank_id AND source_memory_id = doomed.memory_id)
   OR EXISTS (SELECT 1 FROM graph_memory_links WHERE bank_id = :bank_id AND target_memory_id = doomed.memory_id)
"""


class SqliteGraphStore(SqliteStore):
    """A GraphStore in the shared SQLite file of ``path`` (``None``: the zero-config default)."""

    holds: ClassVar[str] = "graph"

    def capabilities(self) -> GraphStoreCapabilities:
        return GraphStoreCapabilities(entity_embeddings=True, transactional=True, ranked_neighbors=True)

    # ------------------------------------------------------------------------------ writes

    async def store_entities(self, entities: list[Entity], bank_id: str) -> list[str]:
        checked = checked_bank_items(entities, Entity, "entities", bank_id)
        if not checked:
            return []
        latest = {entity.id: entity for entity in checked}  # a repeated id: the last one wins
        with self.database.write() as connection:
            connection.executemany(_UPSERT_ENTITY, [_entity_row(entity, bank_id) for entity in latest.values()])
            self._index_names(connection, bank_id, latest)
        return [entity.id for entity in checked]

    @staticmethod
    def _index_names(connection: sqlite3.Connection, bank_id: str, entities: dict[str, Entity]) -> None:
        """Rewrite the name rows and name trigrams of those ``entities`` whose names changed."""
        indexed: defaultdict[str, list[str]] = defaultdict(list)
        for row in connection.execute(_INDEXED_NAMES, {"bank_id": bank_id, "entity_ids": id_list(entities)}):
            indexed[row["entity_id"]].append(row["folded"])
        renamed = renamed_entities(entities, indexed)
        if not renamed:
            return
        name_rows, trigram_rows = name_index_rows(renamed)
        for table in ("graph_entity_names", "graph_name_trigrams"):
            connection.executemany(
                f"DELETE FROM {table} WHERE bank_id = ? AND entity_id = ?",
                [(bank_id, entity_id) for entity_id in renamed],
            )
        connection.executemany(
            "INSERT INTO graph_entity_names (bank_id, entity_id, position, folded, trigram_count) "
            "VALUES (?, ?, ?, ?, ?)",
            [(bank_id, *row) for row in name_rows],
        )
        connection.executemany(
            "INSERT INTO graph_name_trigrams (bank_id, trigram, entity_id, position) VALUES (?, ?, ?, ?)",
            [(bank_id, *row) for row in trigram_rows],
        )

    async def store_links(self, links: list[EntityLink], bank_id: str) -> list[str]:
        checked = checked_bank_items(links, EntityLink, "links", bank_id)
        if not checked:
            return []
        now = _now()
        with self.database.write() as connection:
            connection.executemany(_UPSERT_ENTITY_LINK, [_entity_link_row(link, bank_id) for link in checked])
            self._mark_seen(connection, bank_id, link_sightings(checked, now))
        return [link.key for link in checked]

    async def store_entity_link(self, link: EntityLink, bank_id: str) -> str:
        return (await self.store_links([link], bank_id))[0]

    async def link_memories_to_entities(self, associations: list[MemoryEntityAssociation], bank_id: str) -> None:
        checked = checked_bank_items(associations, MemoryEntityAssociation, "associations", bank_id)
        if not checked:
            return
        now = _now()
        mentioned_at = encode_time(now)
        with self.database.write() as connection:
            row_of = _memory_rows(connection, bank_id, dict.fromkeys(association.memory_id for association in checked))
            connection.executemany(
                "INSERT INTO graph_mentions (memory_row, entity_id, bank_id, memory_id, mentioned_at) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (memory_row, entity_id) DO UPDATE SET mentioned_at = excluded.mentioned_at",
                [
                    (row_of[association.memory_id], association.entity_id, bank_id, association.memory_id, mentioned_at)
                    for association in checked
                ],
            )
            self._mark_seen(connection, bank_id, ((association.entity_id, now) for association in checked))

    async def store_memory_links(self, links: list[MemoryLink], bank_id: str) -> list[str]:
        checked = checked_bank_items(links, MemoryLink, "links", bank_id)
        if not checked:
            return []
        with self.database.write() as connection:
            connection.executemany(_UPSERT_MEMORY_LINK, [_memory_link_row(link, bank_id) for link in checked])
        return [link.key for link in checked]

    @staticmethod
    def _mark_seen(connection: sqlite3.Connection, bank_id: str, sightings: Iterable[tuple[str, datetime]]) -> None:
        """Record the newest sighting of each entity: one row per entity, however often the batch names it."""
        newest: dict[str, datetime] = {}
        for entity_id, when in sightings:
            if entity_id not in newest or when > newest[entity_id]:
                newest[entity_id] = when
        connection.executemany(_SEEN, [(bank_id, entity_id, encode_time(when)) for entity_id, when in newest.items()])

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
        rows = self._read(
            _MEMORY_LINKS,
            {
                "bank_id": bank_id,
                "memory_ids": id_list(seeds),
                "link_types": None if wanted_types is None else id_list(wanted_types),
                "limit": limit,
            },
        )
        return [_memory_link(row) for row in rows]

    async def query_neighbors(
        self, entity_ids: list[str], bank_id: str, max_depth: int = 2, limit: int = 20
    ) -> list[GraphHit]:
        seeds = walk_arguments(entity_ids, bank_id, max_depth, limit)
        if not seeds:
            return []
        parameters = {"bank_id": bank_id, "seeds": id_list(seeds), "max_depth": max_depth, "limit": limit}
        rows = await self.database.read(lambda connection: connection.execute(_NEIGHBOURS, parameters).fetchall())
        return [neighbour_hit(row["memory_id"], json.loads(row["entity_ids"]), row["depth"]) for row in rows]

    async def rank_neighbors(
        self, entity_ids: list[str], bank_id: str, max_depth: int = 1, limit: int = 20
    ) -> list[GraphHit]:
        """Memories connected to the seeds, ranked by how rare and how near the entities connecting them are.

        Declared as ``ranked_neighbors``; what the recall's graph strategy reads. Unlike
        :meth:`query_neighbors` (which must aggregate every memory of every entity reached), its
        cost is bounded whatever the bank size: at most :data:`RANKED_ENTITIES` entities are
        reached (nearest first, only those some memory mentions), and of each only its newest
        memories are looked at (``2 * limit`` of a seed, ``limit // 4`` of an entity reached through
        links). An entity mentioned by ``n`` memories (``n`` counted up to that bound) weighs
        ``1 / ((1 + depth) * log2(1 + n))``, so a rare name counts more than a frequent one, as in
        IDF; a memory scores the summed weight of the reached entities it mentions. Ordered by
        score (more first), then depth, then memory id.
        """
        seeds = walk_arguments(entity_ids, bank_id, max_depth, limit)
        if not seeds:
            return []
        # Inline: its cost is bounded whatever the bank's size, and recall starts the keyword leg's
        # threaded statement first, so this runs beside that instead of paying a hand-off of its own.
        return await self.database.read(
            lambda connection: _ranked_neighbours(connection, seeds, bank_id, max_depth, limit), inline=True
        )

    async def query_entities(self, query: str, bank_id: str, limit: int = 10) -> list[Entity]:
        needle = entity_query_needle(query, bank_id, limit)
        if not needle.strip():
            return []
        rows = self._read(_MATCHING_ENTITIES, {"bank_id": bank_id, "needle": needle, "limit": limit})
        return [_entity(row) for row in rows]

    async def find_entity_candidates(
        self, name: str, bank_id: str, threshold: float = 0.8, limit: int = 5
    ) -> list[Entity]:
        rows = self._candidates(name, bank_id, checked_threshold(threshold, "threshold"), limit)
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
        rows = self._candidates(name, bank_id, checked_threshold(trigram_threshold, "trigram_threshold"), limit)
        if name_embedding is not None:
            check_vector(name_embedding, "name_embedding")
        co_occurring = self._co_occurring_names(bank_id, [row["entity_id"] for row in rows])
        candidates = [(_entity(row), row["similarity"], decode_time(row["last_seen"])) for row in rows]
        return candidate_matches(candidates, name_embedding, co_occurring)

    def _candidates(self, name: str, bank_id: str, threshold: float, limit: int) -> list[sqlite3.Row]:
        """Entity rows (with ``similarity`` and ``last_seen``) whose best name reaches ``threshold``, best first."""
        query = candidate_trigrams(name, bank_id, limit)
        return self._read(
            _CANDIDATES,
            {
                "bank_id": bank_id,
                "trigrams": id_list(query),
                "trigram_count": len(query),
                "threshold": threshold,
                "limit": limit,
            },
        )

    def _co_occurring_names(self, bank_id: str, entity_ids: list[str]) -> dict[str, list[str]]:
        """For each entity, the sorted names of other stored entities some memory mentions with it."""
        names: defaultdict[str, list[str]] = defaultdict(list)
        if entity_ids:
            rows = self._read(_CO_OCCURRING_NAMES, {"bank_id": bank_id, "entity_ids": id_list(entity_ids)})
            for row in rows:
                names[row["entity_id"]].append(row["name"])
        return names

    # ------------------------------------------------------------------------------ deletes

    async def delete_memories(self, memory_ids: list[str], bank_id: str) -> int:
        check_bank_id(bank_id)
        doomed = checked_ids(memory_ids, "memory_ids")
        if not doomed:
            return 0
        parameters = {"bank_id": bank_id, "memory_ids": id_list(doomed)}
        with self.database.write() as connection:
            deleted: int = connection.execute(_MEMORIES_WITH_ANYTHING, parameters).fetchone()[0]
            connection.execute(
                "DELETE FROM graph_mentions WHERE memory_row IN (SELECT row_id FROM graph_memories "
                "WHERE bank_id = :bank_id AND id IN (SELECT value FROM json_each(:memory_ids)))",
                parameters,
            )
            connection.execute(
                "DELETE FROM graph_memories WHERE bank_id = :bank_id "
                "AND id IN (SELECT value FROM json_each(:memory_ids))",
                parameters,
            )
            connection.execute(
                f"DELETE FROM graph_memory_links WHERE bank_id = :bank_id AND link_key IN ({_LINKS_TOUCHING})",
                parameters,
            )
        return deleted

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        with self.database.write() as connection:
            entities: int = connection.execute(
                "SELECT COUNT(*) FROM graph_entities WHERE bank_id = ?", (bank_id,)
            ).fetchone()[0]
            for table in (*GRAPH_TABLES, "graph_memories"):
                connection.execute(f"DELETE FROM {table} WHERE bank_id = ?", (bank_id,))
        return entities


# ---------------------------------------------------------------------------------- rows


def _now() -> datetime:
    return datetime.now(UTC)


def _memory_rows(connection: sqlite3.Connection, bank_id: str, memory_ids: Iterable[str]) -> dict[str, int]:
    """The ``graph_memories`` row of each of ``memory_ids`` (distinct), made for those without one."""
    keys = [(bank_id, memory_id) for memory_id in memory_ids]
    newest = newest_row_id(connection, "graph_memories")
    connection.executemany(
        "INSERT INTO graph_memories (bank_id, id) VALUES (?, ?) ON CONFLICT (bank_id, id) DO NOTHING", keys
    )
    return upserted_row_ids(connection, "graph_memories", newest, keys)[bank_id]


def _ranked_neighbours(
    connection: sqlite3.Connection, seeds: list[str], bank_id: str, max_depth: int, limit: int
) -> list[GraphHit]:
    """What :meth:`SqliteGraphStore.rank_neighbors` returns, read on ``connection``."""
    per_seed, per_neighbour = 2 * limit, max(1, limit // 4)
    weight: dict[str, float] = {}
    depth_of: dict[str, int] = {}
    pool: dict[str, int] = {}  # memory id -> its row
    cursor = connection.cursor()
    cursor.row_factory = None  # plain tuples: read on every recall
    parameters = {
        "bank_id": bank_id,
        "seeds": id_list(seeds),
        "max_depth": max_depth,
        "max_entities": RANKED_ENTITIES,
        "per_seed": per_seed,
        "per_neighbour": per_neighbour,
    }
    for entity_id, depth, memories in cursor.execute(_RANKED_NEIGHBOURS, parameters).fetchall():
        newest = json.loads(memories)  # [memory id, memory row] pairs
        depth_of[entity_id] = depth
        weight[entity_id] = 1.0 / ((1 + depth) * math.log2(1 + len(newest)))
        pool.update(newest[: per_seed if depth == 0 else per_neighbour])
    if not pool:
        cursor.close()
        return []
    # One pass over the pool's mentions sums each memory's weights (in the rows' order, as a sum over
    # its entity list would) and keeps its nearest depth: a few hundred memories on every recall.
    score: dict[str, float] = {}
    nearest: dict[str, int] = {}
    connected: defaultdict[str, list[str]] = defaultdict(list)
    mentions = {"memory_rows": json.dumps(list(pool.values()))}
    for memory_id, entity_id in cursor.execute(_MENTIONS_OF_MEMORY_ROWS, mentions).fetchall():
        entity_weight = weight.get(entity_id)
        if entity_weight is None:
            continue
        connected[memory_id].append(entity_id)
        if memory_id in score:
            score[memory_id] += entity_weight
            nearest[memory_id] = min(nearest[memory_id], depth_of[entity_id])
        else:
            score[memory_id] = entity_weight
            nearest[memory_id] = depth_of[entity_id]
    cursor.close()
    ranked = heapq.nsmallest(limit, ((-total, nearest[memory_id], memory_id) for memory_id, total in score.items()))
    return [
        GraphHit(
            memory_id=memory_id, text="", connected_entities=sorted(connected[memory_id]), depth=depth, score=-negated
        )
        for negated, depth, memory_id in ranked
    ]


def _entity_row(entity: Entity, bank_id: str) -> dict[str, object]:
    return {
        "bank_id": bank_id,
        "entity_id": entity.id,
        "name": entity.name,
        "entity_type": entity.entity_type,
        "aliases": json_text(entity.aliases, "entity.aliases"),
        "metadata": encode_metadata(entity.metadata),
        "embedding": encode_vector(entity.embedding),
        "mention_count": entity.mention_count,
    }


def _entity(row: sqlite3.Row) -> Entity:
    return Entity(
        id=row["entity_id"],
        name=row["name"],
        entity_type=row["entity_type"],
        aliases=from_json(row["aliases"]),
        metadata=decode_metadata(row["metadata"]),
        embedding=decode_vector(row["embedding"]),
        mention_count=row["mention_count"],
    )


def _entity_link_row(link: EntityLink, bank_id: str) -> dict[str, object]:
    return {
        "bank_id": bank_id,
        "link_key": link.key,
        "entity_a": link.entity_a,
        "entity_b": link.entity_b,
        "link_type": link.link_type,
        "evidence": link.evidence,
        "confidence": link.confidence,
        "created_at": encode_time(link.created_at),
        "metadata": encode_metadata(link.metadata),
    }


def _memory_link_row(link: MemoryLink, bank_id: str) -> dict[str, object]:
    return {
        "bank_id": bank_id,
        "link_key": link.key,
        "source_memory_id": link.source_memory_id,
        "target_memory_id": link.target_memory_id,
        "link_type": link.link_type,
        "evidence": link.evidence,
        "confidence": link.confidence,
        "weight": link.weight,
        "created_at": encode_time(link.created_at),
        "metadata": encode_metadata(link.metadata),
    }


def _memory_link(row: sqlite3.Row) -> MemoryLink:
    return MemoryLink(
        source_memory_id=row["source_memory_id"],
        target_memory_id=row["target_memory_id"],
        link_type=row["link_type"],
        evidence=row["evidence"],
        confidence=row["confidence"],
        weight=row["weight"],
        created_at=decode_time(row["created_at"]),
        metadata=decode_metadata(row["metadata"]),
    )


__all__ = ["SqliteGraphStore"]
