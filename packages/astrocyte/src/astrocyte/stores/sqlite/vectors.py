"""The embedded default's :class:`~astrocyte.spi.VectorStore`: vectors in SQLite, searched exactly with numpy.

Each item is a row of ``vectors`` (what filters read) and one of ``vector_contents`` (its text and
its components, float32 as written, so an exported vector re-imports bit for bit; its own vector
likewise when it has one, which threshold queries compare). Searches run
over an in-process matrix of each bank's unit rows (see :mod:`astrocyte.stores.sqlite._matrix` for
how it stays right across rollbacks and processes); filters run in SQL, which names the candidate
rows, and numpy scores only those. Every vector of
one file has one dimension, fixed by the ``dimensions`` argument or by the first write, and kept in
the file, so a reopened file refuses other dimensions too.

As in the in-memory store, an item stored without ``retained_at`` is stamped with the time of the
write, so ``as_of`` filters see it.
"""

from __future__ import annotations

import functools
import json
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.stores.arguments import OwnVectors, batch_dimensions, own_unit_rows, own_vectors, query_rows, stored_rows
from astrocyte.stores.searches import (
    check_batch_search,
    check_score_ids,
    check_similarity_search,
    check_threshold_search,
    query_row,
)
from astrocyte.stores.sqlite._columns import decode_metadata, decode_vector, encode_metadata
from astrocyte.stores.sqlite._item_rows import (
    Conditions,
    add_label_conditions,
    decode_tags,
    encode_tags,
    name_unstorable,
    name_unstorable_in_columns,
    newest_row_id,
    replace_tags,
    row_ids_of,
    upserted_row_ids,
)
from astrocyte.stores.sqlite._matrix import Ranked, RowIds, matrix_cache, read_version
from astrocyte.stores.sqlite._store_base import SqliteStore
from astrocyte.stores.sqlite.database import search_runs_inline
from astrocyte.stores.time_columns import decode_time, encode_time
from astrocyte.stores.vector_rows import VectorRows
from astrocyte.types import VectorFilters, VectorHit, VectorItem, VectorStoreCapabilities
from astrocyte.validation import (
    check_bank_id,
    check_id,
    check_non_negative_int,
    check_positive_int,
)
from astrocyte.vectors import FloatMatrix, normalise_rows

_PAYLOAD = "id, text, metadata, tags, fact_type, occurred_at, memory_layer, retained_at, chunk_id"
_ROWS_WITH_CONTENTS = "vectors JOIN vector_contents USING (row_id)"
_STRING_FIELDS = ("id", "text", "tags", "metadata", "fact_type", "memory_layer", "chunk_id")

_UPSERT = """
INSERT INTO vectors (bank_id, id, metadata, tags, fact_type, occurred_at, memory_layer, retained_at, chunk_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (bank_id, id) DO UPDATE SET
    metadata = excluded.metadata, tags = excluded.tags,
    fact_type = excluded.fact_type, occurred_at = excluded.occurred_at, memory_layer = excluded.memory_layer,
    retained_at = excluded.retained_at, chunk_id = excluded.chunk_id
"""


