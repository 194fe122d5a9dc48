"""The simple retrievers LoCoMo figures are compared with, over exactly the turns the engine holds.

- BM25: Okapi BM25 (the core's parameters) over the turns' words, the question's words as the query;
- MiniLM cosine: the question's embedding against each turn's, by the same embedder as the engine;
- RRF: their reciprocal-rank fusion, ``1 / (60 + rank)`` summed over both rankings.
No stemming, no stop words, no context: what a few lines of script would do.
"""

from __future__ import annotations

import numpy as np

from astrocyte.bench.locomo_data import Turn
from astrocyte.spi import EmbeddingProvider
from astrocyte.stores.memory._bm25 import Bm25Index
from astrocyte.text import words

BM25 = "bm25"
COSINE = "minilm_cosine"
RRF = "rrf"
NAMES = (BM25, COSINE, RRF)
RRF_K = 60


class SampleBaselines:
    """The three baselines over one sample's turns."""

    def __init__(self, turns: list[Turn], vectors: list[list[float]]) -> None:
        self._ids = [turn.dia_id for turn in turns]
        self._index = Bm25Index()
        for turn in turns:
            self._index.add(turn.dia_id, words(turn.text))
        self._matrix = np.asarray(vectors, dtype=np.float32)

    @classmethod
    async def build(cls, turns: list[Turn], embedder: EmbeddingProvider) -> SampleBaselines:
        return cls(turns, await embedder.embed([turn.text for turn in turns]))

    def rankings(self, question: str, question_vector: list[float], limit: int) -> dict[str, list[str]]:
        """Each baseline's best ``limit`` turn ids for ``question``, best first."""
        bm25 = self._best(self._index.scores(words(question)), limit, positive_only=True)
        # Bm25Index rows follow insertion order while nothing is removed: row i is turn i.
        cosine = self._best(self._matrix @ np.asarray(question_vector, dtype=np.float32), limit)
        fused: dict[str, float] = {}
        for ranking in (bm25, cosine):
            for rank, dia_id in enumerate(ranking, start=1):
                fused[dia_id] = fused.get(dia_id, 0.0) + 1.0 / (RRF_K + rank)
        rrf = sorted(fused, key=lambda dia_id: -fused[dia_id])[:limit]
        return {BM25: bm25[:limit], COSINE: cosine[:limit], RRF: rrf}

    def _best(self, scores: np.ndarray, limit: int, positive_only: bool = False) -> list[str]:
        order = np.argsort(-scores, kind="stable")[: limit * 10]
        return [self._ids[row] for row in order if not positive_only or scores[row] > 0]
