"""Scores split across threads are the scores of one product: the split search stays exact."""

from __future__ import annotations

import numpy as np
import pytest

from astrocyte import parallel_scores
from astrocyte.vectors import cosine_score_columns, normalise_rows, top_k


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("count", [1, 2, parallel_scores.FEW_QUERIES, parallel_scores.FEW_QUERIES + 2])
def test_split_scores_equal_one_product_and_rank_the_same(
    monkeypatch: pytest.MonkeyPatch, threads: int, count: int
) -> None:
    """Both ways of scoring (a few queries a cached block at a time, more as one product) on every split."""
    monkeypatch.setattr(parallel_scores, "SCORING_THREADS", threads)
    rng = np.random.default_rng(7)
    rows = normalise_rows(rng.standard_normal((parallel_scores.SPLIT_ROWS + 1_001, 8)).astype(np.float32))
    queries = normalise_rows(rng.standard_normal((count, 8)).astype(np.float32))

    split = parallel_scores.score_columns(rows, queries)
    whole = cosine_score_columns(rows, queries)

    assert split.shape == whole.shape == (len(rows), count)
    assert split.dtype == np.float32
    np.testing.assert_allclose(split, whole, rtol=0, atol=1e-6)
    assert split.min() >= 0.0  # clamped as the SPI promises
    assert split.max() <= 1.0
    for column in range(count):
        assert top_k(split[:, column], 40).tolist() == top_k(whole[:, column], 40).tolist()


def test_a_small_matrix_below_the_split_is_scored_as_one_product(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel_scores, "SCORING_THREADS", 2)
    rows = normalise_rows(np.eye(4, dtype=np.float32))
    scores = parallel_scores.score_columns(rows, rows[:1])
    assert scores[:, 0].tolist() == [1.0, 0.0, 0.0, 0.0]
