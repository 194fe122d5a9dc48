"""Vector arithmetic shared by the in-process stores: one definition of the similarity score.

The SPI promises ``score`` = cosine similarity clamped to [0, 1], a zero vector scoring 0; doing
it in one vectorised function keeps every store that ships with the core on the same scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]


def as_matrix(vectors: Sequence[Sequence[float]] | npt.NDArray[np.floating], dimensions: int) -> FloatMatrix:
    """Rows as a C-contiguous float32 matrix of shape ``(len(vectors), dimensions)``."""
    matrix = np.asarray(vectors, dtype=np.float32)
    return matrix.reshape(len(matrix), dimensions)


def normalise_rows(matrix: FloatMatrix) -> FloatMatrix:
    """Rows scaled to unit length; zero rows stay zero, so their similarity is 0, never NaN."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: FloatMatrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return unit


def cosine_scores(unit_rows: FloatMatrix, query: Sequence[float] | npt.NDArray[np.floating]) -> FloatMatrix:
    """Cosine similarity of ``query`` with each of the already unit-length ``unit_rows``, clamped to [0, 1]."""
    query_row = normalise_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))[0]
    scores: FloatMatrix = np.clip(unit_rows @ query_row, 0.0, 1.0)
    return scores


def cosine_score_columns(unit_rows: FloatMatrix, unit_queries: FloatMatrix) -> FloatMatrix:
    """Cosine similarity of every row with every already unit-length query, clamped to [0, 1]:
    shape ``(rows, queries)``, one matrix product instead of one matrix-vector product per query."""
    scores: FloatMatrix = np.clip(unit_rows @ unit_queries.T, 0.0, 1.0)
    return scores


def top_k(scores: npt.NDArray[np.floating], k: int) -> npt.NDArray[np.intp]:
    """Indices of the ``k`` highest scores, best first; ties keep the lower index first (stable)."""
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    candidates = np.argpartition(-scores, k - 1)[:k]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]


def top_k_columns(scores: npt.NDArray[np.floating], k: int) -> npt.NDArray[np.intp]:
    """:func:`top_k` of every column at once: shape ``(min(k, rows), columns)``, best first per column.

    One partition and one sort over the whole block instead of a numpy call per column, which is
    what a batched search of many queries (the near-duplicate check) spends its time on otherwise.
    """
    rows = scores.shape[0]
    k = min(k, rows)
    if k == 0:
        return np.empty((0, scores.shape[1]), dtype=np.intp)
    if k == 1:
        first: npt.NDArray[np.intp] = np.argmax(scores, axis=0)[None, :]  # the lowest index among ties
        return first
    candidates = np.arange(rows)[:, None].repeat(scores.shape[1], axis=1) if k >= rows else None
    if candidates is None:
        candidates = np.argpartition(-scores, k - 1, axis=0)[:k]
    chosen = np.take_along_axis(scores, candidates, axis=0)
    order = np.lexsort((candidates, -chosen), axis=0)
    best: npt.NDArray[np.intp] = np.take_along_axis(candidates, order, axis=0)
    return best
