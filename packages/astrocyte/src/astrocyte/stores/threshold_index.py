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


class _Run:
    """``(key, position)`` entries ordered by :func:`_hashed` key, with a directory: ``starts[b]`` is
    where the entries whose hashed key's top bits are ``b`` begin.

    A needle's entries are found by indexing the directory rather than by binary searches, which
    over a run of millions of keys miss the cache at most of their steps (most of a query at 100k
    rows). Ordering by hashed key rather than by key spreads the keys of one crowded region of the
    space (which differ in a few sign bits) over many buckets, so a bucket holds a few entries
    besides a popular key's own.
    """

    def __init__(self, hashed: npt.NDArray[np.uint32], positions: npt.NDArray[np.int32]) -> None:
        self.hashed, self.positions = hashed, positions
        # Two to four entries a bucket (a cache line or two of keys and positions, one of directory):
        # with int32 offsets the directory adds a sixteenth to an eighth to the run's memory.
        self.shift = 32 - max(len(hashed) // 4, 1).bit_length()
        counts = np.bincount(hashed >> np.uint32(self.shift), minlength=1 << (32 - self.shift))
        self.starts = np.zeros(len(counts) + 1, dtype=np.int32)
        np.cumsum(counts, out=self.starts[1:])

    @classmethod
    def of(cls, keys: npt.NDArray[np.uint32], positions: npt.NDArray[np.int32]) -> _Run:
        """The run of these entries (equal keys keep their order)."""
        hashed = _hashed(keys)
        order = np.argsort(hashed, kind="stable")
        return cls(hashed[order], positions[order])

    def __len__(self) -> int:
        return len(self.hashed)

    def merged(self, upper: _Run) -> _Run:
        """This run's entries and ``upper``'s in one run, an equal key's entries from this one first
        (what a stable sort of both, this one's first, gives), merged in linear time."""
        into = np.searchsorted(self.hashed, upper.hashed, side="right") + np.arange(len(upper))
        from_lower = np.ones(len(self) + len(upper), dtype=np.bool_)
        from_lower[into] = False
        hashed = np.empty(len(from_lower), dtype=np.uint32)
        positions = np.empty(len(from_lower), dtype=np.int32)
        hashed[into], hashed[from_lower] = upper.hashed, self.hashed
        positions[into], positions[from_lower] = upper.positions, self.positions
        return _Run(hashed, positions)

    def matches(self, needles: npt.NDArray[np.uint32]) -> tuple[Positions, npt.NDArray[np.int32]]:
        """Every ``(needle's index, position)`` pair whose hashed key equals the (hashed) needle."""
        buckets = needles >> np.uint32(self.shift)
        low = self.starts[buckets].astype(np.int64)
        counts = self.starts[buckets + 1] - low
        total = int(counts.sum())
        entries = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(total)
        owners = np.repeat(np.arange(len(needles)), counts)
        same = self.hashed[entries] == needles[owners]
        return owners[same], self.positions[entries[same]]


def _hashed(keys: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Keys multiplied by an odd constant modulo 2**32 (Fibonacci hashing): a one-to-one map, so equal
    hashed keys are equal keys, whose top bits differ for keys that differ in any bit."""
    hashed: npt.NDArray[np.uint32] = keys * np.uint32(0x9E3779B1)
    return hashed


class ThresholdIndex:
    """Sign-random-projection tables over the rows of one matrix, addressed by position."""

    def __init__(self) -> None:
        self._sketches = np.zeros((0, _SKETCH_WORDS), dtype=np.uint64)
        # Runs of (key, position) in hashed-key order, merged like a binary counter (in linear time)
        # so that adding a batch never re-sorts the whole index and a query reads a logarithmic
        # number of runs.
        # Positions as int32: at 56 entries a row, the runs are most of the index's memory.
        self._runs: list[_Run] = []
        self.entries = 0
        # Signatures of rows queried and not added since, by their bytes: retain looks a batch's
        # vectors up, then stores them, and adding them need not project them again.
        self._queried: dict[bytes, tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]] = {}

    def add(self, positions: Positions, unit_rows: FloatMatrix) -> None:
        """Index ``unit_rows`` at ``positions`` (distinct), replacing whatever those positions held."""
        if not len(positions):
            return
        keys, sketches = self._known_signatures(unit_rows)
        needed = int(positions.max()) + 1
        if needed > len(self._sketches):
            grown = np.zeros((max(needed, 2 * len(self._sketches)), _SKETCH_WORDS), dtype=np.uint64)
            grown[: len(self._sketches)] = self._sketches
            self._sketches = grown
        self._sketches[positions] = sketches
        self._runs.append(_Run.of(keys.ravel(), np.repeat(positions.astype(np.int32), TABLES)))
        self.entries += keys.size
        while len(self._runs) > 1 and 2 * len(self._runs[-1]) >= len(self._runs[-2]):
            upper, lower = self._runs.pop(), self._runs.pop()
            self._runs.append(lower.merged(upper))

    def _known_signatures(self, unit_rows: FloatMatrix) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]:
        """:func:`_signatures`, taking those of rows queried before from the memo (and out of it)."""
        queried = self._queried
        known = [queried.pop(row, None) for row in _row_bytes(unit_rows)] if queried else []
        if not any(known):
            return _signatures(unit_rows)
        keys = np.empty((len(unit_rows), TABLES), dtype=np.uint32)
        sketches = np.empty((len(unit_rows), _SKETCH_WORDS), dtype=np.uint64)
        missing = [at for at, signature in enumerate(known) if signature is None]
        for at, signature in enumerate(known):
            if signature is not None:
                keys[at], sketches[at] = signature
        if missing:
            keys[missing], sketches[missing] = _signatures(unit_rows[missing])
        return keys, sketches

    def _remember(self, unit_rows: FloatMatrix, keys: npt.NDArray[np.uint32], sketches: npt.NDArray[np.uint64]) -> None:
        if len(self._queried) + len(unit_rows) > _QUERIED_ROWS:
            self._queried = {}
        self._queried.update(zip(_row_bytes(unit_rows), zip(keys, sketches, strict=True), strict=True))

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
        self._remember(queries, query_keys, query_sketches)
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
            near = (
                _sketch_distances(np.take(self._sketches, held, axis=0), np.take(query_sketches, asked, axis=0)) <= cut
            )
            asked, candidates = asked[near], held[near].astype(np.int64)
            scores = np.einsum("ij,ij->i", rows.gather(candidates), queries[asked])
            _keep_best(asked, candidates, scores, threshold, best, found)
        return found

    def _colliding(self, keys: npt.NDArray[np.uint32]) -> tuple[Positions, npt.NDArray[np.int32]]:
        """Every (query, position) pair sharing a key, over all runs; ``keys`` holds the ``TABLES``
        keys of each query in turn."""
        hashed = _hashed(keys)
        order = np.argsort(hashed)  # sorted needles read each run's directory and entries in order
        sorted_keys = hashed[order]
        asked_parts: list[Positions] = []
        held_parts: list[npt.NDArray[np.int32]] = []
        for run in self._runs:
            needles, held = run.matches(sorted_keys)
            asked_parts.append(order[needles] // TABLES)
            held_parts.append(held)
        if not held_parts:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
        # A query meeting a row in several tables is checked several times: that is rarer than
        # removing the repeats would be costly.
        return np.concatenate(asked_parts), np.concatenate(held_parts)


def _keep_best(
    asked: Positions, held: Positions, scores: FloatMatrix, threshold: float, best: FloatMatrix, found: Positions
) -> None:
    """Update each query's ``best`` score and the row it ``found`` with the pairs that beat them: the
    highest score at or above ``threshold``, ties going to the earliest row (as in an exact
    comparison), whatever order the pairs come in."""
    better = (scores >= threshold) & ((scores > best[asked]) | ((scores == best[asked]) & (held < found[asked])))
    order = np.lexsort((held[better], -scores[better], asked[better]))
    asked, held, scores = asked[better][order], held[better][order], scores[better][order]
    first = np.unique(asked, return_index=True)[1]  # each query's best pair
    best[asked[first]] = scores[first]
    found[asked[first]] = held[first]


def _sketch_distances(first: npt.NDArray[np.uint64], second: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint16]:
    """How many bits differ between the sketches of each row of ``first`` and ``second`` (summed word
    by word: numpy's sum along a short last axis is several times slower)."""
    counts = np.bitwise_count(first ^ second)
    distances: npt.NDArray[np.uint16] = counts[:, 0].astype(np.uint16)
    for word in range(1, _SKETCH_WORDS):
        distances += counts[:, word]
    return distances


def _row_bytes(unit_rows: FloatMatrix) -> list[bytes]:
    """Each row's bytes: what identifies a row that was queried and is then added."""
    width = unit_rows.shape[1] * unit_rows.itemsize
    blob = np.ascontiguousarray(unit_rows).tobytes()
    return [blob[start : start + width] for start in range(0, len(blob), width)]


#: Rows whose signatures are remembered between a query and the add of the same rows.
_QUERIED_ROWS = 4096

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
