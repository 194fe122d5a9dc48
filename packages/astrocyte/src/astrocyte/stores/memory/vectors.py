"""The in-memory reference :class:`~astrocyte.spi.VectorStore`: exact cosine search with numpy.

Each bank is a float32 matrix of unit-length rows with the items' ids, payloads and filterable
scalars in parallel columns, so a search is one matrix-vector product plus a few array masks
(fact type, time range, as-of); only tag and metadata conditions, on lists and dicts, are checked
row by row, on the rows the masks let through. Vectors are normalised once, on the way in; that is
also why ``list_vectors`` returns each vector as the unit-length float32 row it keeps (the direction
is what cosine similarity uses, as in cosine collections of Qdrant and the like). Each item's own
vector (``VectorItem.own_vector``) is kept the same way in a second matrix, which threshold queries
search (for an item without one, that row is its vector). Retain's batches as float32 blocks
(``vector_rows``) are stored as the vector items they stand for: the reference store defines that
ability by its meaning rather than by a second write path.

``retained_at`` is what ``VectorFilters.as_of`` compares against; an item stored without one is
stamped with the time of the write, so time-travel queries also see memories whose writer did not
say when they were retained.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from astrocyte.stores.arguments import batch_dimensions, own_unit_rows, query_rows, unit_rows
from astrocyte.stores.memory._banks import Banks
from astrocyte.stores.memory._copies import detached
from astrocyte.stores.memory._filters import MOMENT_UNIT, as_moments, column_mask, vector_label_predicate
from astrocyte.stores.memory._health import healthy_since
from astrocyte.stores.memory._rows import RowIndex, remove_each, with_capacity
from astrocyte.stores.searches import check_score_ids, check_threshold_search, query_row, vector_hit
from astrocyte.stores.threshold_index import ThresholdIndex, rows_at_least, usable_index
from astrocyte.stores.vector_rows import VectorRows, checked_queries
from astrocyte.types import HealthStatus, VectorFilters, VectorHit, VectorItem, VectorStoreCapabilities
from astrocyte.validation import check_non_negative_int, check_positive_int, check_vector
from astrocyte.vectors import FloatMatrix, cosine_score_columns, normalise_rows, top_k

Rows = npt.NDArray[np.intp]

#: Queries scored in one matrix product: bounds the score block to rows x 64 floats.
_QUERIES_AT_ONCE = 64


class MemoryVectorStore:
    """Vectors kept in process memory, per bank, searched exactly (brute force, vectorised).

    ``dimensions`` fixes the dimension of every vector of the store; left out, the first successful
    write fixes it. Any other dimension, on write or on query, raises ``ValidationError`` and the
    call changes nothing. Beyond the published methods it offers ``delete_bank`` and
    ``count_vectors``, and declares them (with exact search and ``tag_match="all"``) in :meth:`capabilities`.
    """

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self, dimensions: int | None = None) -> None:
        self._dimensions = None if dimensions is None else check_positive_int(dimensions, "dimensions")
        self._banks: Banks[_VectorBank] = Banks(lambda: _VectorBank(self._dimensions or 0))

    @property
    def dimensions(self) -> int | None:
        """The dimension every vector must have, or ``None`` until the first write fixes it."""
        return self._dimensions

    def capabilities(self) -> VectorStoreCapabilities:
        return VectorStoreCapabilities(
            filter_tag_match_all=True,
            exact_search=True,
            delete_bank=True,
            count=True,
            batch_search=True,
            threshold_search=True,
            id_scores=True,
            vector_rows=True,
        )

    async def store_vectors(self, items: list[VectorItem]) -> list[str]:
        if not items:
            return []
        dimensions = batch_dimensions(items, self._dimensions)
        unit = unit_rows([item.vector for item in items], dimensions, lambda row: f"items[{row}].vector")
        own = own_unit_rows(items, unit, dimensions)
        has_own = np.array([item.own_vector is not None for item in items], dtype=np.bool_)
        self._dimensions = dimensions
        written_at = datetime.now(UTC)
        last_of: dict[str, dict[str, int]] = {}  # bank -> id -> the batch position that wins the upsert
        for position, item in enumerate(items):
            last_of.setdefault(item.bank_id, {})[item.id] = position
        for bank_id, positions in last_of.items():
            chosen = list(positions.values())
            stored = [_stored(items[position], written_at) for position in chosen]
            self._banks.for_write(bank_id).put(stored, unit[chosen], own[chosen], has_own[chosen])
        return [item.id for item in items]

    async def store_vector_rows(self, rows: VectorRows) -> None:
        """``store_vectors(rows.items())`` once the batch passed :meth:`VectorRows.check` (``vector_rows``)."""
        if len(rows):
            rows.check(self._dimensions)
            await self.store_vectors(rows.items())

    async def search_similar(
        self,
        query_vector: list[float],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[VectorHit]:
        bank = self._banks.for_read(bank_id)
        check_positive_int(limit, "limit")
        check_vector(query_vector, "query_vector")
        query = query_row(query_vector, self._dimensions)
        return bank.search(query, limit, filters)[0] if len(bank) else []

    async def search_similar_batch(
        self,
        query_vectors: list[list[float]],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[list[VectorHit]]:
        """``search_similar`` for each query, as one matrix product over the bank (declared ``batch_search``)."""
        bank = self._banks.for_read(bank_id)
        check_positive_int(limit, "limit")
        if not query_vectors:
            return []
        queries = query_rows(query_vectors, self._dimensions, "query_vectors")
        return bank.search(queries, limit, filters) if len(bank) else [[] for _ in query_vectors]

    async def search_similar_threshold(
        self, query_vectors: list[list[float]], bank_id: str, threshold: float
    ) -> list[str | None]:
        """For each query, the id of an item of the bank at least ``threshold`` similar, if any
        (declared ``threshold_search``; from an index on large banks, see
        :mod:`astrocyte.stores.threshold_index`)."""
        bank = self._banks.for_read(bank_id)
        check_threshold_search(bank_id, threshold)
        if not query_vectors:
            return []
        queries = query_rows(query_vectors, self._dimensions, "query_vectors")
        return bank.at_least(queries, threshold)

    async def threshold_ids(self, queries: FloatMatrix, bank_id: str, threshold: float) -> list[str | None]:
        """``search_similar_threshold`` with the queries as a float32 matrix (declared ``vector_rows``)."""
        bank = self._banks.for_read(bank_id)
        check_threshold_search(bank_id, threshold)
        if not len(queries):
            return []
        return bank.at_least(normalise_rows(checked_queries(queries, self._dimensions)), threshold)

    async def score_ids(self, query_vector: list[float], ids: list[str], bank_id: str) -> dict[str, float]:
        """The cosine similarity of each of ``ids`` the bank holds to ``query_vector`` (declared ``id_scores``)."""
        bank = self._banks.for_read(bank_id)
        check_score_ids(query_vector, ids, bank_id)
        query = query_row(query_vector, self._dimensions)
        return bank.scores_of(query, ids)

    async def delete(self, ids: list[str], bank_id: str) -> int:
        bank = self._banks.for_read(bank_id)
        removed = remove_each(bank, ids, "ids")
        if removed and not len(bank):
            self._banks.drop(bank_id)
        return removed

    async def list_vectors(self, bank_id: str, offset: int = 0, limit: int = 100) -> list[VectorItem]:
        bank = self._banks.for_read(bank_id)
        check_non_negative_int(offset, "offset")
        check_positive_int(limit, "limit")
        return [bank.item(item_id) for item_id in bank.index.sorted_ids()[offset : offset + limit]]

    async def delete_bank(self, bank_id: str) -> int:
        """Drop every vector of ``bank_id`` at once; returns how many there were."""
        dropped = self._banks.drop(bank_id)
        return 0 if dropped is None else len(dropped)

    async def count_vectors(self, bank_id: str) -> int:
        """How many vectors ``bank_id`` holds, without paging through them."""
        return len(self._banks.for_read(bank_id))

    async def health(self) -> HealthStatus:
        started = time.perf_counter()
        vectors = sum(len(bank) for bank in self._banks)
        fixed = "not fixed yet" if self._dimensions is None else str(self._dimensions)
        return healthy_since(
            started, f"in-memory vector store: {len(self._banks)} banks, {vectors} vectors, dimensions {fixed}"
        )


class _VectorBank:
    """One bank as dense columns: unit rows for similarity, scalar columns for the filter masks.

    ``items`` holds the payloads as vector-less copies: the vector lives only in ``unit_rows``, the
    own vector in ``own_rows`` (``has_own`` marks the rows whose item had one).
    """

    def __init__(self, dimensions: int) -> None:
        self.index = RowIndex()
        self.items: list[VectorItem] = []
        self.unit_rows: FloatMatrix = np.empty((0, dimensions), dtype=np.float32)
        self.own_rows: FloatMatrix = np.empty((0, dimensions), dtype=np.float32)
        self.has_own: npt.NDArray[np.bool_] = np.empty(0, dtype=np.bool_)
        self.fact_codes: dict[str | None, int] = {}  # fact type -> its small integer code in this bank
        self.fact_types: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self.occurred: npt.NDArray[np.datetime64] = np.empty(0, dtype=f"datetime64[{MOMENT_UNIT}]")
        self.retained: npt.NDArray[np.datetime64] = np.empty(0, dtype=f"datetime64[{MOMENT_UNIT}]")
        self._index: ThresholdIndex | None = None  # built by the first threshold query that needs it

    def __len__(self) -> int:
        return len(self.index)

    def put(
        self, items: Sequence[VectorItem], unit_rows: FloatMatrix, own_rows: FloatMatrix, has_own: npt.NDArray[np.bool_]
    ) -> None:
        """Insert each item, or replace the item with its id (upsert); the ids are distinct."""
        self._reserve(len(self.index) + len(items))
        rows = np.fromiter((self._row_for(item) for item in items), dtype=np.intp, count=len(items))
        self.unit_rows[rows] = unit_rows
        self.own_rows[rows] = own_rows
        self.has_own[rows] = has_own
        if self._index is not None:
            self._index.add(rows.astype(np.int64), own_rows)
        self.fact_types[rows] = [self.fact_codes.setdefault(item.fact_type, len(self.fact_codes)) for item in items]
        self.occurred[rows] = as_moments([item.occurred_at for item in items])
        self.retained[rows] = as_moments([item.retained_at for item in items])

    def _row_for(self, item: VectorItem) -> int:
        if item.id in self.index:
            row = self.index.row_of(item.id)
            self.items[row] = item
            return row
        self.items.append(item)
        return self.index.add(item.id)

    def remove(self, item_id: str) -> bool:
        if item_id not in self.index:
            return False
        hole, last = self.index.remove(item_id)
        for column in (self.unit_rows, self.own_rows, self.has_own, self.fact_types, self.occurred, self.retained):
            column[hole] = column[last]
        if self._index is not None and hole != last:
            self._index.add(np.array([hole], dtype=np.int64), self.own_rows[hole : hole + 1])
        self.items[hole] = self.items[last]
        self.items.pop()
        return True

    def at_least(self, queries: FloatMatrix, threshold: float) -> list[str | None]:
        """For each unit query, the id of an item whose own vector is at or above ``threshold``, if any."""
        size = len(self)
        self._index = usable_index(self._index, self.own_rows[:size], size, threshold)
        found = rows_at_least(self.own_rows[:size], None, queries, threshold, self._index)
        return [None if row < 0 else self.index.ids[row] for row in found.tolist()]

    def scores_of(self, query: FloatMatrix, ids: list[str]) -> dict[str, float]:
        """The cosine similarity to the unit ``query`` row of each of ``ids`` the bank holds."""
        held = [item_id for item_id in dict.fromkeys(ids) if item_id in self.index]
        if not held:
            return {}
        rows = np.fromiter((self.index.row_of(item_id) for item_id in held), dtype=np.intp, count=len(held))
        scores = cosine_score_columns(self.unit_rows[rows], query)[:, 0]
        return dict(zip(held, scores.tolist(), strict=True))

    def search(self, queries: FloatMatrix, limit: int, filters: VectorFilters | None) -> list[list[VectorHit]]:
        """The best ``limit`` hits of each unit query row (filters apply to all of them)."""
        # Scoring every row and then picking the passing scores beats gathering the passing rows
        # first: the product runs over one contiguous matrix, and only the scores are copied.
        rows = None if filters is None else self._passing_rows(filters)
        results = []
        for start in range(0, len(queries), _QUERIES_AT_ONCE):
            block = cosine_score_columns(self.unit_rows[: len(self)], queries[start : start + _QUERIES_AT_ONCE])
            for scores in block.T:
                best = top_k(scores, limit) if rows is None else rows[top_k(scores[rows], limit)]
                results.append([self._hit(int(row), float(scores[row])) for row in best])
        return results

    def item(self, item_id: str) -> VectorItem:
        row = self.index.row_of(item_id)
        copied = detached(self.items[row])
        copied.vector = self.unit_rows[row].tolist()
        copied.own_vector = self.own_rows[row].tolist() if self.has_own[row] else None
        return copied

    def _passing_rows(self, filters: VectorFilters) -> Rows:
        size = len(self)
        mask = column_mask(
            filters,
            fact_codes=self.fact_codes,
            fact_types=self.fact_types[:size],
            occurred=self.occurred[:size],
            retained=self.retained[:size],
        )
        rows = np.flatnonzero(mask)
        passes = vector_label_predicate(filters)
        if passes is None:
            return rows
        kept = [row for row in rows if passes(self.items[row].tags, self.items[row].metadata)]
        return np.asarray(kept, dtype=np.intp)

    def _hit(self, row: int, score: float) -> VectorHit:
        return vector_hit(detached(self.items[row]), score)

    def _reserve(self, rows: int) -> None:
        used = len(self.index)
        self.unit_rows = with_capacity(self.unit_rows, rows, used)
        self.own_rows = with_capacity(self.own_rows, rows, used)
        self.has_own = with_capacity(self.has_own, rows, used)
        self.fact_types = with_capacity(self.fact_types, rows, used)
        self.occurred = with_capacity(self.occurred, rows, used)
        self.retained = with_capacity(self.retained, rows, used)


def _stored(item: VectorItem, written_at: datetime) -> VectorItem:
    """What a bank keeps of ``item``: a detached copy without the vector (the bank's matrix holds it),
    stamped with the write time when it carries no ``retained_at``."""
    stored = detached(item)
    stored.vector = []
    stored.own_vector = None
    stored.retained_at = item.retained_at or written_at
    return stored
