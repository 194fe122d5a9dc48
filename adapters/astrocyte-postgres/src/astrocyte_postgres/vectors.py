"""The PostgreSQL :class:`~astrocyte.spi.VectorStore`: pgvector, with an HNSW index for large banks.

The ``embedding`` column becomes ``vector(N)`` when the schema's dimension is fixed (by the
``dimensions`` setting or by the first write), and an HNSW index (cosine) is built on it then,
unless ``hnsw_index`` is off (bulk loads: load, then :meth:`PostgresVectorStore.create_index`).
Banks with fewer than ``exact_search_below`` vectors are searched exactly (the ordering
expression is written so that the planner cannot use the index), larger ones through the index
(on ``halfvec`` unless ``hnsw_halfvec`` is off), in one statement that reads the bank's size itself
(:func:`gated_search`), with pgvector's iterative scan (``strict_order``) so that filters still fill the limit. Every
filter is a SQL condition. Upserts are one ``INSERT ... SELECT FROM unnest(...)`` per batch, which
also grows the banks' counters; the vectors travel in pgvector's binary format, encoded from one
float32 matrix per batch. Retain's batches (``vector_rows``: :class:`VectorRows`, the vectors as
float32 blocks) are encoded as they come, no list of Python floats being made for them.

Each item's own vector (``VectorItem.own_vector``) is kept in ``own_embedding`` (NULL: the vector
is its own), with a second HNSW index on ``COALESCE(own_embedding, embedding)``. Threshold queries
(``threshold_search``, the engine's near-duplicate check) are the same gated statement ordered by
that expression with a limit of one, cut at the threshold: exact on small banks; through the index
on large ones, with a longer candidate list than searches use (``hnsw_threshold_ef_search``, set for
that statement only), since the walk can miss a near duplicate it does not reach (the benchmark
counts misses at 0.95-0.99 beside the exact answer; ``tests/test_threshold_search.py`` bounds them).

As in the other stores, an item stored without ``retained_at`` is stamped with the time of the
write, so ``as_of`` filters see it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import asyncpg

from astrocyte.errors import ValidationError
from astrocyte.stores.arguments import OwnVectors, batch_dimensions, own_vectors, query_rows, stored_rows
from astrocyte.stores.searches import (
    check_batch_search,
    check_score_ids,
    check_similarity_search,
    check_threshold_search,
    query_row,
)
from astrocyte.stores.vector_rows import VectorRows, checked_queries
from astrocyte.types import VectorFilters, VectorHit, VectorItem, VectorStoreCapabilities
from astrocyte.validation import check_bank_id, check_id, check_non_negative_int, check_positive_int
from astrocyte.vectors import FloatMatrix
from astrocyte_postgres._codec import encode_vector, packed
from astrocyte_postgres._conditions import Conditions, add_labels, json_texts
from astrocyte_postgres._store_base import PostgresStore, affected, only_bank
from astrocyte_postgres.database import check_ef_search

_PAYLOAD = "id, text, metadata, tags, fact_type, occurred_at, memory_layer, retained_at, chunk_id"
_PAYLOAD_NAMES = tuple(_PAYLOAD.split(", "))
#: The vector threshold queries compare, as the own-vector index is defined on it.
_OWN = "COALESCE(own_embedding, embedding)"
#: score_ids: the distance of just the named rows, found through the primary key.
_SCORE_IDS = "SELECT id, embedding <=> $1::vector AS distance FROM vectors WHERE bank_id = $2 AND id = ANY($3::text[])"
_FIX_LOCK = 0x617374726F637900  # pg_advisory_xact_lock key while a schema's dimension is fixed
#: ``hnsw.ef_search`` of threshold queries (a near-duplicate check), in place of the searches' own.
#: A near duplicate sits among the members of its cluster, all about as far from the query as one
#: another, and a walk that keeps 64 candidates can end before reaching it: of 1,000 near duplicates
#: (similarity 0.95-0.99) among 100k clustered 384-d vectors, 34 were missed at 64, 13 at 100, 1 at
#: 160, none at 250 or 400 (2026-11-23), each step costing more per probe.
THRESHOLD_EF_SEARCH = 200

# Upsert the batch and grow each bank's counter by the rows it added (not replaced), in one statement.
_UPSERT = f"""
WITH written AS (
    INSERT INTO vectors (bank_id, {_PAYLOAD.replace("text,", "embedding, text,")}, own_embedding)
    SELECT b, i, e, t, m::jsonb,
           CASE WHEN g IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(g::jsonb)) END, f, o, l, r, c, w
    FROM unnest($1::text[], $2::text[], $3::vector[], $4::text[], $5::text[], $6::text[], $7::text[],
                $8::timestamptz[], $9::text[], $10::timestamptz[], $11::text[], $12::vector[])
         AS u(b, i, e, t, m, g, f, o, l, r, c, w)
    ON CONFLICT (bank_id, id) DO UPDATE SET
        embedding = excluded.embedding, own_embedding = excluded.own_embedding,
        text = excluded.text, metadata = excluded.metadata, tags = excluded.tags,
        fact_type = excluded.fact_type, occurred_at = excluded.occurred_at, memory_layer = excluded.memory_layer,
        retained_at = excluded.retained_at, chunk_id = excluded.chunk_id
    RETURNING bank_id, (xmax = 0) AS inserted
)
INSERT INTO vector_banks (bank_id, size)
SELECT bank_id, count(*) FROM written WHERE inserted GROUP BY bank_id
ON CONFLICT (bank_id) DO UPDATE SET size = vector_banks.size + excluded.size
"""

#: The schema's dimension (if fixed) and the definition of its HNSW index (if built), in one round trip.
_SETTINGS = (
    "SELECT (SELECT dimensions FROM vector_settings), "
    "(SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'vectors_hnsw')"
)

_EACH_QUERY = "unnest($1::vector[]) WITH ORDINALITY AS q(embedding, position) CROSS JOIN LATERAL "


class PostgresVectorStore(PostgresStore):
    """Vectors of every bank in one schema. Settings beyond :class:`PostgresStore`'s:

    ``dimensions`` (else the first write fixes it), ``hnsw_index`` (build the index when the
    dimension is fixed), ``hnsw_m`` and ``hnsw_ef_construction`` (its build parameters),
    ``hnsw_halfvec`` (index the vectors as pgvector's half-precision ``halfvec``, needing pgvector
    0.7 or later: half the index, faster builds and searches, the same recall@10 in the benchmark;
    the stored vectors and the scores keep full precision),
    ``index_build_memory`` (``maintenance_work_mem`` while building it, e.g. ``"1GB"``),
    ``index_build_timeout`` (seconds the build may take),
    ``exact_search_below`` (banks smaller than this are searched exactly) and
    ``hnsw_threshold_ef_search`` (the candidate list of threshold queries through the own-vector
    index, in place of ``hnsw_ef_search``: see :data:`THRESHOLD_EF_SEARCH`).
    """

    holds = "vectors"

    def __init__(
        self,
        dsn: str,
        schema: str = "astrocyte",
        *,
        dimensions: int | None = None,
        hnsw_index: bool = True,
        hnsw_m: int = 16,
        hnsw_ef_construction: int = 64,
        hnsw_halfvec: bool = True,
        exact_search_below: int = 10_000,
        hnsw_threshold_ef_search: int = THRESHOLD_EF_SEARCH,
        index_build_memory: str | None = None,
        index_build_timeout: float = 3600.0,
        **settings: Any,
    ) -> None:
        self._configured = None if dimensions is None else check_positive_int(dimensions, "dimensions")
        self._hnsw_index = bool(hnsw_index)
        self._hnsw_m = check_positive_int(hnsw_m, "hnsw_m")
        self._hnsw_ef_construction = check_positive_int(hnsw_ef_construction, "hnsw_ef_construction")
        self._exact_below = check_non_negative_int(exact_search_below, "exact_search_below")
        threshold_ef = check_ef_search(hnsw_threshold_ef_search, "hnsw_threshold_ef_search")
        self.threshold_ef_search = threshold_ef
        self._threshold_setting = f"SET LOCAL hnsw.ef_search = {threshold_ef}"
        if index_build_memory is not None and not re.fullmatch(r"\d+\s*(kB|MB|GB)", str(index_build_memory)):
            raise ValidationError("index_build_memory", f"must be a size such as '1GB', got {index_build_memory!r}")
        self._build_memory = index_build_memory
        if isinstance(index_build_timeout, bool) or not isinstance(index_build_timeout, (int, float)):
            raise ValidationError("index_build_timeout", f"must be a number of seconds, got {index_build_timeout!r}")
        self._build_timeout = float(index_build_timeout)
        self._halfvec = bool(hnsw_halfvec)
        self._fixed: int | None = None
        #: Whether the HNSW index in place (else the one this store would build) is on halfvec; read with _fixed.
        self._halfvec_index = self._halfvec
        super().__init__(dsn, schema, **settings)

    def capabilities(self) -> VectorStoreCapabilities:
        return VectorStoreCapabilities(
            filter_tag_match_all=True,
            exact_search=True,
            delete_bank=True,
            count=True,
            batch_search=True,
            transactional=True,
            threshold_search=True,
            id_scores=True,
            vector_rows=True,
        )

    # ------------------------------------------------------------------------------ dimensions

    async def dimensions(self) -> int | None:
        """The dimension every vector must have, or ``None`` until configured or fixed by a write."""
        async with self.database.reading() as connection:
            return await self._dimensions(connection)

    async def _dimensions(self, connection: asyncpg.Connection) -> int | None:
        if self._fixed is None:
            settings = await connection.fetchrow(_SETTINGS)
            stored, index = (None, None) if settings is None else settings
            if stored is None:
                return self._configured
            self._fixed = int(stored)
            self._halfvec_index = self._halfvec if index is None else "halfvec" in index
        if self._configured is not None and self._configured != self._fixed:
            raise ValidationError(
                "dimensions",
                f"is configured as {self._configured}, but schema {self.database.settings.schema!r} holds vectors "
                f"of {self._fixed} dimensions; use the embedder those vectors came from, or another schema",
            )
        return self._fixed

    async def _batch_dimensions(self, connection: asyncpg.Connection, check: Callable[[int | None], int]) -> int:
        """The dimension of a batch, which ``check`` accepts against the schema's (or refuses); when
        the schema has none yet it becomes the batch's, and the batch is checked again, since another
        writer may have fixed another one first."""
        fixed = await self._dimensions(connection)
        dimensions = check(fixed)
        if fixed is None or self._fixed is None:
            await self._fix_dimensions(connection, dimensions)
            self._fixed = None
            check(await self._dimensions(connection))
        return dimensions

    async def _fix_dimensions(self, connection: asyncpg.Connection, dimensions: int) -> None:
        """Make ``dimensions`` the schema's, typing the column and building the index (in the caller's transaction)."""
        await connection.execute("SELECT pg_advisory_xact_lock($1)", _FIX_LOCK)
        if await connection.fetchval("SELECT dimensions FROM vector_settings") is not None:
            return  # another process fixed it meanwhile; the caller re-reads it
        await connection.execute("INSERT INTO vector_settings (dimensions) VALUES ($1)", dimensions)
        await connection.execute(
            f"ALTER TABLE vectors ALTER COLUMN embedding TYPE vector({dimensions}), "
            f"ALTER COLUMN own_embedding TYPE vector({dimensions})"
        )
        if self._hnsw_index:
            await self._build_index(connection, dimensions)

    async def create_index(self) -> None:
        """Build the HNSW index (if missing): after a bulk load into a store made with ``hnsw_index=False``.

        The table is analysed too: right after a bulk load the planner has no statistics, guesses a
        bank holds a hundred rows, and would sort them all rather than walk the index.
        """
        async with self.database.writing() as connection:
            dimensions = await self._dimensions(connection)
            if dimensions is None:
                raise ValidationError("dimensions", "no vector was stored yet, so there is nothing to index")
            await self._build_index(connection, dimensions)
            await connection.execute("ANALYZE vectors, vector_banks", timeout=self._build_timeout)
        self._fixed = None  # searches read again which index is in place

    async def drop_index(self) -> None:
        """Drop the HNSW indexes (before a bulk load; every search is then exact)."""
        async with self.database.writing() as connection:
            await connection.execute("DROP INDEX IF EXISTS vectors_hnsw, vectors_own_hnsw")
        self._fixed = None

    async def _build_index(self, connection: asyncpg.Connection, dimensions: int) -> None:
        if self._build_memory is not None:  # HNSW builds far faster when the graph fits in memory
            await connection.execute(f"SET LOCAL maintenance_work_mem = '{self._build_memory}'")
        for name, column in (("vectors_hnsw", "embedding"), ("vectors_own_hnsw", _OWN)):
            indexed = (
                f"(({column})::halfvec({dimensions})) halfvec_cosine_ops"
                if self._halfvec
                else f"({column}) vector_cosine_ops"
            )
            await connection.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON vectors USING hnsw ({indexed}) "
                f"WITH (m = {self._hnsw_m}, ef_construction = {self._hnsw_ef_construction})",
                timeout=self._build_timeout,  # minutes at 100k: beyond the command timeout of ordinary statements
            )

    # ------------------------------------------------------------------------------ writes

    async def store_vectors(self, items: list[VectorItem]) -> list[str]:
        if not items:
            return []
        async with self.database.writing(only_bank(item.bank_id for item in items)) as connection:
            dimensions = await self._batch_dimensions(connection, lambda fixed: batch_dimensions(items, fixed))
            stored = stored_rows(items, dimensions)
            own = own_vectors(items, dimensions)
            latest = {(item.bank_id, item.id): row for row, item in enumerate(items)}  # a repeated id: the last wins
            rows = list(latest.values())
            columns = _columns([items[row] for row in rows], stored[rows], _own_column(rows, own), datetime.now(UTC))
            await connection.execute(_UPSERT, *columns)
        return [item.id for item in items]

    async def store_vector_rows(self, rows: VectorRows) -> None:
        """``store_vectors`` for retain's columns, the float32 blocks encoded whole (declared ``vector_rows``)."""
        if not len(rows):
            return
        check_bank_id(rows.bank_id)
        async with self.database.writing(rows.bank_id) as connection:
            await self._batch_dimensions(connection, rows.check)
            await connection.execute(_UPSERT, *_row_columns(rows.distinct()))

    async def delete(self, ids: list[str], bank_id: str) -> int:
        check_bank_id(bank_id)
        for position, item_id in enumerate(ids):
            check_id(item_id, f"ids[{position}]")
        if not ids:
            return 0
        async with self.database.writing(bank_id) as connection:
            removed = affected(
                await connection.execute("DELETE FROM vectors WHERE bank_id = $1 AND id = ANY($2)", bank_id, ids)
            )
            if removed:
                await connection.execute(
                    "UPDATE vector_banks SET size = size - $2 WHERE bank_id = $1", bank_id, removed
                )
        return removed

    async def delete_bank(self, bank_id: str) -> int:
        """Drop every vector of ``bank_id`` at once; returns how many there were."""
        check_bank_id(bank_id)
        async with self.database.writing(bank_id) as connection:
            removed = affected(await connection.execute("DELETE FROM vectors WHERE bank_id = $1", bank_id))
            await connection.execute("DELETE FROM vector_banks WHERE bank_id = $1", bank_id)
        return removed

    # ------------------------------------------------------------------------------ reads

    async def search_similar(
        self,
        query_vector: list[float],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[VectorHit]:
        check_similarity_search(query_vector, bank_id, limit, filters)
        async with self.database.reading(bank_id) as connection:
            query = query_row(query_vector, await self._dimensions(connection))
            [hits] = await self._search(connection, query, bank_id, limit, filters)
        return hits

    async def search_similar_batch(
        self,
        query_vectors: list[list[float]],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[list[VectorHit]]:
        """``search_similar`` for each query, as one statement (declared ``batch_search``)."""
        check_batch_search(bank_id, limit, filters)
        if not query_vectors:
            return []
        async with self.database.reading(bank_id) as connection:
            queries = query_rows(query_vectors, await self._dimensions(connection), "query_vectors")
            return await self._search(connection, queries, bank_id, limit, filters)

    async def search_similar_threshold(
        self, query_vectors: list[list[float]], bank_id: str, threshold: float
    ) -> list[str | None]:
        """For each query, the id of an item of the bank whose own vector is at least ``threshold``
        similar, if any: its nearest own vector, exactly or through the own-vector index (declared
        ``threshold_search``)."""
        check_threshold_search(bank_id, threshold)
        if not query_vectors:
            return []
        async with self.database.reading_with(bank_id, self._threshold_setting) as connection:
            queries = query_rows(query_vectors, await self._dimensions(connection), "query_vectors")
            return await self._at_least(connection, queries, bank_id, threshold)

    async def threshold_ids(self, queries: FloatMatrix, bank_id: str, threshold: float) -> list[str | None]:
        """``search_similar_threshold`` with the queries as a float32 matrix (declared ``vector_rows``)."""
        check_threshold_search(bank_id, threshold)
        if not len(queries):
            return []
        async with self.database.reading_with(bank_id, self._threshold_setting) as connection:
            checked = checked_queries(queries, await self._dimensions(connection))
            return await self._at_least(connection, checked, bank_id, threshold)

    async def _at_least(
        self, connection: asyncpg.Connection, queries: FloatMatrix, bank_id: str, threshold: float
    ) -> list[str | None]:
        """The threshold query of both entry points: each query's nearest own vector, kept when close enough."""
        rows = await connection.fetch(
            gated_search(
                single=False, conditions="true", halfvec=self._fixed if self._halfvec_index else None, own=True
            ),
            packed(queries),
            bank_id,
            1,
            self._exact_below,
        )
        found: list[str | None] = [None] * len(queries)
        for row in rows:
            if 1.0 - row["distance"] >= threshold:  # NaN (a zero vector) compares false
                found[row["position"] - 1] = row["id"]
        return found

    async def score_ids(self, query_vector: list[float], ids: list[str], bank_id: str) -> dict[str, float]:
        """The cosine similarity of each of ``ids`` the bank holds to ``query_vector``, computed by the
        server over just those rows (one ``id = ANY($3)`` statement on the primary key; declared ``id_scores``)."""
        check_score_ids(query_vector, ids, bank_id)
        if not ids:
            return {}
        async with self.database.reading(bank_id) as connection:
            query = query_row(query_vector, await self._dimensions(connection))
            rows = await connection.fetch(
                _SCORE_IDS,
                encode_vector(query[0]),
                bank_id,
                ids,
            )
        return {row["id"]: _similarity(row["distance"]) for row in rows}

    async def _search(
        self,
        connection: asyncpg.Connection,
        queries: FloatMatrix,
        bank_id: str,
        limit: int,
        filters: VectorFilters | None,
    ) -> list[list[VectorHit]]:
        conditions = Conditions(first=4)
        _add_filters(conditions, filters)
        rows = await connection.fetch(
            gated_search(
                single=len(queries) == 1,
                conditions=conditions.sql(),
                halfvec=self._fixed if self._halfvec_index else None,
                own=False,
            ),
            encode_vector(queries[0]) if len(queries) == 1 else packed(queries),
            bank_id,
            limit,
            self._exact_below,
            *conditions.parameters,
        )
        found: list[list[VectorHit]] = [[] for _ in queries]
        for row in rows:
            found[row["position"] - 1].append(VectorHit(score=_similarity(row["distance"]), **_payload(row)))
        return found

    async def list_vectors(self, bank_id: str, offset: int = 0, limit: int = 100) -> list[VectorItem]:
        check_bank_id(bank_id)
        check_non_negative_int(offset, "offset")
        check_positive_int(limit, "limit")
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_PAYLOAD}, embedding, own_embedding FROM vectors WHERE bank_id = $1 "
                "ORDER BY id LIMIT $2 OFFSET $3",
                bank_id,
                limit,
                offset,
            )
        return [
            VectorItem(bank_id=bank_id, vector=row["embedding"], own_vector=row["own_embedding"], **_payload(row))
            for row in rows
        ]

    async def count_vectors(self, bank_id: str) -> int:
        """How many vectors ``bank_id`` holds, read from the per-bank counter."""
        check_bank_id(bank_id)
        async with self.database.reading(bank_id) as connection:
            size = await connection.fetchval("SELECT size FROM vector_banks WHERE bank_id = $1", bank_id)
        return int(size or 0)


