"""Score fusion and reranking of one bank's candidates: a weighted sum of features, then neighbours.

Reciprocal rank fusion throws the strategies' scores away; on dialog memories (LoCoMo dev split,
see docs/benchmarks.md) a weighted sum of the scores themselves ranks better. Each candidate gets

    score = s * cosine + (1 - s) * bm25 / best bm25
            + entity_boost * [the memory starts with a name the query names]
            + mention_boost * [the memory names, anywhere, something the query names]
            + time_boost * [the query asks "when" and the memory holds a time expression]
            + date_boost * [the memory happened within DATE_SLACK of the period the query names]
            - question_penalty * [the memory is itself a question: it asks, it rarely answers]

where ``s`` is ``engine.recall.semantic_share``. A candidate the semantic leg did not return takes
the lowest cosine that leg returned (its own is at most that); one the keyword leg did not return
scores 0 there. Then every candidate gains ``neighbour_boost`` times the best score among the
candidates stored right beside it (the same retain call, one position away): the answer to a
question often sits in the turn after the one that matches it. The weights were fitted on the
LoCoMo development split by the grid search documented in docs/benchmarks.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from astrocyte.config import RecallSettings
from astrocyte.pipeline.fusion import Fused
from astrocyte.pipeline.query_analysis import QueryAnalysis, mentions_time
from astrocyte.pipeline.strategies import KEYWORD, SEMANTIC, Leg

#: How far from the period a query names a memory may have happened and still match it: people tell
#: of events some days after they happen, and a conversation's date is not the event's.
DATE_SLACK = timedelta(days=3)


def score_fuse(legs: Sequence[Leg], query: str, settings: RecallSettings) -> list[Fused]:
    """The candidates of ``legs``, best first, scored as the module describes."""
    fused: dict[str, Fused] = {}
    features: dict[str, dict[str, float]] = {}
    for leg in legs:
        scores = leg.scores or [0.0] * len(leg.records)
        for rank, (record, score) in enumerate(zip(leg.records, scores, strict=True), start=1):
            entry = fused.setdefault(record.memory_id, Fused(record))
            entry.ranks.setdefault(leg.name, rank)
            features.setdefault(record.memory_id, {}).setdefault(leg.name, score)
    cosines = [score for leg in legs if leg.name == SEMANTIC for score in leg.scores or []]
    floor = min(cosines, default=0.0)
    best_bm25 = max((score for leg in legs if leg.name == KEYWORD for score in leg.scores or []), default=0.0)
    analysis = QueryAnalysis.of(query)
    share = settings.semantic_share
    for memory_id, entry in fused.items():
        own = features[memory_id]
        score = share * own.get(SEMANTIC, floor)
        if best_bm25 > 0:
            score += (1 - share) * own.get(KEYWORD, 0.0) / best_bm25
        text = entry.record.text
        if analysis.is_about(text):
            score += settings.entity_boost
        if analysis.names_in(text):
            score += settings.mention_boost
        if analysis.asks_time and mentions_time(text):
            score += settings.time_boost
        if analysis.period is not None and _within(entry.record.occurred_at, analysis.period):
            score += settings.date_boost
        if text.rstrip().endswith("?"):
            score -= settings.question_penalty
        entry.score = score
    _add_neighbours(list(fused.values()), settings.neighbour_boost)
    ranked = sorted(fused.values(), key=lambda entry: (-entry.score, min(entry.ranks.values()), entry.record.memory_id))
    for entry in ranked:  # ranked by the raw sum; a hit's score is never negative (the penalty may make it so)
        entry.score = max(entry.score, 0.0)
    return ranked


def _within(moment: datetime | None, period: tuple[datetime, datetime]) -> bool:
    return moment is not None and period[0] - DATE_SLACK <= moment < period[1] + DATE_SLACK


def _add_neighbours(entries: list[Fused], boost: float) -> None:
    """Raise each entry by ``boost`` times its best scoring neighbour's score (scores read before any change)."""
    if boost <= 0:
        return
    place: dict[tuple[str, int], float] = {}
    for entry in entries:
        key = _place(entry)
        if key is not None:
            place[key] = entry.score
    for entry in entries:
        key = _place(entry)
        if key is None:
            continue
        call, position = key
        beside = max(place.get((call, position - 1), 0.0), place.get((call, position + 1), 0.0))
        entry.score += boost * beside


def _place(entry: Fused) -> tuple[str, int] | None:
    sequence = entry.record.sequence
    if sequence is None:
        return None
    call, _, position = sequence.rpartition(":")
    return (call, int(position)) if position.isdigit() else None
