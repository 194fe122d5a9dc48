"""A listwise linear ranker fitted with numpy: a softmax over each query's candidates.

Pointwise logistic regression learns whether one candidate is relevant; a ranker is judged on the
order within each query, so the loss here is the cross-entropy between a softmax over one query's
candidate scores ``X @ w`` and its relevant candidates (each relevant one an equal share), averaged
over queries, plus ``l2 / 2 * |w|^2``. No intercept: a constant shift never changes an order. Adam
from ``w = 0`` with a fixed number of steps makes the fit deterministic and needs no solver
dependency; the problem is convex, so the steps only decide how close to its optimum it stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_BETA1, _BETA2, _EPSILON = 0.9, 0.999, 1e-8


@dataclass(frozen=True)
class RankingGroup:
    """One query's candidates: their feature rows and which of them are relevant."""

    features: npt.NDArray[np.float64]
    relevant: npt.NDArray[np.bool_]  # one per row


def fit(
    groups: Sequence[RankingGroup], *, l2: float = 1e-3, steps: int = 1500, rate: float = 0.05
) -> npt.NDArray[np.float64]:
    """The weights minimising the listwise loss over the ``groups`` that hold a relevant candidate."""
    kept = [group for group in groups if group.relevant.any() and len(group.features)]
    if not kept:
        raise ValueError("no query has a relevant candidate to learn from")
    matrix = np.concatenate([group.features for group in kept])
    target = np.concatenate([group.relevant / group.relevant.sum() for group in kept])
    starts = np.cumsum([0] + [len(group.features) for group in kept[:-1]])
    owner = np.repeat(np.arange(len(kept)), [len(group.features) for group in kept])
    weights = np.zeros(matrix.shape[1])
    first, second = np.zeros_like(weights), np.zeros_like(weights)
    for step in range(1, steps + 1):
        scores = matrix @ weights
        exponentials = np.exp(scores - np.maximum.reduceat(scores, starts)[owner])
        shares = exponentials / np.add.reduceat(exponentials, starts)[owner]
        gradient = matrix.T @ (shares - target) / len(kept) + l2 * weights
        first = _BETA1 * first + (1 - _BETA1) * gradient
        second = _BETA2 * second + (1 - _BETA2) * gradient**2
        corrected = first / (1 - _BETA1**step), second / (1 - _BETA2**step)
        weights -= rate * corrected[0] / (np.sqrt(corrected[1]) + _EPSILON)
    return weights


def ranked(group: RankingGroup, weights: npt.NDArray[np.float64]) -> list[int]:
    """The group's rows, best first by ``features @ weights`` (ties keep the rows' order)."""
    scores = group.features @ weights
    return [int(row) for row in np.lexsort((np.arange(len(scores)), -scores))]