@lru_cache(maxsize=256)
def _similarity(distance: float) -> float:
    """A cosine distance as the similarity a hit scores: clamped to [0, 1], 0 for a zero vector (NaN)."""
    return 0.0 if math.isnan(distance) else min(1.0, max(0.0, 1.0 - distance))


def gated_search(*, single: bool, conditions: str, halfvec: int | None, own: bool) -> str:
    """The top ``$3`` rows of bank ``$2`` nearest to each query, exact when the bank holds fewer than
    ``$4`` vectors, else through the HNSW index: one statement, so one round trip. ``own``: by their
    own vectors (``COALESCE(own_embedding, embedding)``, its own index), else by ``embedding``.

    The bank's size (``vector_banks``) gates two branches that PostgreSQL plans apart; only the
    branch whose gate holds runs (an empty bank runs neither). One query is a plain parameter
    (``$1``); several are an array joined laterally, one search per query. ``halfvec`` is the
    dimension when the HNSW index is on ``halfvec`` (its ordering expression must be the index's).
    Cached: a search builds no text, and asyncpg finds its prepared statement by the same string.
    """
    query, position, source = ("$1::vector", "1", "") if single else ("q.embedding", "q.position", _EACH_QUERY)
    branches = [
        f"SELECT {position} AS position, hit.* FROM {source}({nearest}) AS hit WHERE (SELECT size FROM bank) {gate} $4"
        for nearest, gate in (
            (_nearest(query, conditions, True, halfvec, own), "<"),
            (_nearest(query, conditions, False, halfvec, own), ">="),
        )
    ]
    bank = "WITH bank AS MATERIALIZED (SELECT size FROM vector_banks WHERE bank_id = $2)"
    return f"{bank} {' UNION ALL '.join(branches)}"


