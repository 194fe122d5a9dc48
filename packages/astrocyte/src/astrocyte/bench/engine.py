"""``astrocyte bench engine``: retain throughput and recall latency on the embedded default.

The engine runs exactly as ``Astrocyte()`` does (SQLite stores in a temporary folder) except that
the hashing embedder replaces MiniLM, so that the figures measure the framework and the store, not
the model. Beside each figure stands the raw cost of the same work measured in the same run
(:mod:`astrocyte.bench.baselines`), and the ratio between them. Both retains start from the same
(empty) cache of hashed words, so neither is timed on the other's warm-up. For recall, "raw" is the
store work of the recall done bare (the same top-k over the same matrix and the same FTS5
statements, for the same number of candidates, with the same threads as the store); "naive" is a
bare top-10 with one unbounded FTS5 query, for reference. At each size the near-duplicate check is
also timed on its own (:mod:`astrocyte.bench.near_duplicates`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from astrocyte.bench import near_duplicates
from astrocyte.bench.baselines import RawBaseline
from astrocyte.bench.corpus import queries, sentences
from astrocyte.bench.near_duplicates import NearDuplicateFigure
from astrocyte.bench.timing import Latency, time_each, time_each_async
from astrocyte.config import AstrocyteConfig
from astrocyte.embedders.hashing import HashingEmbedder, forget_hashed_features
from astrocyte.engine import Astrocyte
from astrocyte.parallel_scores import SCORING_THREADS, SPLIT_ROWS
from astrocyte.pipeline.wiring import default_config
from astrocyte.stores.sqlite import temporary_home
from astrocyte.stores.sqlite.database import THREADED_SEARCH_ROWS
from astrocyte.stores.sqlite.vectors import SqliteVectorStore

BANK = "bench"
BATCH = 1000
DIMENSIONS = 384
RECALL_LIMIT = 10


@dataclass(frozen=True)
class RetainFigure:
    bank_size: int
    retained: int
    astrocyte_per_second: float
    raw_per_second: float

    @property
    def overhead(self) -> float:
        """How many times longer Astrocyte took than the raw work (1.0 = no overhead)."""
        return self.raw_per_second / self.astrocyte_per_second


@dataclass(frozen=True)
class RecallFigure:
    bank_size: int
    astrocyte: Latency
    raw: Latency
    naive: Latency

    @property
    def overhead(self) -> float:
        return self.astrocyte.p50_ms / self.raw.p50_ms

    @property
    def naive_overhead(self) -> float:
        return self.astrocyte.p50_ms / self.naive.p50_ms


@dataclass(frozen=True)
class EngineReport:
    retain: list[RetainFigure]
    recall: list[RecallFigure]
    near_duplicates: list[NearDuplicateFigure]

    def to_json(self) -> dict[str, Any]:
        return {
            "embedder": f"hashing ({DIMENSIONS}-d)",
            "store": "sqlite (embedded default)",
            "parallelism": {  # the same for the store and the raw baseline
                "scoring_threads": SCORING_THREADS,
                "split_rows": SPLIT_ROWS,
                "threaded_search_rows": THREADED_SEARCH_ROWS,
            },
            "retain": [asdict(figure) | {"overhead": figure.overhead} for figure in self.retain],
            "recall": [
                asdict(figure) | {"overhead": figure.overhead, "naive_overhead": figure.naive_overhead}
                for figure in self.recall
            ],
            "near_duplicate_check": [asdict(figure) for figure in self.near_duplicates],
        }


def bench_config() -> AstrocyteConfig:
    """The embedded default with the hashing embedder in place of MiniLM."""
    settings = default_config().model_dump()
    settings["embedding_provider"] = "hashing"
    settings["embedding_provider_config"] = {"dimensions": DIMENSIONS}
    return AstrocyteConfig.model_validate(settings)


async def run(sizes: list[int], query_count: int) -> EngineReport:
    """Grow one bank to each size in turn, timing the retains, and time recalls at each size."""
    texts = sentences(max(sizes))
    asked = queries(query_count)
    retain_figures: list[RetainFigure] = []
    recall_figures: list[RecallFigure] = []
    check_figures: list[NearDuplicateFigure] = []
    with temporary_home(prefix="astrocyte-bench-") as home:
        config = bench_config()  # inside the temporary home: its stores live there
        threshold = config.engine.retain.near_duplicate_threshold or 0.95
        fetch = RECALL_LIMIT * config.engine.recall.candidate_multiplier  # what each recall leg fetches
        raw = RawBaseline(Path(home) / "raw.db", HashingEmbedder(DIMENSIONS))
        async with Astrocyte(config) as engine:
            vectors = SqliteVectorStore()  # the engine's file, read on a store of its own
            stored = 0
            for size in sorted(sizes):
                batch_texts = texts[stored:size]
                engine_seconds = await _retain(engine, batch_texts)
                raw_seconds = _raw_retain(raw, batch_texts)
                stored = size
                count = len(batch_texts)
                retain_figures.append(RetainFigure(size, count, count / engine_seconds, count / raw_seconds))
                check_figures.append(await near_duplicates.measure(vectors, BANK, size, threshold))
                await engine.recall(asked[0], BANK)  # first search loads the bank's matrix: not a steady state
                raw.recall(asked[0], fetch)
                recall_figures.append(
                    RecallFigure(
                        size,
                        await time_each_async(lambda query: engine.recall(query, BANK, limit=RECALL_LIMIT), asked),
                        time_each(lambda query: raw.recall(query, fetch), asked),
                        time_each(lambda query: raw.naive_recall(query, RECALL_LIMIT), asked),
                    )
                )
            await vectors.close()
        raw.close()
    return EngineReport(retain_figures, recall_figures, check_figures)


async def _retain(engine: Astrocyte, texts: list[str]) -> float:
    forget_hashed_features()
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        await engine.retain_many(texts[start : start + BATCH], BANK)
    return time.perf_counter() - started


def _raw_retain(raw: RawBaseline, texts: list[str]) -> float:
    forget_hashed_features()
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        raw.retain(texts[start : start + BATCH])
    return time.perf_counter() - started
