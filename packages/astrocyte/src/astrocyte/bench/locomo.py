"""``astrocyte bench locomo``: retrieval quality on a LoCoMo-format file, beside three simple baselines.

Each sample goes into its own bank of the embedded default (SQLite in a temporary folder of its own,
MiniLM, no LLM) with one ``retain_many`` call: one memory per dialog turn, the session date as
``occurred_at``, the turn's ``dia_id`` in metadata. Every question of categories 1-4 is then
recalled (top 10) and scored by :mod:`astrocyte.bench.retrieval_metrics`; a hit stands for every turn
whose retain resolved to its memory (the engine merges exact duplicates). The baselines of
:mod:`astrocyte.bench.locomo_baselines` answer the same questions over the same turns in the same
run, with the same embedder.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from astrocyte.bench.locomo_baselines import NAMES, SampleBaselines
from astrocyte.bench.locomo_data import Sample, load
from astrocyte.bench.retrieval_metrics import Scoreboard
from astrocyte.bench.timing import Latency
from astrocyte.config import AstrocyteConfig, load_config_dict
from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.pipeline.wiring import default_config
from astrocyte.stores.sqlite import temporary_home
from astrocyte.types import MemoryInput, RetainResult

OURS = "astrocyte"
LIMIT = 10
CACHED_EMBEDDER = "astrocyte.bench.embedding_cache:CachedMiniLM"


@dataclass(frozen=True)
class LocomoReport:
    data: str
    samples: int
    turns: int
    questions: int
    retain_seconds: float
    recall: Latency
    baseline_recall: Latency
    scores: dict[str, dict[str, dict[str, float]]]
    embedding_cache: bool
    engine: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": "locomo",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "data": self.data,
            "samples": self.samples,
            "turns": self.turns,
            "questions": self.questions,
            "embedder": "minilm (all-MiniLM-L6-v2, numpy)",
            "embedding_cache": self.embedding_cache,
            "retain_seconds": self.retain_seconds,
            "retain_per_second": self.turns / self.retain_seconds,
            "recall_ms": {"p50": self.recall.p50_ms, "p95": self.recall.p95_ms, "calls": self.recall.calls},
            "baselines_recall_ms": {"p50": self.baseline_recall.p50_ms, "p95": self.baseline_recall.p95_ms},
            "engine": self.engine,
            "systems": self.scores,
        }


def bench_config(cache: Path | None, engine: dict[str, Any] | None = None) -> AstrocyteConfig:
    """The embedded default, with MiniLM behind the on-disk cache when ``cache`` is given and
    ``engine`` (a partial ``engine:`` section) laid over the default engine settings."""
    settings = default_config().model_dump()
    if cache is not None:
        settings["embedding_provider"] = CACHED_EMBEDDER
        settings["embedding_provider_config"] = {"directory": str(cache)}
    if engine:
        settings["engine"] = _merged(settings["engine"], engine)
    return load_config_dict(settings, source="--set")


async def run(path: Path, cache: Path | None = None, engine: dict[str, Any] | None = None) -> LocomoReport:
    samples = load(path)
    boards = {name: Scoreboard() for name in (OURS, *NAMES)}
    durations: list[float] = []
    baseline_durations: list[float] = []  # the query embedded, then all three baselines ranked in numpy
    retain_seconds = 0.0
    config = bench_config(cache, engine)
    for index, sample in enumerate(samples):
        # One database per sample: the full-text index's statistics (BM25's document frequencies) span
        # a database, so a shared one would make each sample's figures depend on the samples before it.
        with temporary_home(prefix="astrocyte-locomo-"):
            config = bench_config(cache, engine)  # inside: the default path is read from the temporary home
            async with Astrocyte(config) as astrocyte:
                embedder = astrocyte.providers[ProviderKind.EMBEDDING_PROVIDER]
                bank = f"locomo-{index}"
                started = time.perf_counter()
                turns_of = await retain_sample(astrocyte.retain_many, sample, bank)
                retain_seconds += time.perf_counter() - started
                baselines = await SampleBaselines.build(sample.turns, embedder)
                for question in sample.questions:
                    started = time.perf_counter()
                    result = await astrocyte.recall(question.text, bank, limit=LIMIT)
                    durations.append(time.perf_counter() - started)
                    boards[OURS].add(question, [turns_of.get(hit.memory_id or "", []) for hit in result.hits])
                    started = time.perf_counter()
                    [vector] = await embedder.embed([question.text])
                    rankings = baselines.rankings(question.text, vector, LIMIT)
                    baseline_durations.append(time.perf_counter() - started)
                    for name, ranking in rankings.items():
                        boards[name].add(question, [[dia_id] for dia_id in ranking])
    return LocomoReport(
        data=str(path),
        samples=len(samples),
        turns=sum(len(sample.turns) for sample in samples),
        questions=len(durations),
        retain_seconds=retain_seconds,
        recall=Latency.of(durations or [0.0]),
        baseline_recall=Latency.of(baseline_durations or [0.0]),
        scores={name: board.summary() for name, board in boards.items()},
        embedding_cache=cache is not None,
        engine=config.engine.model_dump(),
    )


#: Something that retains a list of memories into a bank: ``Astrocyte.retain_many`` or the pipeline's.
RetainMany = Callable[[list[MemoryInput], str], Awaitable[list[RetainResult]]]


async def retain_sample(retain_many: RetainMany, sample: Sample, bank: str) -> dict[str, list[str]]:
    """Retain a sample's turns in order; returns ``{memory id: the turns it stands for}``."""
    items = [
        MemoryInput(content=turn.text, occurred_at=turn.occurred_at, metadata={"dia_id": turn.dia_id})
        for turn in sample.turns
    ]
    results = await retain_many(items, bank) if items else []
    turns_of: dict[str, list[str]] = {}
    for turn, result in zip(sample.turns, results, strict=True):
        for memory_id in result.chunk_ids or ([result.memory_id] if result.memory_id else []):
            turns_of.setdefault(memory_id, []).append(turn.dia_id)
    return turns_of


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = (
            _merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
        )
    return merged