class SqliteVectorStore(SqliteStore):
    """Vectors of every bank in one SQLite file (``path``; ``None``: the zero-config default file).

    Beyond the published methods it offers ``delete_bank`` and ``count_vectors`` and joins the
    transactions of the other stores of its file (:class:`astrocyte.spi.TransactionalStore`).
    """

    holds = "vectors"

    def __init__(self, path: str | None = None, dimensions: int | None = None) -> None:
        self._configured = None if dimensions is None else check_positive_int(dimensions, "dimensions")
        super().__init__(path)
        self._matrices = matrix_cache(self._database)
        try:
            self._fixed_dimensions(self._database.connection)
        except ValidationError:
            self._closed = True
            self._database.release()
            raise

    @property
    def dimensions(self) -> int | None:
        """The dimension every vector must have, or ``None`` until configured or fixed by a write."""
        return self._fixed_dimensions(self.database.connection)

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

    async def store_vectors(self, items: list[VectorItem]) -> list[str]:
        if not items:
            return []
        with self.database.write() as connection:
            fixed = self._fixed_dimensions(connection)
            dimensions = batch_dimensions(items, fixed)
            vectors = stored_rows(items, dimensions)
            unit_rows = normalise_rows(vectors)
            own = own_vectors(items, dimensions)
            own_unit = own_unit_rows(items, unit_rows, dimensions, own)
            written_at = datetime.now(UTC)
            columns = _Columns(
                bank_ids=[item.bank_id for item in items],
                ids=[item.id for item in items],
                texts=[item.text for item in items],
                tags=[item.tags for item in items],
                upserts=[_row(item, written_at) for item in items],
                vectors=vectors,
                own_blobs=_own_blobs(own, len(items)),
            )
            try:
                self._write(connection, fixed, dimensions, columns, (unit_rows, own_unit))
            except UnicodeEncodeError:
                name_unstorable(items, _STRING_FIELDS, "items")
                raise
        return [item.id for item in items]

    async def store_vector_rows(self, rows: VectorRows) -> None:
        """``store_vectors`` for retain's columns, the vectors taken as float32 blocks (no lists)."""
        if not len(rows):
            return
        with self.database.write() as connection:
            fixed = self._fixed_dimensions(connection)
            dimensions = rows.check(fixed)
            unit_rows = normalise_rows(rows.vectors)
            own = rows.own_vectors
            metadata, tag_texts = map(encode_metadata, rows.metadata), map(encode_tags, rows.tags)
            retained_at = encode_time(rows.retained_at)
            bank_id = rows.bank_id
            columns = _Columns(
                bank_ids=[bank_id] * len(rows),
                ids=rows.ids,
                texts=rows.texts,
                tags=rows.tags,
                upserts=[
                    _upsert_parameters(
                        bank_id, item_id, metadata=encoded, tags=tag_text, occurred_at=occurred, retained_at=retained_at
                    )
                    for item_id, encoded, tag_text, occurred in zip(
                        rows.ids, metadata, tag_texts, map(encode_time, rows.occurred_at), strict=True
                    )
                ],
                vectors=rows.vectors,
                own_blobs=[None] * len(rows) if own is None else [row.tobytes() for row in own],
            )
            own_unit = unit_rows if own is None else normalise_rows(own)
            try:
                self._write(connection, fixed, dimensions, columns, (unit_rows, own_unit))
            except UnicodeEncodeError:
                # ids and texts were checked whole by rows.check; metadata and tags only by the engine
                name_unstorable_in_columns({"metadata": rows.metadata, "tags": rows.tags}, "rows")
                raise

    async def threshold_ids(self, queries: FloatMatrix, bank_id: str, threshold: float) -> list[str | None]:
        """``search_similar_threshold`` with the queries as a float32 matrix (:mod:`astrocyte.stores.vector_rows`)."""
        check_threshold_search(bank_id, threshold)
        if not len(queries):
            return []
        committed = not self.database.in_own_transaction()

        def search(connection: sqlite3.Connection) -> list[str | None]:
            fixed = self._fixed_dimensions(connection)
            if not np.isfinite(queries).all() or (fixed is not None and queries.shape[1] != fixed):
                raise ValidationError("queries", f"must be finite rows of {fixed} dimensions")
            unit = normalise_rows(queries.astype(np.float32, copy=False))
            return self._threshold_ids(connection, unit, bank_id, threshold, committed)

        return await self.database.read(search)

    async def search_similar(
        self,
        query_vector: list[float],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[VectorHit]:
        check_similarity_search(query_vector, bank_id, limit, filters)
        committed = not self.database.in_own_transaction()

        def search(connection: sqlite3.Connection) -> list[list[VectorHit]]:
            query = query_row(query_vector, self._fixed_dimensions(connection))
            return self._search(connection, query, bank_id, limit, filters, committed)

        [hits] = await self.database.read(search, inline=search_runs_inline(self._matrices.rows(bank_id)))
        return hits

    async def search_similar_batch(
        self,
        query_vectors: list[list[float]],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[list[VectorHit]]:
        """``search_similar`` for each query, as one matrix product over the bank (declared ``batch_search``)."""
        check_batch_search(bank_id, limit, filters)
        if not query_vectors:
            return []
        committed = not self.database.in_own_transaction()

        def search(connection: sqlite3.Connection) -> list[list[VectorHit]]:
            queries = query_rows(query_vectors, self._fixed_dimensions(connection), "query_vectors")
            return self._search(connection, queries, bank_id, limit, filters, committed)

        return await self.database.read(search)

    async def search_similar_threshold(
        self, query_vectors: list[list[float]], bank_id: str, threshold: float
    ) -> list[str | None]:
        """For each query, the id of an item of the bank at least ``threshold`` similar, if any
        (declared ``threshold_search``; from an index on large banks, see
        :mod:`astrocyte.stores.threshold_index`)."""
        check_threshold_search(bank_id, threshold)
        if not query_vectors:
            return []
        committed = not self.database.in_own_transaction()

        def search(connection: sqlite3.Connection) -> list[str | None]:
            queries = query_rows(query_vectors, self._fixed_dimensions(connection), "query_vectors")
            return self._threshold_ids(connection, queries, bank_id, threshold, committed)

        return await self.database.read(search)

    def _threshold_ids(
        self, connection: sqlite3.Connection, queries: FloatMatrix, bank_id: str, threshold: float, committed: bool
    ) -> list[str | None]:
        """The id of an item at least ``threshold`` similar to each of the unit ``queries``, if any."""
        with self._matrices.lock:
            matrix = self._matrices.current(connection, bank_id, committed=committed)
            own_rows = functools.partial(_own_unit_rows, connection, queries.shape[1])
            found = [None] * len(queries) if matrix is None else matrix.at_least(queries, threshold, own_rows)
        wanted = sorted({row_id for row_id in found if row_id is not None})
        if not wanted:
            return [None] * len(found)
        id_of = dict(
            connection.execute(
                "SELECT row_id, id FROM vectors WHERE row_id IN (SELECT value FROM json_each(?))",
                (json.dumps(wanted),),
            ).fetchall()
        )
        return [None if row_id is None else id_of.get(row_id) for row_id in found]

    async def score_ids(self, query_vector: list[float], ids: list[str], bank_id: str) -> dict[str, float]:
        """The cosine similarity of each of ``ids`` the bank holds to ``query_vector``, from the
        bank's matrix (declared ``id_scores``): a gather of those rows, run inline (it is short)."""
        check_score_ids(query_vector, ids, bank_id)
        if not ids:
            return {}
        committed = not self.database.in_own_transaction()

        def score(connection: sqlite3.Connection) -> dict[str, float]:
            query = query_row(query_vector, self._fixed_dimensions(connection))
            with self._matrices.lock:
                matrix = self._matrices.current(connection, bank_id, committed=committed)
                if matrix is None:
                    return {}
                look_up = functools.partial(row_ids_of, connection, "vectors", bank_id)
                id_of = {row_id: item_id for item_id, row_id in matrix.row_ids_of(ids, look_up).items()}
                if not id_of:
                    return {}
                scored = matrix.scores_of(query, np.fromiter(id_of, dtype=np.int64, count=len(id_of)))
            pairs = zip(scored.row_ids.tolist(), scored.scores.tolist(), strict=True)
            return {id_of[row_id]: score for row_id, score in pairs}

        return await self.database.read(score, inline=True)

    def _search(
        self,
        connection: sqlite3.Connection,
        queries: FloatMatrix,
        bank_id: str,
        limit: int,
        filters: VectorFilters | None,
        committed: bool,
    ) -> list[list[VectorHit]]:
        conditions = _conditions(filters, bank_id)
        with self._matrices.lock:
            matrix = self._matrices.current(connection, bank_id, committed=committed)
            if matrix is None:
                return [[] for _ in queries]
            candidates = None
            if conditions.clauses:
                candidates = matrix.positions(_candidates(connection, bank_id, conditions, filters))
            ranked = matrix.best(queries, limit, candidates)
            version = matrix.version
        hits, row_of = _hits(connection, ranked)
        with self._matrices.lock:
            if matrix.version == version:  # no write reached the matrix meanwhile: the rows read are its rows
                matrix.learn(row_of)
        return hits

    async def delete(self, ids: list[str], bank_id: str) -> int:
        check_bank_id(bank_id)
        for position, item_id in enumerate(ids):
            check_id(item_id, f"ids[{position}]")
        if not ids:
            return 0
        with self.database.write() as connection:
            row_ids = list(row_ids_of(connection, "vectors", bank_id, ids).values())
            if not row_ids:
                return 0
            connection.execute(
                "DELETE FROM vectors WHERE row_id IN (SELECT value FROM json_each(?))", (json.dumps(row_ids),)
            )
            before, after = _new_version(connection, bank_id)
            removed = np.array(row_ids, dtype=np.int64)
            self.database.after_commit(lambda: self._matrices.written(bank_id, before, after, removed, None))
        return len(row_ids)

    async def list_vectors(self, bank_id: str, offset: int = 0, limit: int = 100) -> list[VectorItem]:
        check_bank_id(bank_id)
        check_non_negative_int(offset, "offset")
        check_positive_int(limit, "limit")
        with self.database.reading() as connection:
            rows = connection.execute(
                f"SELECT {_PAYLOAD}, vector, own_vector FROM {_ROWS_WITH_CONTENTS} "
                "WHERE bank_id = ? ORDER BY id LIMIT ? OFFSET ?",
                (bank_id, limit, offset),
            ).fetchall()
        return [
            VectorItem(
                bank_id=bank_id,
                vector=decode_vector(row["vector"]) or [],
                own_vector=decode_vector(row["own_vector"]),
                **_payload(row),
            )
            for row in rows
        ]

    async def delete_bank(self, bank_id: str) -> int:
        """Drop every vector of ``bank_id`` at once; returns how many there were."""
        check_bank_id(bank_id)
        with self.database.write() as connection:
            removed = connection.execute("DELETE FROM vectors WHERE bank_id = ?", (bank_id,)).rowcount
            connection.execute("DELETE FROM vector_banks WHERE bank_id = ?", (bank_id,))
            self._matrices.drop(bank_id)
        return removed

    async def count_vectors(self, bank_id: str) -> int:
        """How many vectors ``bank_id`` holds, without paging through them."""
        check_bank_id(bank_id)
        with self.database.reading() as connection:
            row = connection.execute("SELECT COUNT(*) FROM vectors WHERE bank_id = ?", (bank_id,)).fetchone()
        return int(row[0])

    def _fixed_dimensions(self, connection: sqlite3.Connection) -> int | None:
        """The file's dimension (or the configured one while the file has none); a clash is refused."""
        row = connection.execute("SELECT dimensions FROM vector_dimensions").fetchone()
        if row is None:
            return self._configured
        stored = int(row[0])
        if self._configured is not None and self._configured != stored:
            raise ValidationError(
                "dimensions",
                f"is configured as {self._configured}, but {self._database.path} holds vectors of {stored} "
                "dimensions; use the embedder those vectors came from, or another file",
            )
        return stored

    def _write(
        self,
        connection: sqlite3.Connection,
        fixed: int | None,
        dimensions: int,
        columns: _Columns,
        unit: tuple[FloatMatrix, FloatMatrix],
    ) -> None:
        """Write checked columns, fixing the file's dimension on its first write, and have the matrix
        cache apply them once the transaction commits."""
        if fixed is None:
            connection.execute("INSERT INTO vector_dimensions (singleton, dimensions) VALUES (1, ?)", (dimensions,))
        for change in _write(connection, columns, unit):
            self.database.after_commit(functools.partial(self._matrices.written, *change))


@dataclass(frozen=True)
class _Columns:
    """A checked batch as the tables take it: column ``k`` belongs to item ``k``; ``upserts`` are
    the parameters of ``_UPSERT``; ``vectors`` float32 as stored, ``own_blobs`` as stored or ``None``."""

    bank_ids: Sequence[str]
    ids: Sequence[str]
    texts: Sequence[str]
    tags: Sequence[Sequence[str] | None]
    upserts: list[tuple[Any, ...]]
    vectors: FloatMatrix
    own_blobs: list[bytes | None]


def _write(
    connection: sqlite3.Connection, columns: _Columns, unit: tuple[FloatMatrix, FloatMatrix]
) -> list[tuple[str, int | None, int, RowIds, tuple[FloatMatrix, FloatMatrix]]]:
    """Upsert the rows of ``columns`` (``unit``: their vectors and own vectors as unit rows);
    returns per bank what the matrix cache must apply (see ``written``)."""
    vectors, own_blobs, texts = columns.vectors, columns.own_blobs, columns.texts
    newest = newest_row_id(connection, "vectors")
    connection.executemany(_UPSERT, columns.upserts)
    upserted = upserted_row_ids(connection, "vectors", newest, list(zip(columns.bank_ids, columns.ids, strict=True)))
    changes = []
    for bank_id, positions in _last_position_of_each_id(columns.bank_ids, columns.ids).items():
        row_ids = upserted[bank_id]
        winners = [(row_ids[item_id], at) for item_id, at in positions.items()]
        connection.executemany(
            "INSERT INTO vector_contents (row_id, vector, text, own_vector) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (row_id) DO UPDATE SET vector = excluded.vector, text = excluded.text, "
            "own_vector = excluded.own_vector",
            [(row_id, vectors[at].tobytes(), texts[at], own_blobs[at]) for row_id, at in winners],
        )
        replace_tags(connection, "vector_tags", bank_id, [(row_id, columns.tags[at]) for row_id, at in winners])
        before, after = _new_version(connection, bank_id)
        written = np.array([row_id for row_id, _ in winners], dtype=np.int64)
        chosen = [at for _, at in winners]
        changes.append((bank_id, before, after, written, (unit[0][chosen], unit[1][chosen])))
    return changes


def _own_unit_rows(connection: sqlite3.Connection, dimensions: int, row_ids: RowIds) -> FloatMatrix:
    """The own vectors of ``row_ids`` (``own_vector``, else ``vector``) as unit rows, in that order,
    read in one statement; a row gone meanwhile (another process deleted it) reads as zeros, which
    no threshold query answers."""
    found = dict(
        connection.execute(
            "SELECT row_id, COALESCE(own_vector, vector) FROM vector_contents "
            "WHERE row_id IN (SELECT value FROM json_each(?))",
            (json.dumps(row_ids.tolist()),),
        ).fetchall()
    )
    blank = bytes(4 * dimensions)
    blobs = b"".join(found.get(row_id, blank) for row_id in row_ids.tolist())
    rows = np.frombuffer(blobs, dtype=np.float32).reshape(len(row_ids), dimensions)
    return normalise_rows(rows)


def _own_blobs(own: OwnVectors, count: int) -> list[bytes | None]:
    """Each item's own vector as stored (float32 as written), ``None`` for an item without one."""
    blobs: list[bytes | None] = [None] * count
    for position, row in zip(own.positions, own.rows, strict=True):
        blobs[position] = row.tobytes()
    return blobs


def _row(item: VectorItem, written_at: datetime) -> tuple[Any, ...]:
    return _upsert_parameters(
        item.bank_id,
        item.id,
        metadata=encode_metadata(item.metadata),
        tags=encode_tags(item.tags),
        occurred_at=encode_time(item.occurred_at),
        retained_at=encode_time(item.retained_at or written_at),
        fact_type=item.fact_type,
        memory_layer=item.memory_layer,
        chunk_id=item.chunk_id,
    )


def _upsert_parameters(
    bank_id: str,
    item_id: str,
    *,
    metadata: str | None,
    tags: str | None,
    occurred_at: int | None,
    retained_at: int | None,
    fact_type: str | None = None,
    memory_layer: str | None = None,
    chunk_id: str | None = None,
) -> tuple[Any, ...]:
    """The parameters of ``_UPSERT`` in its column order, every value encoded as stored."""
    return (bank_id, item_id, metadata, tags, fact_type, occurred_at, memory_layer, retained_at, chunk_id)


def _last_position_of_each_id(bank_ids: Sequence[str], ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Bank -> id -> the position of the item that wins the upsert (the last one with that id)."""
    last_of: dict[str, dict[str, int]] = {}
    for position, (bank_id, item_id) in enumerate(zip(bank_ids, ids, strict=True)):
        last_of.setdefault(bank_id, {})[item_id] = position
    return last_of


def _new_version(connection: sqlite3.Connection, bank_id: str) -> tuple[int | None, int]:
    """Give the bank a fresh random version; returns ``(before, after)``."""
    before = read_version(connection, bank_id)
    after = secrets.randbits(63)
    connection.execute(
        "INSERT INTO vector_banks (bank_id, version) VALUES (?, ?) "
        "ON CONFLICT (bank_id) DO UPDATE SET version = excluded.version",
        (bank_id, after),
    )
    return before, after


def _conditions(filters: VectorFilters | None, bank_id: str) -> Conditions:
    """``filters`` as SQL conditions on ``vectors AS v`` (none when there is nothing to filter)."""
    conditions = Conditions()
    if filters is None:
        return conditions
    if filters.fact_types:
        fact_types = list(dict.fromkeys(filters.fact_types))
        conditions.add(f"v.fact_type IN ({', '.join('?' * len(fact_types))})", *fact_types)
    if filters.time_range is not None:
        start, end = filters.time_range
        conditions.add("v.occurred_at BETWEEN ? AND ?", encode_time(start), encode_time(end))
    if filters.as_of is not None:
        conditions.add("v.retained_at <= ?", encode_time(filters.as_of))
    add_label_conditions(
        conditions,
        alias="v",
        tag_table="vector_tags",
        bank_id=bank_id,
        tags=filters.tags,
        tag_match=filters.tag_match,
        metadata=filters.effective_metadata(),
    )
    return conditions


def _candidates(
    connection: sqlite3.Connection, bank_id: str, conditions: Conditions, filters: VectorFilters | None
) -> RowIds:
    """The ``row_id`` of every item of the bank meeting ``conditions``.

    They travel as one comma-separated text parsed by numpy: one Python object, not one per row.
    With a tag or time condition SQLite starts from that index; otherwise it reads the bank
    through ``vectors_by_bank``, in table order.
    """
    indexed = filters is not None and (bool(filters.tags) or filters.time_range is not None)
    (listed,) = connection.execute(
        f"SELECT group_concat(v.row_id) FROM vectors AS v {'' if indexed else 'INDEXED BY vectors_by_bank'} "
        f"WHERE v.bank_id = ? AND {conditions.sql()}",
        [bank_id, *conditions.parameters],
    ).fetchone()
    return np.fromstring(listed or "", dtype=np.int64, sep=",")


def _hits(connection: sqlite3.Connection, ranked: list[Ranked]) -> tuple[list[list[VectorHit]], dict[str, int]]:
    """The ranked rows of each search as hits, best first, read in one statement for all searches (a
    row deleted meanwhile by another process is left out), and the ``row_id`` of each id read."""
    wanted = np.unique(np.concatenate([each.row_ids for each in ranked])) if ranked else np.empty(0, np.int64)
    if not len(wanted):
        return [[] for _ in ranked], {}
    rows = connection.execute(
        f"SELECT row_id, {_PAYLOAD} FROM {_ROWS_WITH_CONTENTS} WHERE row_id IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted.tolist()),),
    ).fetchall()
    by_row_id = {row["row_id"]: row for row in rows}
    hits = [
        [
            VectorHit(score=score, **_payload(by_row_id[row_id]))
            for row_id, score in zip(each.row_ids.tolist(), each.scores.tolist(), strict=True)
            if row_id in by_row_id
        ]
        for each in ranked
    ]
    return hits, {row["id"]: row_id for row_id, row in by_row_id.items()}


def _payload(row: sqlite3.Row) -> dict[str, Any]:
    """The fields a stored item and a hit share, decoded from a row selecting ``_PAYLOAD``."""
    return {
        "id": row["id"],
        "text": row["text"],
        "metadata": decode_metadata(row["metadata"]),
        "tags": decode_tags(row["tags"]),
        "fact_type": row["fact_type"],
        "occurred_at": decode_time(row["occurred_at"]),
        "memory_layer": row["memory_layer"],
        "retained_at": decode_time(row["retained_at"]),
        "chunk_id": row["chunk_id"],
    }
