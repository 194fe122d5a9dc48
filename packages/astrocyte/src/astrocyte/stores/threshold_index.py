"""Threshold queries ("a stored row at least this similar, if any") without comparing against every row.

Retain's near-duplicate check asks, for each new vector, whether the bank holds one at cosine
similarity ``t`` or more (0.95 by default). Answered exactly, that is a product of the batch with the
whole bank, which at 100k memories costs more than everything else retain does. The in-process
stores answer it instead from :class:`ThresholdIndex`, sign-random-projection locality-sensitive
hashing (Charikar, 2002):

- ``BITS_PER_TABLE`` (b) random hyperplanes per table, ``TABLES`` (L) tables, drawn from a fixed
  seed: a row's key in a table is the signs of its projections on the table's hyperplanes. Two unit
  vectors at angle θ get the same sign on a hyperplane with probability ``p = 1 - θ/π``, so a row at
  similarity ``t`` to a query shares at least one of its L keys with probability ``1 - (1 - p^b)^L``;
- the rows sharing a key are candidates; the signs on the first 256 hyperplanes also form a
  sketch, and a candidate whose sketch differs from the query's in more bits than a pair at similarity
  ``t`` would plausibly show (a binomial tail below ``_SKETCH_TAIL``) is dropped before the exact
  comparison, which is what makes candidates cheap to check;
- the survivors are compared exactly: an answer is always a row at or above the threshold.

A row at or above ``t`` is therefore missed with probability at most
``(1 - p(t)^b)^L + _SKETCH_TAIL`` (:func:`miss_bound`): for ``t = 0.95`` that is below 9e-4, and
closer rows are missed less often (at ``t = 0.98`` about 1e-5, nearly all of it the sketch's).
When a threshold's bound exceeds :data:`MAX_MISS` (thresholds below about 0.95), and for small
banks where one product is cheaper, :func:`rows_at_least` compares exactly instead. Identical
vectors always share every key and are never missed.

What it saves depends on how crowded the bank is: a query meets about ``L·n·p(s)^b`` candidates,
``s`` being the typical similarity between memories. On the benchmark's hashing vectors (``s``
about 0.3) that is well under 1% of the bank and the query costs a fifteenth of the product; on
contextual vectors, which blend neighbours and so resemble each other more (``s`` about 0.6), it
is some 5% of the bank, and the query costs about half the product.

The rows are read through a :class:`RowSource`: the in-memory store passes its matrix, the SQLite
store reads rows from its file on demand, so that a process need not hold a second bank-sized
matrix of own vectors (:mod:`astrocyte.stores.sqlite._matrix`) beside the one recall searches. The
index itself keeps only keys and sketches; the exact comparison reads just the candidates that
survive the sketch, and the exact path reads the rows a block at a time.

The index addresses rows by their position in the store's matrix. Positions may be rewritten (a
row replaced, a row moved into a hole): the store re-adds the row at its position, and the entries
left under the old keys become stale. Stale entries only cost candidates, because each candidate is
checked against the row the position holds now; the index is rebuilt once they outnumber the live
ones.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

from astrocyte.vectors import FloatMatrix

Positions = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

BITS_PER_TABLE = 20
TABLES = 56
#: The largest miss probability per near duplicate the index may run with; above it, compare exactly.
MAX_MISS = 1e-3
#: Below this many rows one exact product costs less than hashing the queries and checking candidates.
EXACT_BELOW = 4096
#: The probability allowed for a near duplicate's sketch to differ in more bits than the cut-off.
_SKETCH_TAIL = 1e-5
_SEED = 0x5EED_1D5
_SIGN_BITS = BITS_PER_TABLE * TABLES
#: The sketch is the first 256 signs: enough to tell a near duplicate from the rest, small to gather.
_SKETCH_WORDS = 4
_SKETCH_BITS = 64 * _SKETCH_WORDS
_TABLE_OFFSETS = np.arange(TABLES, dtype=np.uint32) << np.uint32(BITS_PER_TABLE)
#: Candidate pairs checked at once: bounds the gathered sketches and rows to a few megabytes.
_PAIRS_AT_ONCE = 65_536


class RowSource(Protocol):
    """Unit rows addressed by position ``0 .. len - 1``, read when asked for."""

    def __len__(self) -> int: ...

    def block(self, start: int, end: int) -> FloatMatrix:
        """The rows ``start`` to ``end`` (exclusive), in order."""
        ...

    def gather(self, positions: Positions) -> FloatMatrix:
        """The rows at ``positions`` (in range, possibly repeated), in that order."""
        ...


class MatrixRows:
    """A :class:`RowSource` over a matrix held in memory."""

    def __init__(self, rows: FloatMatrix) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def block(self, start: int, end: int) -> FloatMatrix:
        return self._rows[start:end]

    def gather(self, positions: Positions) -> FloatMatrix:
        return self._rows[positions]


def _source(rows: FloatMatrix | RowSource) -> RowSource:
    return MatrixRows(rows) if isinstance(rows, np.ndarray) else rows


def collision_probability(threshold: float) -> float:
    """The probability that one hyperplane puts two unit vectors at similarity ``threshold`` on one side."""
    return 1.0 - math.acos(max(-1.0, min(1.0, threshold))) / math.pi


def miss_bound(threshold: float) -> float:
    """An upper bound on the probability that the index misses a row at similarity ``threshold`` or more."""
    agree = collision_probability(threshold)
    return (1.0 - agree**BITS_PER_TABLE) ** TABLES + _SKETCH_TAIL


@cache
def sketch_cut(threshold: float) -> int:
    """The most sketch bits in which a pair at similarity ``threshold`` differs, but for ``_SKETCH_TAIL``."""
    differ = 1.0 - collision_probability(threshold)
    if differ <= 0.0:
        return 0
    # The smallest c with P(Binomial(bits, differ) > c) <= _SKETCH_TAIL, summing the tail from the top.
    log_differ, log_agree = math.log(differ), math.log1p(-differ) if differ < 1.0 else -math.inf
    tail = 0.0
    for count in range(_SKETCH_BITS, -1, -1):
        term = math.lgamma(_SKETCH_BITS + 1) - math.lgamma(count + 1) - math.lgamma(_SKETCH_BITS - count + 1)
        tail += math.exp(term + count * log_differ + (_SKETCH_BITS - count) * log_agree)
        if tail > _SKETCH_TAIL:
            return count
    return 0


@cache
def _planes(dimensions: int) -> FloatMatrix:
    """The hyperplanes of every table for ``dimensions``: the same in every process."""
    generator = np.random.default_rng(_SEED + dimensions)
    planes: FloatMatrix = generator.standard_normal((dimensions, _SIGN_BITS)).astype(np.float32)
    return planes


def _signatures(unit_rows: FloatMatrix) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]:
    """Each row's key in every table (the table number in the high bits) and its packed sketch."""
    signs = unit_rows @ _planes(unit_rows.shape[1]) > 0
    key_bytes = np.packbits(signs.reshape(len(unit_rows), TABLES, BITS_PER_TABLE), axis=2, bitorder="little")
    keys = key_bytes[:, :, 0].astype(np.uint32)
    for byte in range(1, key_bytes.shape[2]):
        keys |= key_bytes[:, :, byte].astype(np.uint32) << np.uint32(8 * byte)
    keys |= _TABLE_OFFSETS
    packed = np.packbits(signs[:, :_SKETCH_BITS], axis=1)
    return keys, packed.view(np.uint64)


