"""The in-process copy of each bank's vectors that makes SQLite vector search one numpy product.

SQLite holds the truth (float32 blobs in ``vector_contents``); searching it row by row from Python
would cost a Python loop over the bank per query. So each process keeps, per bank, a float32
matrix of the vectors as unit rows, ordered by ``row_id``, loaded on the bank's first search and
then updated in place by every write this process commits. Mapping the ``row_id`` of a filtered SQL query to matrix
rows is a ``searchsorted``, so filtered searches score only their candidate rows.

**Staleness.** The cache is right only while it matches the database. Every write of a bank stores
a fresh random ``version`` in ``vector_banks`` in the same transaction, and the matrix remembers the
version it reflects:

- a write applies itself to the matrix only if the matrix carried the version the database had
  before the write, then takes the new version; otherwise it drops the matrix;
- a search first reads the bank's version and reloads the matrix when it differs.

That keeps the matrix right after a transaction rolls back (the database returns to a version the
matrix no longer carries), after another process or connection writes the file, and when a commit
fails. Versions are random rather than counters so that a rolled-back version can never be taken
again by a later write (a counter would return to it, and the stale matrix would look current).

Deleted rows are marked dead rather than cut out at once (cutting copies the whole matrix); the
matrix is compacted once a quarter of its rows are dead.

**Own vectors.** Threshold queries (the near-duplicate check) compare each memory's own vector
(``own_vector``, else its vector), which retain's contextual vectors are not. They are not held in
memory (at 100k memories of 384 dimensions a second matrix would be another 150 MB): the matrix
keeps only the threshold index over them (keys and sketches, built by reading the own vectors from
the file a block at a time, then kept in step with writes: the rows a commit wrote are hashed by
the next query, on a reader's thread, not on the writer's path), and a query reads from the file just
the candidates that survive the index's sketch. Small banks (below ``EXACT_BELOW`` rows), which
are compared exactly, hold their own vectors after the first query (at most 6 MB at 384
dimensions): reading them for every query would cost more than the product.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from astrocyte.parallel_scores import score_columns
from astrocyte.stores.memory._rows import with_capacity
from astrocyte.stores.sqlite.database import SqliteDatabase
from astrocyte.stores.threshold_index import EXACT_BELOW, RowSource, ThresholdIndex, rows_at_least, usable_index
from astrocyte.vectors import FloatMatrix, cosine_score_columns, top_k_columns

RowIds = npt.NDArray[np.int64]
#: Reads the own vectors (``own_vector``, else ``vector``) of ``row_id`` values as unit rows, in that order.
OwnRows = Callable[[RowIds], FloatMatrix]
Positions = npt.NDArray[np.intp]
Mask = npt.NDArray[np.bool_]

_LOAD_CHUNK = 4096  # rows fetched at a time while loading a bank
_FLOAT32_BYTES = np.dtype(np.float32).itemsize


#: Written rows whose own vectors may wait for the next threshold query to be indexed (12 MB at 384-d).
_UNINDEXED_ROWS = 8192

#: Queries scored in one matrix product: bounds the score block to rows x 64 floats.
_QUERIES_AT_ONCE = 64


@dataclass(frozen=True)
class Ranked:
    """The best rows of one search: their ``row_id`` and score, best first."""

    row_ids: RowIds
    scores: npt.NDArray[np.float32]


class BankMatrix:
    """Unit rows of one bank's vectors, sorted by ``row_id``, with a mark on rows deleted since loading."""

    def __init__(self, version: int | None, row_ids: RowIds, unit_rows: FloatMatrix) -> None:
        self.version = version
        self._reset(row_ids, unit_rows)

    def _reset(self, row_ids: RowIds, unit_rows: FloatMatrix) -> None:
        """Hold exactly these rows (taking the arrays, not copying them), all live, in ``row_id`` order."""
        if len(row_ids) > 1 and not (row_ids[1:] > row_ids[:-1]).all():
            order = np.argsort(row_ids)
            row_ids, unit_rows = row_ids[order], unit_rows[order]
        self._size = len(row_ids)
        self._row_ids: RowIds = row_ids
        self._unit: FloatMatrix = unit_rows
        self._alive: Mask = np.ones(self._size, dtype=np.bool_)
        self._dead = 0
        self._index: ThresholdIndex | None = None  # built by the first threshold query that needs it
        # Own vectors written since the index's last query, by position: folded in by the next query
        # (on a reader's thread) rather than by the commit that wrote them (on the writer's path).
        self._unindexed: list[tuple[Positions, FloatMatrix]] = []
        self._own: FloatMatrix | None = None  # a small bank's own vectors, read by its first threshold query
        self._row_of: dict[str, int] = {}  # id -> row_id of the rows searches and score_ids have read

    def __len__(self) -> int:
        """How many live rows the matrix holds."""
        return self._size - self._dead

    def positions(self, row_ids: RowIds) -> Positions:
        """The matrix rows of the live ``row_ids`` it holds (rows it does not hold are left out)."""
        positions, present = self._locate(row_ids)
        positions = positions[present]
        return positions[self._alive[positions]]

    def row_ids_of(self, ids: Sequence[str], look_up: Callable[[list[str]], dict[str, int]]) -> dict[str, int]:
        """The ``row_id`` of each of ``ids`` the bank holds: from the ids this matrix has met, the others
        through ``look_up`` (which returns those the bank holds), remembered from then on.

        An id keeps its ``row_id`` while its row lives (an upsert updates the row in place), so only
        a removal (:meth:`remove`) forgets; a matrix loaded afresh starts empty. Saves score_ids its
        SQL lookup of the ids a recall's searches have already read (~0.5 ms for 80 ids at 100k).
        """
        known = self._row_of
        missing = [item_id for item_id in ids if item_id not in known]
        if missing:
            known.update(look_up(missing))
        return {item_id: known[item_id] for item_id in ids if item_id in known}

    def learn(self, row_of: dict[str, int]) -> None:
        """Remember the ``row_id`` of ids a read found (only read at this matrix's version)."""
        self._row_of.update(row_of)

    def scores_of(self, query: FloatMatrix, row_ids: RowIds) -> Ranked:
        """The cosine similarity to the unit ``query`` row of each live row of ``row_ids`` it holds, in
        ``row_id`` order (a gather of those rows, not a pass over the bank)."""
        positions = self.positions(np.unique(row_ids))
        return Ranked(self._row_ids[positions], cosine_score_columns(self._unit[positions], query)[:, 0])

    def best(self, queries: FloatMatrix, limit: int, candidates: Positions | None = None) -> list[Ranked]:
        """For each unit query row, the ``limit`` live rows most similar to it (of ``candidates`` only)."""
        rows = candidates if candidates is not None else self._live_rows()
        ranked: list[Ranked] = []
        for start in range(0, len(queries), _QUERIES_AT_ONCE):
            block = queries[start : start + _QUERIES_AT_ONCE]
            if rows is not None and 4 * len(rows) < self._size:
                scores = cosine_score_columns(self._unit[rows], block)  # few rows: score only those
            else:
                # Many rows: one product over the contiguous matrix beats gathering them first.
                scores = score_columns(self._unit[: self._size], block)
                scores = scores if rows is None else scores[rows]
            chosen = top_k_columns(scores, limit)
            best_scores = np.take_along_axis(scores, chosen, axis=0)
            best_rows = self._row_ids[chosen if rows is None else rows[chosen]]
            ranked.extend(Ranked(best_rows[:, column], best_scores[:, column]) for column in range(len(block)))
        return ranked

    def at_least(self, queries: FloatMatrix, threshold: float, own_rows: OwnRows) -> list[int | None]:
        """For each unit query, the ``row_id`` of a live row whose own vector is at or above
        ``threshold``, if any (see :mod:`astrocyte.stores.threshold_index` for when the answer comes
        from the index); ``own_rows`` reads the own vectors of ``row_id`` values as unit rows."""
        live = self._alive[: self._size] if self._dead else None
        stored = _OwnRowSource(self._row_ids[: self._size], own_rows)
        source: FloatMatrix | RowSource = stored
        if self._size < EXACT_BELOW:
            if self._own is None:
                self._own = stored.block(0, self._size)
            source = self._own[: self._size]
        self._index_written()
        self._index = usable_index(self._index, source, len(self), threshold)
        found = rows_at_least(source, live, queries, threshold, self._index)
        return [None if position < 0 else int(self._row_ids[position]) for position in found.tolist()]

    def _index_written(self) -> None:
        """Fold the own vectors written since the last threshold query into the index."""
        if self._index is not None:
            for positions, rows in self._unindexed:
                self._index.add(positions, rows)
        self._unindexed = []

    def _defer_indexing(self, positions: Positions, own_rows: FloatMatrix) -> None:
        """Index these rows at the next threshold query, or now if many wait (writes without queries)."""
        if self._index is None:
            return
        self._unindexed.append((positions, own_rows))
        if sum(len(waiting) for waiting, _ in self._unindexed) > _UNINDEXED_ROWS:
            self._index_written()

    def _live_rows(self) -> Positions | None:
        """The live rows, or ``None`` when every row is live."""
        return np.flatnonzero(self._alive[: self._size]) if self._dead else None

    def upsert(self, row_ids: RowIds, unit_rows: FloatMatrix, own_rows: FloatMatrix) -> None:
        """Put each row (``row_ids`` distinct, with their vectors and own vectors as unit rows):
        replace the rows it holds, add the others."""
        positions, present = self._locate(row_ids)
        replaced = positions[present]
        self._dead -= int(np.count_nonzero(~self._alive[replaced]))
        self._alive[replaced] = True
        self._unit[replaced] = unit_rows[present]
        if self._own is not None:
            self._own[replaced] = own_rows[present]
        self._defer_indexing(replaced.astype(np.int64), own_rows[present])
        added = ~present
        if not added.any():
            return
        new_ids, new_rows, new_own = row_ids[added], unit_rows[added], own_rows[added]
        size, grown = self._size, self._size + len(new_ids)
        if size and new_ids.min() < self._row_ids[size - 1]:
            # SQLite numbers new rows above every existing one, so this is rare: merge by sorting.
            live = self._alive[:size]
            self._reset(
                np.concatenate([self._row_ids[:size][live], new_ids]),
                np.concatenate([self._unit[:size][live], new_rows]),
            )
            return
        order = np.argsort(new_ids, kind="stable")
        self._row_ids = with_capacity(self._row_ids, grown, size)
        self._unit = with_capacity(self._unit, grown, size)
        self._alive = with_capacity(self._alive, grown, size)
        self._row_ids[size:grown] = new_ids[order]
        self._unit[size:grown] = new_rows[order]
        self._alive[size:grown] = True
        self._size = grown
        if self._own is not None and grown < EXACT_BELOW:
            self._own = with_capacity(self._own, grown, size)
            self._own[size:grown] = new_own[order]
        else:
            self._own = None  # a large bank reads its own vectors from the file
        self._defer_indexing(np.arange(size, grown), new_own[order])

    def remove(self, row_ids: RowIds) -> None:
        """Mark the rows of ``row_ids`` dead; compact once a quarter of the matrix is dead."""
        positions, present = self._locate(row_ids)
        positions = positions[present]
        self._row_of.clear()  # a removed id may come back under a new row_id
        self._dead += int(np.count_nonzero(self._alive[positions]))
        self._alive[positions] = False
        if self._dead * 4 > self._size:
            live = self._alive[: self._size]
            self._reset(self._row_ids[: self._size][live], self._unit[: self._size][live])

    def _locate(self, row_ids: RowIds) -> tuple[Positions, Mask]:
        """Where each of ``row_ids`` is or would go, and whether it is there (dead or alive)."""
        held = self._row_ids[: self._size]
        positions = np.searchsorted(held, row_ids)
        present = positions < self._size
        present[present] = held[positions[present]] == row_ids[present]
        return positions, present


