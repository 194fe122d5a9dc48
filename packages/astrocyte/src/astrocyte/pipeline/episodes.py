"""Spreading a ranking over episodes when the scores cannot tell the candidates apart.

An episode is the memories that happened at one moment (the same ``occurred_at``: one sitting of a
conversation, one event). A ranking by score alone tends to fill its top with one episode, so a
question whose answer sits in another episode gets nothing from it, even when that episode's best
memory scored nearly as well. The greedy walk here takes the best remaining candidate, unless a
candidate of an episode not yet in the list scores within ``margin`` of it: then the best such one
goes first. Scores far apart keep their order; a margin of 0 keeps the ranking as it is. Memories
without ``occurred_at`` each count as an episode of their own, so a ranking of undated memories is
never reordered. The margin is in the units of the scores it compares (score fusion's linear
model); ``astrocyte bench locomo-fit`` reports held-out figures for a given margin (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def spread(scores: Sequence[float], episodes: Sequence[Hashable | None], margin: float) -> list[int]:
    """The positions of ``scores`` (already best first) in the walk's order; ``None`` episodes are unique."""
    pending = list(range(len(scores)))
    if margin <= 0:
        return pending
    seen: set[Hashable] = set()
    order: list[int] = []
    while pending:
        best = scores[pending[0]]
        chosen = 0
        for index, position in enumerate(pending):
            if best - scores[position] > margin:
                break
            if episodes[position] is None or episodes[position] not in seen:
                chosen = index
                break
        position = pending.pop(chosen)
        order.append(position)
        if episodes[position] is not None:
            seen.add(episodes[position])
    return order