def _nearest(query: str, conditions: str, exact: bool, halfvec: int | None, own: bool) -> str:
    """The top ``$3`` rows of bank ``$2`` nearest to ``query``: exactly, or through the HNSW index.

    Exact: "+ 0" makes the ordering an expression no index provides, so the bank's rows (found
    through the ``bank_id`` b-tree) are scored one by one, ties going by id.

    HNSW: the bank test is wrapped in ``coalesce`` so that no b-tree serves it and the planner takes
    it as unselective. Written plainly, a prepared statement's generic plan (which PostgreSQL's plan
    cache switches to after five runs) costs it with the average bank of the schema, and with many
    small banks beside a large one it sorts the whole large bank instead of walking the index
    (measured: 22-47 ms instead of 1.5 ms at 20k vectors beside 200 banks of 50). The gate in
    :func:`gated_search` already chose this branch for a large bank only. On a ``halfvec`` index the
    order is the index's (half precision) while the distance returned stays full precision.
    """
    columns = ", ".join(f"v.{name}" for name in _PAYLOAD_NAMES)
    vector = "COALESCE(v.own_embedding, v.embedding)" if own else "v.embedding"
    bank, ordering = (
        ("v.bank_id = $2", f"({vector} <=> {query}) + 0, v.id")
        if exact
        else ("coalesce(v.bank_id = $2, false)", _indexed_distance(vector, query, halfvec))
    )
    return (
        f"SELECT {columns}, {vector} <=> {query} AS distance FROM vectors AS v "
        f"WHERE {bank} AND {conditions} ORDER BY {ordering} LIMIT $3"
    )