class MatrixCache:
    """The committed bank matrices of one database, shared by every vector store of that database.

    Writes reach a matrix only once their transaction commits (:meth:`SqliteDatabase.after_commit`),
    under the database's ``commit_lock``, which is also this cache's lock: a search on a read
    connection therefore finds the matrix at exactly the version its connection sees.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._banks: dict[str, BankMatrix] = {}
        self.lock = lock
        """Held around every read or change of a matrix, so threads sharing the database agree."""

    def current(self, connection: sqlite3.Connection, bank_id: str, *, committed: bool = True) -> BankMatrix | None:
        """The bank's matrix as ``connection`` sees it, loaded if missing or stale; ``None``: the bank is empty.

        ``committed=False`` is a connection inside its own open transaction: a matrix loaded there
        holds rows that may yet roll back, so it is used for that search only, never cached.
        """
        with self.lock:
            version = read_version(connection, bank_id)
            cached = self._banks.get(bank_id)
            if version is not None and cached is not None and cached.version == version:
                return cached
            loaded = _load(connection, bank_id)
            if committed:
                self._banks.pop(bank_id, None)
                if loaded is not None:
                    self._banks[bank_id] = loaded
            return loaded

    def rows(self, bank_id: str) -> int | None:
        """How many live rows the bank's cached matrix holds (``None``: none is loaded): the cost of a
        search, known before it runs. A hint only, read without the lock."""
        matrix = self._banks.get(bank_id)
        return None if matrix is None else len(matrix)

    def written(
        self,
        bank_id: str,
        before: int | None,
        after: int,
        row_ids: RowIds,
        rows: tuple[FloatMatrix, FloatMatrix] | None,
    ) -> None:
        """Apply a write of ``bank_id`` that moved it from version ``before`` to ``after``.

        ``rows`` are the unit vectors and own vectors stored under ``row_ids``; ``None`` means those
        rows were deleted. A matrix that did not reflect ``before`` is stale and is dropped instead.
        """
        with self.lock:
            matrix = self._banks.get(bank_id)
            if matrix is None:
                return
            if matrix.version != before:
                del self._banks[bank_id]
                return
            if rows is None:
                matrix.remove(row_ids)
            else:
                matrix.upsert(row_ids, *rows)
            matrix.version = after

    def drop(self, bank_id: str) -> None:
        with self.lock:
            self._banks.pop(bank_id, None)


_caches: weakref.WeakKeyDictionary[SqliteDatabase, MatrixCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def matrix_cache(database: SqliteDatabase) -> MatrixCache:
    """The cache of ``database``: one per file per process, whichever store of the file asks."""
    with _caches_lock:
        cache = _caches.get(database)
        if cache is None:
            cache = _caches[database] = MatrixCache(database.commit_lock)
        return cache


def read_version(connection: sqlite3.Connection, bank_id: str) -> int | None:
    row = connection.execute("SELECT version FROM vector_banks WHERE bank_id = ?", (bank_id,)).fetchone()
    return None if row is None else int(row[0])


def _load(connection: sqlite3.Connection, bank_id: str) -> BankMatrix | None:
    """The bank's matrix, read in one statement so that its rows, count and version are one snapshot.

    Rows are copied into one preallocated matrix a chunk at a time and normalised in place: a bank
    of 100k 384-d vectors is 150 MB, and every further bank-sized temporary would cost as much again.
    """
    cursor = connection.cursor()
    cursor.row_factory = None  # plain tuples: a bank may have many rows
    cursor.execute(
        "SELECT (SELECT version FROM vector_banks WHERE bank_id = ?1), "
        "(SELECT COUNT(*) FROM vectors INDEXED BY vectors_by_bank WHERE bank_id = ?1), v.row_id, c.vector "
        "FROM vectors AS v INDEXED BY vectors_by_bank JOIN vector_contents AS c ON c.row_id = v.row_id "
        "WHERE v.bank_id = ?1",
        (bank_id,),
    )
    chunk = cursor.fetchmany(_LOAD_CHUNK)
    if not chunk:
        return None
    version, count = chunk[0][0], chunk[0][1]
    row_ids = np.empty(count, dtype=np.int64)
    matrix = np.empty((count, len(chunk[0][3]) // _FLOAT32_BYTES), dtype=np.float32)
    loaded = 0
    while chunk and loaded < count:  # the count bounds a statement that writes on this connection could stretch
        chunk = chunk[: count - loaded]
        end = loaded + len(chunk)
        row_ids[loaded:end] = [row[2] for row in chunk]
        matrix[loaded:end] = np.frombuffer(b"".join(row[3] for row in chunk), dtype=np.float32).reshape(len(chunk), -1)
        loaded, chunk = end, cursor.fetchmany(_LOAD_CHUNK)
    cursor.close()
    row_ids, matrix = row_ids[:loaded], matrix[:loaded]
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    np.divide(matrix, norms, out=matrix, where=norms > 0)  # zero rows stay zero, as in normalise_rows
    return BankMatrix(None if version is None else int(version), row_ids, matrix)


class _OwnRowSource:
    """The own vectors of a matrix's rows (by position), read through ``own_rows`` when asked for."""

    def __init__(self, row_ids: RowIds, own_rows: OwnRows) -> None:
        self._row_ids = row_ids
        self._own_rows = own_rows

    def __len__(self) -> int:
        return len(self._row_ids)

    def block(self, start: int, end: int) -> FloatMatrix:
        return self._own_rows(self._row_ids[start:end])

    def gather(self, positions: npt.NDArray[np.int64]) -> FloatMatrix:
        distinct, back = np.unique(positions, return_inverse=True)
        return self._own_rows(self._row_ids[distinct])[back]
