"""``astrocyte bench embedding``: retain throughput with the MiniLM embedder beside raw embedding.

With a real model the embedder dominates a retain, so the framework's share is what retain costs
beyond embedding the same texts with the same embedder in the same batches. Both run in this
process on the same corpus; the engine is the embedded default in a temporary folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from astrocyte.bench.corpus import sentences
from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.pipeline.wiring import default_config
from astrocyte.stores.sqlite import temporary_home

BATCH = 64


@dataclass(frozen=True)
class EmbeddingReport:
    memories: int
    retain_per_second: float
    embed_per_second: float

    @property
    def overhead(self) -> float:
        """How many times longer retain took than embedding alone (1.0 = no overhead)."""
        return self.embed_per_second / self.retain_per_second

    def to_json(self) -> dict[str, Any]:
        return {
            "embedder": "minilm (all-MiniLM-L6-v2, numpy)",
            "memories": self.memories,
            "retain_per_second": self.retain_per_second,
            "embed_per_second": self.embed_per_second,
            "overhead": self.overhead,
        }


async def run(count: int) -> EmbeddingReport:
    """Embed ``count`` sentences raw, then retain the same sentences, both in batches of 64."""
    texts = sentences(count, seed=31)
    with temporary_home(prefix="astrocyte-bench-"):
        async with Astrocyte(default_config()) as engine:
            embedder = engine.providers[ProviderKind.EMBEDDING_PROVIDER]
            await embedder.embed(texts[:BATCH])  # load the model outside both timings
            started = time.perf_counter()
            for start in range(0, count, BATCH):
                await embedder.embed(texts[start : start + BATCH])
            embed_seconds = time.perf_counter() - started
            started = time.perf_counter()
            for start in range(0, count, BATCH):
                await engine.retain_many(texts[start : start + BATCH], "bench")
            retain_seconds = time.perf_counter() - started
    return EmbeddingReport(count, count / retain_seconds, count / embed_seconds)