def _indexed_distance(vector: str, query: str, halfvec: int | None) -> str:
    """The HNSW index's ordering expression: on ``vector``, or on it cast to ``halfvec``."""
    if halfvec is None:
        return f"{vector} <=> {query}"
    return f"({vector})::halfvec({halfvec}) <=> {query}::halfvec({halfvec})"


def _add_filters(conditions: Conditions, filters: VectorFilters | None) -> None:
    if filters is None:
        return
    add_labels(conditions, filters.tags, filters.tag_match, filters.effective_metadata())
    if filters.fact_types:
        conditions.add("v.fact_type = ANY({})", list(filters.fact_types))
    if filters.time_range is not None:
        conditions.add("v.occurred_at BETWEEN {} AND {}", *filters.time_range)
    if filters.as_of is not None:
        conditions.add("v.retained_at <= {}", filters.as_of)


def _columns(
    items: Sequence[VectorItem], vectors: FloatMatrix, own_column: list[bytes | None], written_at: datetime
) -> list[Sequence[Any]]:
    """The batch as one array per column, in the order of ``_UPSERT``'s parameters; ``vectors`` are
    the items' vectors, already converted, ``own_column`` their own vectors encoded."""
    return _upsert_parameters(
        bank_ids=[item.bank_id for item in items],
        ids=[item.id for item in items],
        vectors=packed(vectors),
        texts=[item.text for item in items],
        metadata=json_texts(item.metadata for item in items),
        tags=json_texts(item.tags for item in items),
        fact_types=[item.fact_type for item in items],
        occurred_at=[item.occurred_at for item in items],
        memory_layers=[item.memory_layer for item in items],
        retained_at=[item.retained_at or written_at for item in items],
        chunk_ids=[item.chunk_id for item in items],
        own_vectors=own_column,
    )