class ThresholdIndex:
    """Sign-random-projection tables over the rows of one matrix, addressed by position."""

    def __init__(self) -> None:
        self._sketches = np.zeros((0, _SKETCH_WORDS), dtype=np.uint64)
        # Sorted runs of (key, position), merged like a binary counter so that adding a batch never
        # re-sorts the whole index and a query searches a logarithmic number of runs.
        # Positions as int32: at 56 entries a row, the runs are most of the index's memory.
        self._runs: list[tuple[npt.NDArray[np.uint32], npt.NDArray[np.int32]]] = []
        self.entries = 0

    def add(self, positions: Positions, unit_rows: FloatMatrix) -> None:
        """Index ``unit_rows`` at ``positions`` (distinct), replacing whatever those positions held."""
        if not len(positions):
            return
        keys, sketches = _signatures(unit_rows)
        needed = int(positions.max()) + 1
        if needed > len(self._sketches):
            grown = np.zeros((max(needed, 2 * len(self._sketches)), _SKETCH_WORDS), dtype=np.uint64)
            grown[: len(self._sketches)] = self._sketches
            self._sketches = grown
        self._sketches[positions] = sketches
        flat_keys = keys.ravel()
        order = np.argsort(flat_keys, kind="stable")
        run = (flat_keys[order], np.repeat(positions.astype(np.int32), TABLES)[order])
        self._runs.append(run)
        self.entries += len(flat_keys)
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (upper_keys, upper_positions), (lower_keys, lower_positions) = self._runs.pop(), self._runs.pop()
            merged_keys = np.concatenate([lower_keys, upper_keys])
            order = np.argsort(merged_keys, kind="stable")
            self._runs.append((merged_keys[order], np.concatenate([lower_positions, upper_positions])[order]))

    def is_mostly_stale(self, live_rows: int) -> bool:
        """Whether stale entries outnumber live ones: time to rebuild from the matrix."""
        return self.entries > 2 * TABLES * max(live_rows, 1)

    def best_at_least(
        self, rows: FloatMatrix | RowSource, live: Mask | None, queries: FloatMatrix, threshold: float
    ) -> Positions:
        """For each unit query, the position of its most similar candidate at or above ``threshold``
        (``-1``: none found). ``rows`` are the matrix's unit rows (only candidates are read);
        ``live`` marks rows that count."""
        rows = _source(rows)
        found = np.full(len(queries), -1, dtype=np.int64)
        if not len(queries) or not self._runs:
            return found
        query_keys, query_sketches = _signatures(queries)
        pair_queries, pair_positions = self._colliding(query_keys.ravel())
        usable = pair_positions < len(rows)
        if live is not None:
            usable[usable] = live[pair_positions[usable]]
        pair_queries, pair_positions = pair_queries[usable], pair_positions[usable]
        best = np.full(len(queries), -np.inf, dtype=np.float32)
        cut = sketch_cut(threshold)
        for start in range(0, len(pair_queries), _PAIRS_AT_ONCE):
            asked = pair_queries[start : start + _PAIRS_AT_ONCE]
            held = pair_positions[start : start + _PAIRS_AT_ONCE]
            differing = np.bitwise_count(self._sketches[held] ^ query_sketches[asked]).sum(axis=1)
            close = differing <= cut
            asked, held = asked[close], held[close]
            scores = np.einsum("ij,ij->i", rows.gather(held.astype(np.int64)), queries[asked])
            better = (scores >= threshold) & (scores > best[asked])
            # Several pairs of one query may improve it at once: keep the highest of them.
            order = np.lexsort((-scores[better], asked[better]))
            asked, held, scores = asked[better][order], held[better][order], scores[better][order]
            first = np.unique(asked, return_index=True)[1]
            best[asked[first]] = scores[first]
            found[asked[first]] = held[first]
        return found

    def _colliding(self, keys: npt.NDArray[np.uint32]) -> tuple[Positions, npt.NDArray[np.int32]]:
        """Every (query, position) pair sharing a key, over all runs, each pair once; ``keys`` holds
        the ``TABLES`` keys of each query in turn."""
        order = np.argsort(keys)  # sorted needles keep the binary searches in cache
        sorted_keys = keys[order]
        asked_parts: list[Positions] = []
        held_parts: list[npt.NDArray[np.int32]] = []
        for run_keys, run_positions in self._runs:
            low, high = key_ranges(run_keys, sorted_keys)
            counts = high - low
            total = int(counts.sum())
            if not total:
                continue
            asked_parts.append(np.repeat(order // TABLES, counts))
            starts = np.repeat(low - np.cumsum(counts) + counts, counts)
            held_parts.append(run_positions[starts + np.arange(total)])
        if not held_parts:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
        # A query meeting a row in several tables is checked several times: that is rarer than
        # removing the repeats would be costly.
        return np.concatenate(asked_parts), np.concatenate(held_parts)


def key_ranges(run_keys: npt.NDArray[np.uint32], needles: npt.NDArray[np.uint32]) -> tuple[Positions, Positions]:
    """``np.searchsorted(run_keys, needles)`` on the left and on the right side, for sorted ``needles``.

    A binary search over a run of millions of keys misses the cache at most of its steps, twice per
    needle, which was a third of a threshold query at 100k rows. Here the binary search runs over
    every ``_FENCE``-th key (a small array that stays in cache), and each needle's two bounds are
    counted in its block of ``_FENCE`` keys (two cache lines); a needle whose keys run past its
    block (rare: most needles match nothing) gets its upper bound by a plain search.
    """
    size = len(run_keys)
    if size < _FENCE_FROM:
        return np.searchsorted(run_keys, needles, side="left"), np.searchsorted(run_keys, needles, side="right")
    # The block holding the first key >= needle starts at the last fence below the needle.
    block = np.maximum(np.searchsorted(run_keys[::_FENCE], needles, side="left") - 1, 0) * _FENCE
    index = block[:, None] + np.arange(_FENCE)
    inside = index < size
    window = run_keys[np.minimum(index, size - 1)]
    column = needles[:, None]
    low = block + np.count_nonzero((window < column) & inside, axis=1)
    at_most = np.count_nonzero((window <= column) & inside, axis=1)
    high = block + at_most
    spill = np.flatnonzero(at_most == _FENCE)
    high[spill] = np.searchsorted(run_keys, needles[spill], side="right")
    return low, high


#: Keys per block of :func:`key_ranges`; runs shorter than ``_FENCE_FROM`` are searched directly.
_FENCE = 32
_FENCE_FROM = 65_536

#: Rows hashed at a time while (re)building an index from a whole matrix: bounds the temporaries.
_BUILD_CHUNK = 8192


def usable_index(
    index: ThresholdIndex | None, rows: FloatMatrix | RowSource, live_rows: int, threshold: float
) -> ThresholdIndex | None:
    """The index a store keeps for a matrix of ``rows`` (``live_rows`` of them live) before a query at
    ``threshold``: ``None`` below :data:`EXACT_BELOW`; ``index`` as it is when it is fresh or the
    threshold will be compared exactly anyway; else one built from the rows, read a block at a time."""
    if live_rows < EXACT_BELOW:
        return None
    if miss_bound(threshold) > MAX_MISS or (index is not None and not index.is_mostly_stale(live_rows)):
        return index
    rows = _source(rows)
    built = ThresholdIndex()
    for start in range(0, len(rows), _BUILD_CHUNK):
        end = min(start + _BUILD_CHUNK, len(rows))
        built.add(np.arange(start, end, dtype=np.int64), rows.block(start, end))
    return built


def rows_at_least(
    rows: FloatMatrix | RowSource,
    live: Mask | None,
    queries: FloatMatrix,
    threshold: float,
    index: ThresholdIndex | None,
) -> Positions:
    """For each unit query, a row at or above ``threshold`` (its most similar one when compared
    exactly), ``-1`` when none: from ``index`` when given and its miss bound allows, else exactly,
    over the rows a block at a time."""
    if index is not None and miss_bound(threshold) <= MAX_MISS:
        return index.best_at_least(rows, live, queries, threshold)
    rows = _source(rows)
    found = np.full(len(queries), -1, dtype=np.int64)
    best = np.full(len(queries), -np.inf, dtype=np.float32)
    every_query = np.arange(len(queries))
    for start in range(0, len(rows), _BUILD_CHUNK):
        end = min(start + _BUILD_CHUNK, len(rows))
        scores = rows.block(start, end) @ queries.T
        if live is not None:
            scores[~live[start:end]] = -np.inf
        top = np.argmax(scores, axis=0)
        top_scores = scores[top, every_query]
        better = top_scores > best  # ties keep the earlier row, as one argmax over all rows would
        best[better] = top_scores[better]
        found[better] = start + top[better]
    found[best < threshold] = -1
    return found
