"""A deterministic feature-hashing embedder: no model, no download, the same vector everywhere.

It exists so that tests, benchmarks of the framework's own overhead and offline demos have a real
``EmbeddingProvider`` that costs microseconds. Texts that share words (and, through character
trigrams, word stems and typos) get similar vectors, which is enough for lexical-semantic tests; it
is not a substitute for a trained model when retrieval quality matters.

Each feature (a word, a pair of adjacent words, a character trigram of a word) is hashed with
BLAKE2b, whose output, unlike Python's ``hash``, does not change between processes; the hash picks a
dimension and a sign (signed hashing keeps collisions from biasing similarities upward).
"""

from __future__ import annotations

import hashlib
import itertools
from functools import lru_cache
from typing import ClassVar

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.text import words
from astrocyte.validation import check_positive_int

#: Relative weight of each feature family; words carry most of the meaning.
_WORD_WEIGHT = 1.0
_BIGRAM_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.25


@lru_cache(maxsize=262_144)
def _bucket(feature: str, dimensions: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dimensions, (1.0 if value >> 63 else -1.0)


def _features(text: str) -> list[tuple[str, float]]:
    tokens = words(text)
    features = [(f"w:{token}", _WORD_WEIGHT) for token in tokens]
    features += [(f"b:{first} {second}", _BIGRAM_WEIGHT) for first, second in itertools.pairwise(tokens)]
    for token in tokens:
        padded = f"<{token}>"
        features += [(f"t:{padded[i : i + 3]}", _TRIGRAM_WEIGHT) for i in range(len(padded) - 2)]
    return features


class HashingEmbedder:
    """Signed feature hashing of words, word pairs and character trigrams into unit vectors."""

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self, dimensions: int = 384) -> None:
        self._dimensions = check_positive_int(dimensions, "dimensions")

    def dimensions(self) -> int:
        return self._dimensions

    async def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self.embed_matrix(texts).tolist()
        return vectors

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        """The embeddings as one float32 matrix, for callers that keep vectors in numpy anyway."""
        matrix = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{row}]", f"must be a string, got {type(text).__name__}")
            for feature, weight in _features(text):
                column, sign = _bucket(feature, self._dimensions)
                matrix[row, column] += sign * weight
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
        return matrix