def _row_columns(rows: VectorRows) -> list[Sequence[Any]]:
    """Retain's batch as ``_UPSERT``'s parameters: its float32 blocks encoded whole, and the fields
    retain leaves unset (fact type, layer, chunk) NULL, as its vector items would carry them."""
    count = len(rows)
    empty: list[Any] = [None] * count
    own = rows.own_vectors
    return _upsert_parameters(
        bank_ids=[rows.bank_id] * count,
        ids=rows.ids,
        vectors=packed(rows.vectors),
        texts=rows.texts,
        metadata=json_texts(rows.metadata),
        tags=json_texts(rows.tags),
        fact_types=empty,
        occurred_at=rows.occurred_at,
        memory_layers=empty,
        retained_at=[rows.retained_at] * count,
        chunk_ids=empty,
        own_vectors=empty if own is None else packed(own),
    )


def _upsert_parameters(
    *,
    bank_ids: list[str],
    ids: list[str],
    vectors: list[bytes],
    texts: list[str],
    metadata: list[str | None],
    tags: list[str | None],
    fact_types: list[str | None],
    occurred_at: list[datetime | None],
    memory_layers: list[str | None],
    retained_at: list[datetime],
    chunk_ids: list[str | None],
    own_vectors: Sequence[bytes | None],
) -> list[Sequence[Any]]:
    """The columns in the order of ``_UPSERT``'s parameters, named so that neither caller can swap two."""
    return [
        bank_ids,
        ids,
        vectors,
        texts,
        metadata,
        tags,
        fact_types,
        occurred_at,
        memory_layers,
        retained_at,
        chunk_ids,
        own_vectors,
    ]


def _own_column(rows: list[int], own: OwnVectors) -> list[bytes | None]:
    """The own vectors of the batch's ``rows``, encoded from their converted rows (as ``packed``
    does), ``None`` where an item has none."""
    encoded = dict(zip(own.positions, packed(own.rows), strict=True))
    return [encoded.get(row) for row in rows]


def _payload(row: asyncpg.Record) -> dict[str, Any]:
    """The fields a stored item and a hit share."""
    return {name: row[name] for name in _PAYLOAD_NAMES}
