"""Score fusion and reranking of one bank's candidates: a learned linear model over their features.

Reciprocal rank fusion throws the strategies' scores away; on dialog memories (LoCoMo dev split,
see docs/benchmarks.md) a weighted sum of the scores themselves and of a few cues read from the
query ranks better. Every candidate gets the features of :data:`FEATURES`:

- ``cosine``: its cosine similarity from the semantic leg; a candidate that leg did not return
  takes the lowest cosine it returned (its own is at most that);
- ``bm25``: its BM25 score over the best one of the keyword leg (0 when that leg missed it);
- ``semantic_rank`` / ``keyword_rank``: ``1 / log2(1 + rank)`` in each leg (a candidate a leg did
  not return is ranked just below the last it returned); ``in_semantic`` / ``in_keyword``: 1 when
  the leg returned it;
- ``subject``: it starts with a name the query names (a dialog turn's speaker); ``mention``: it
  names something the query names anywhere; ``time``: the query asks "when" and it holds a time
  expression; ``date``: it happened within :data:`DATE_SLACK` of the period the query names;
  ``question``: it is itself a question (it asks, it rarely answers);
- ``neighbour_cosine`` / ``neighbour_bm25``: the best cosine / BM25 feature among the candidates
  stored right beside it (the same retain call, one position away): the answer to a question often
  sits in the turn after the one that matches it;
- ``masked_cosine``: its cosine similarity to the query with the query's names masked out, read
  for every candidate from its stored vector (on a store without ``id_scores``, from a second
  search: the lowest it returned for a candidate it missed); the ``cosine`` feature when the query
  names nothing; ``neighbour_masked_cosine``: the best of its neighbours';
- ``length``: ``log(1 + characters) / 6``: a longer memory says more, so it answers more questions.

Under ``engine.recall.episode_margin`` above 0 the ranking is then spread over episodes
(:mod:`astrocyte.pipeline.episodes`).

Its score is the dot product with ``engine.recall.feature_weights``, squashed into (0, 1) by the
logistic function (monotone: the order is the linear model's). The weights were fitted on the LoCoMo
development split by ``astrocyte bench locomo-fit`` (a softmax over each question's candidates,
leave-one-conversation-out cross-validated; see docs/benchmarks.md): nothing in a feature refers to
that data set, they read names by capitalisation, English time words and dates, question marks,
``occurred_at`` and the retain order.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from astrocyte.config import FeatureWeights
from astrocyte.pipeline.episodes import spread
from astrocyte.pipeline.fusion import Fused
from astrocyte.pipeline.query_analysis import QueryAnalysis, mentions_time
from astrocyte.pipeline.strategies import KEYWORD, SEMANTIC, Leg

#: How far from the period a query names a memory may have happened and still match it: people tell
#: of events some days after they happen, and a conversation's date is not the event's.
DATE_SLACK = timedelta(days=3)

#: The features, in the order of :func:`candidate_features`' columns and of ``FeatureWeights``' fields.
FEATURES = tuple(FeatureWeights.model_fields)


def score_fuse(legs: Sequence[Leg], query: str, weights: FeatureWeights, episode_margin: float = 0.0) -> list[Fused]:
    """The candidates of ``legs``, best first, scored as the module describes."""
    entries, matrix = candidate_features(legs, query)
    if not entries:
        return []
    vector = np.asarray([getattr(weights, name) for name in FEATURES], dtype=np.float64)
    linear = matrix @ vector
    for entry, value in zip(entries, linear.tolist(), strict=True):
        entry.score = float(value)
    ranked = sorted(entries, key=lambda entry: (-entry.score, min(entry.ranks.values()), entry.record.memory_id))
    order = spread([entry.score for entry in ranked], [episode(entry) for entry in ranked], episode_margin)
    ranked = [ranked[position] for position in order]
    for entry in ranked:
        entry.score = _logistic(entry.score)
    return ranked


def episode(entry: Fused) -> datetime | None:
    """The episode a candidate belongs to: the moment it happened (see :mod:`astrocyte.pipeline.episodes`)."""
    return entry.record.occurred_at


def candidate_features(legs: Sequence[Leg], query: str) -> tuple[list[Fused], npt.NDArray[np.float64]]:
    """Every distinct candidate of ``legs`` (first seen first) and its row of :data:`FEATURES`."""
    entries, cosine_of, bm25_of = _gathered(legs)
    cosines = [score for leg in legs if leg.name == SEMANTIC for score in leg.scores or []]
    floor = min(cosines, default=0.0)
    masked_of = next((leg.masked_scores for leg in legs if leg.name == SEMANTIC and leg.masked_scores), None)
    best_bm25 = max((score for leg in legs if leg.name == KEYWORD for score in leg.scores or []), default=0.0)
    returned = {leg.name: len(leg.records) for leg in legs}
    analysis = QueryAnalysis.of(query)
    ids = list(entries)
    fused = list(entries.values())
    records = [entry.record for entry in fused]
    texts = [record.text for record in records]
    count = len(ids)
    matrix = np.empty((count, len(FEATURES)), dtype=np.float64)
    column = {name: matrix[:, position] for position, name in enumerate(FEATURES)}
    # Whole columns at once; a text cue the query cannot raise (no name, no "when", no period) is 0
    # for every candidate without reading a text.
    column["cosine"][:] = [cosine_of.get(memory_id, floor) for memory_id in ids]
    if best_bm25 > 0:
        column["bm25"][:] = _column([bm25_of.get(memory_id, 0.0) for memory_id in ids]) / best_bm25
    else:
        column["bm25"][:] = 0.0
    below_semantic, below_keyword = returned.get(SEMANTIC, 0) + 1, returned.get(KEYWORD, 0) + 1
    column["semantic_rank"][:] = [_rank_feature(entry.ranks.get(SEMANTIC, below_semantic)) for entry in fused]
    column["keyword_rank"][:] = [_rank_feature(entry.ranks.get(KEYWORD, below_keyword)) for entry in fused]
    column["in_semantic"][:] = [memory_id in cosine_of for memory_id in ids]
    column["in_keyword"][:] = [memory_id in bm25_of for memory_id in ids]
    if analysis.names:
        column["mention"][:], column["subject"][:] = analysis.named_in_each(texts)
    else:
        column["mention"][:] = column["subject"][:] = 0.0
    column["time"][:] = [mentions_time(text) for text in texts] if analysis.asks_time else 0.0
    period = analysis.period
    column["date"][:] = 0.0 if period is None else [_within(record.occurred_at, period) for record in records]
    column["question"][:] = [text.rstrip().endswith("?") for text in texts]
    column["length"][:] = [math.log1p(len(text)) / 6 for text in texts]
    if masked_of is None:
        column["masked_cosine"][:] = column["cosine"]
    else:
        masked_floor = min(masked_of.values())
        column["masked_cosine"][:] = [masked_of.get(memory_id, masked_floor) for memory_id in ids]
    beside = _neighbours([record.sequence for record in records])
    column["neighbour_cosine"][:] = _best_beside(column["cosine"], beside)
    column["neighbour_bm25"][:] = _best_beside(column["bm25"], beside)
    column["neighbour_masked_cosine"][:] = _best_beside(column["masked_cosine"], beside)
    return fused, matrix


def _gathered(legs: Sequence[Leg]) -> tuple[dict[str, Fused], dict[str, float], dict[str, float]]:
    """The candidates by id, each with its rank in every leg that returned it (first seen first), and
    the score each has in the first semantic and the first keyword leg that returned it."""
    entries: dict[str, Fused] = {}
    first_score: dict[str, dict[str, float]] = {SEMANTIC: {}, KEYWORD: {}}
    for leg in legs:
        name, scored = leg.name, first_score.get(leg.name)
        scores = leg.scores or [0.0] * len(leg.records)
        for rank, (record, score) in enumerate(zip(leg.records, scores, strict=True), start=1):
            memory_id = record.memory_id
            entry = entries.get(memory_id)
            if entry is None:
                entries[memory_id] = Fused(record, ranks={name: rank})
            elif name not in entry.ranks:
                entry.ranks[name] = rank
            if scored is not None and memory_id not in scored:
                scored[memory_id] = score
    return entries, first_score[SEMANTIC], first_score[KEYWORD]


def _column(values: Sequence[float]) -> npt.NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


@functools.cache
def _rank_feature(rank: int) -> float:
    return 1.0 / math.log2(1 + rank)


def _logistic(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value)) if value >= 0 else math.exp(value) / (1.0 + math.exp(value))


def _within(moment: datetime | None, period: tuple[datetime, datetime]) -> bool:
    return moment is not None and period[0] - DATE_SLACK <= moment < period[1] + DATE_SLACK


def _neighbours(sequences: list[str | None]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For each candidate (by its ``sequence``, ``"{retain call}:{position}"``), the rows of the
    candidates one position before and after it in the same retain call (``-1`` where there is none)."""
    places: list[tuple[str, int] | None] = []
    row_of: dict[tuple[str, int], int] = {}
    for row, sequence in enumerate(sequences):
        place = None
        if sequence is not None:
            call, _, position = sequence.rpartition(":")
            if position.isdigit():
                place = (call, int(position))
                row_of[place] = row
        places.append(place)
    before = [-1 if place is None else row_of.get((place[0], place[1] - 1), -1) for place in places]
    after = [-1 if place is None else row_of.get((place[0], place[1] + 1), -1) for place in places]
    return np.asarray(before, dtype=np.intp), np.asarray(after, dtype=np.intp)


def _best_beside(
    values: npt.NDArray[np.float64], beside: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]
) -> npt.NDArray[np.float64]:
    """The larger of the two neighbours' ``values`` (0 for a missing neighbour)."""
    padded = np.append(values, 0.0)  # row -1 reads this 0
    best: npt.NDArray[np.float64] = np.maximum(padded[beside[0]], padded[beside[1]])
    return best
