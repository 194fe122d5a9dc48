"""The listwise ranker fitted in numpy: it learns which feature marks the relevant candidate."""

from __future__ import annotations

import numpy as np
import pytest

from astrocyte.bench.listwise import RankingGroup, fit, ranked


def _groups(seed: int, count: int) -> list[RankingGroup]:
    """Queries of eight candidates: feature 0 is higher for the relevant one, feature 1 is noise."""
    generator = np.random.default_rng(seed)
    groups = []
    for _ in range(count):
        features = generator.normal(size=(8, 2))
        relevant = np.zeros(8, dtype=bool)
        relevant[generator.integers(8)] = True
        features[relevant, 0] += 2.0
        groups.append(RankingGroup(features, relevant))
    return groups


def test_fit_learns_the_informative_feature_and_ranks_held_out_queries() -> None:
    weights = fit(_groups(1, 200), steps=400)
    assert weights[0] > 1.0
    assert abs(weights[1]) < weights[0] / 5
    fresh = _groups(2, 100)
    first = sum(bool(group.relevant[ranked(group, weights)[0]]) for group in fresh)
    assert first > 60  # chance is 1 in 8


def test_queries_without_a_relevant_candidate_are_skipped_and_none_at_all_is_an_error() -> None:
    empty = RankingGroup(np.ones((3, 2)), np.zeros(3, dtype=bool))
    assert np.array_equal(fit([*_groups(3, 50), empty], steps=50), fit(_groups(3, 50), steps=50))
    with pytest.raises(ValueError, match="relevant"):
        fit([empty])


def test_ties_keep_the_rows_order() -> None:
    group = RankingGroup(np.asarray([[1.0], [2.0], [1.0]]), np.asarray([False, True, False]))
    assert ranked(group, np.asarray([1.0])) == [1, 0, 2]
