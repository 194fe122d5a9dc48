"""Exact cosine scores over a large matrix, its rows split across threads.

A search of one query over a large bank is one matrix-vector product over every stored row (100k
rows of 384 float32 are 150 MB): bound by memory bandwidth, which one core does not use up. numpy
releases the GIL inside the product, so scoring blocks of rows on :data:`SCORING_THREADS` threads at
once (the caller's plus pool workers) takes less time than one thread, and every score is the same
float32 dot product as before: the search stays exact. Below :data:`SPLIT_ROWS` rows the hand-off
costs more than it saves, and one call does it all.

The raw baseline of ``astrocyte bench engine`` scores through this function too, so that it gets the
same threads as the store it is compared with.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from astrocyte.vectors import FloatMatrix

#: How many threads score one large matrix: the cores there are, at most 4 (beyond that the memory
#: bus, not the cores, is the limit).
SCORING_THREADS = max(1, min(4, os.cpu_count() or 1))
#: Fewer rows than this are scored by the caller alone.
SPLIT_ROWS = 50_000
#: Up to this many queries are scored one matrix-vector product at a time, over blocks of
#: :data:`CACHED_ROWS` rows that stay in the CPU cache from one query to the next. BLAS's
#: matrix-matrix product copies (packs) the whole matrix first, which for two queries over 100k rows
#: measured 2.6x the cost of one query, where blocked products cost 1.2x.
FEW_QUERIES = 3
CACHED_ROWS = 512

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def score_columns(unit_rows: FloatMatrix, unit_queries: FloatMatrix) -> FloatMatrix:
    """What :func:`astrocyte.vectors.cosine_score_columns` returns (shape ``(rows, queries)``, clamped to
    [0, 1]), computed on up to :data:`SCORING_THREADS` threads when ``unit_rows`` is large."""
    rows = len(unit_rows)
    if len(unit_queries) > FEW_QUERIES:
        scores: FloatMatrix = np.empty((rows, len(unit_queries)), dtype=np.float32)

        def score(start: int, stop: int) -> None:
            np.matmul(unit_rows[start:stop], unit_queries.T, out=scores[start:stop])

    else:
        by_query: FloatMatrix = np.empty((len(unit_queries), rows), dtype=np.float32)
        scores = by_query.T

        def score(start: int, stop: int) -> None:
            _score_few(unit_rows, unit_queries, by_query, start, stop)

    parts = SCORING_THREADS if rows >= SPLIT_ROWS else 1
    bounds = np.linspace(0, rows, parts + 1).astype(int).tolist()
    first, *rest = itertools.pairwise(bounds)
    others = [_workers().submit(score, start, stop) for start, stop in rest]
    score(*first)
    for other in others:
        other.result()
    return np.clip(scores, 0.0, 1.0, out=scores)


def _score_few(unit_rows: FloatMatrix, unit_queries: FloatMatrix, by_query: FloatMatrix, start: int, stop: int) -> None:
    """Rows ``start:stop`` of each query's scores into ``by_query`` (one row per query)."""
    if len(unit_queries) == 1:
        np.matmul(unit_rows[start:stop], unit_queries[0], out=by_query[0, start:stop])
        return
    for block_start in range(start, stop, CACHED_ROWS):
        block_stop = min(block_start + CACHED_ROWS, stop)
        block = unit_rows[block_start:block_stop]
        for column, query in enumerate(unit_queries):
            np.matmul(block, query, out=by_query[column, block_start:block_stop])


def _workers() -> ThreadPoolExecutor:
    """The pool shared by every search, started on first use (idle threads cost nothing)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, SCORING_THREADS - 1), thread_name_prefix="astrocyte-scores")
        return _pool
