"""``astrocyte bench locomo-fit``: refit score fusion's feature weights on a LoCoMo-format file.

Each sample is retained exactly as ``astrocyte bench locomo`` does (its own database, one memory per
turn); every question then runs the legs the configured engine runs for recall (semantic, keyword, graph)
with the configured candidate depth, and :func:`astrocyte.pipeline.rerank.candidate_features` gives
each candidate its feature row, relevant when it holds an evidence turn. :mod:`astrocyte.bench.listwise`
fits the weights (the episode margin is not fitted: each run reports the one configured, so a margin
is chosen by comparing runs with ``--set recall.episode_margin=...``). The figures it reports, all
from the same rows and spread over episodes as recall does (so the configured weights score here
exactly as recall ranks):

- ``configured``: the weights the engine runs with now;
- ``held_out``: leave one conversation out: each sample's questions ranked by weights fitted on the
  other samples only (the figure to trust for data the weights never saw);
- ``in_sample``: the weights fitted on every sample (the ones printed to ship).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from astrocyte.bench import listwise
from astrocyte.bench.locomo import LIMIT, bench_config, retain_sample
from astrocyte.bench.locomo_data import Question, Sample, load
from astrocyte.bench.retrieval_metrics import Scoreboard
from astrocyte.errors import ValidationError
from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.episodes import spread
from astrocyte.pipeline.filters import RecallFilters
from astrocyte.pipeline.recall import bank_legs, query_vectors
from astrocyte.pipeline.rerank import FEATURES, candidate_features, episode
from astrocyte.pipeline.retain import retain_items
from astrocyte.pipeline.wiring import build_context, close_providers
from astrocyte.stores.sqlite import temporary_home


@dataclass(frozen=True)
class Candidates:
    """One question's candidates as recall's fusion sees them."""

    sample: int
    question: Question
    group: listwise.RankingGroup
    turns: list[list[str]]  # the turns each row stands for
    episodes: list[datetime | None]  # the episode of each row, for recall's spread over episodes


@dataclass(frozen=True)
class FitReport:
    data: str
    samples: int
    questions: int
    seconds: float
    weights: dict[str, float]
    episode_margin: float  # the configured one every ranking here was spread with
    scores: dict[str, dict[str, dict[str, float]]]

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": "locomo-fit",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "data": self.data,
            "samples": self.samples,
            "questions": self.questions,
            "seconds": self.seconds,
            "feature_weights": self.weights,
            "episode_margin": self.episode_margin,
            "systems": self.scores,
        }


async def collect(path: Path, cache: Path | None, engine: dict[str, Any] | None = None) -> list[Candidates]:
    """Every question's candidates and feature rows, sample by sample."""
    found: list[Candidates] = []
    for index, sample in enumerate(load(path)):
        with temporary_home(prefix="astrocyte-locomo-fit-"):
            # The engine's pipeline, not the facade: the fit needs the legs recall runs, before fusion.
            ctx = build_context(bench_config(cache, engine))
            try:
                found.extend(await _sample_candidates(ctx, index, sample))
            finally:
                await close_providers(ctx.providers.values())
    return found


async def _sample_candidates(ctx: EngineContext, index: int, sample: Sample) -> list[Candidates]:
    bank = f"locomo-{index}"
    turns_of = await retain_sample(partial(retain_items, ctx, prefix=""), sample, bank)
    fetch = LIMIT * ctx.settings.recall.candidate_multiplier
    found: list[Candidates] = []
    for question in sample.questions:
        vectors = await query_vectors(ctx, question.text)
        legs = await bank_legs(ctx, question.text, vectors, bank, fetch, RecallFilters())
        entries, matrix = candidate_features(legs, question.text)
        turns = [turns_of.get(entry.record.memory_id, []) for entry in entries]
        evidence = set(question.evidence)
        relevant = np.asarray([bool(evidence.intersection(each)) for each in turns])
        group = listwise.RankingGroup(matrix, relevant)
        found.append(Candidates(index, question, group, turns, [episode(entry) for entry in entries]))
    return found


def scoreboard(candidates: Sequence[Candidates], weights_of: dict[int, np.ndarray], margin: float) -> Scoreboard:
    """The questions ranked by the weights given for their sample, spread over episodes as recall does."""
    board = Scoreboard()
    for each in candidates:
        rows = listwise.ranked(each.group, weights_of[each.sample])
        scores = (each.group.features @ weights_of[each.sample])[rows].tolist()
        order = [rows[position] for position in spread(scores, [each.episodes[row] for row in rows], margin)]
        board.add(each.question, [each.turns[row] for row in order[:LIMIT]])
    return board


async def run(path: Path, cache: Path | None = None, engine: dict[str, Any] | None = None) -> FitReport:
    started = time.perf_counter()
    candidates = await collect(path, cache, engine)
    samples = sorted({each.sample for each in candidates})
    if len(samples) < 2:
        raise ValidationError("data", "needs at least two samples with questions: one is held out at a time")
    settings = bench_config(cache, engine).engine.recall
    configured, margin = settings.feature_weights, settings.episode_margin
    current = np.asarray([getattr(configured, name) for name in FEATURES])
    fitted = listwise.fit([each.group for each in candidates])
    held_out = {
        sample: listwise.fit([each.group for each in candidates if each.sample != sample]) for sample in samples
    }
    boards = {
        "configured": scoreboard(candidates, dict.fromkeys(samples, current), margin),
        "held_out": scoreboard(candidates, held_out, margin),
        "in_sample": scoreboard(candidates, dict.fromkeys(samples, fitted), margin),
    }
    return FitReport(
        data=str(path),
        samples=len(samples),
        questions=len(candidates),
        seconds=time.perf_counter() - started,
        weights={name: round(float(value), 2) for name, value in zip(FEATURES, fitted, strict=True)},
        episode_margin=margin,
        scores={name: board.summary() for name, board in boards.items()},
    )
