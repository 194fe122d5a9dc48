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


@lru_cache(maxsize=131_072)
def _token_features(token: str, dimensions: int) -> tuple[list[int], list[float]]:
    """The columns and signed weights of a word and its character trigrams: the same for every text
    holding the word, so each distinct word is hashed once."""
    padded = f"<{token}>"
    features = [(f"w:{token}", _WORD_WEIGHT)]
    features += [(f"t:{padded[i : i + 3]}", _TRIGRAM_WEIGHT) for i in range(len(padded) - 2)]
    columns, values = [], []
    for feature, weight in features:
        column, sign = _bucket(feature, dimensions)
        columns.append(column)
        values.append(sign * weight)
    return columns, values


def forget_hashed_features() -> None:
    """Empty the caches of hashed words and features, which every embedder of the process shares:
    a benchmark timing two users of the embedder one after the other starts each from the same state."""
    _bucket.cache_clear()
    _token_features.cache_clear()


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
        """The embeddings as one float32 matrix, for callers that keep vectors in numpy anyway.

        Every feature of the batch becomes one (flat position, weight) pair, summed by one
        ``bincount``: no numpy call per feature.
        """
        dimensions = self._dimensions
        columns: list[int] = []
        values: list[float] = []
        per_text = np.zeros(len(texts), dtype=np.int64)
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{row}]", f"must be a string, got {type(text).__name__}")
            before = len(columns)
            tokens = words(text)
            for token in tokens:
                token_columns, token_values = _token_features(token, dimensions)
                columns += token_columns
                values += token_values
            for first, second in itertools.pairwise(tokens):
                column, sign = _bucket(f"b:{first} {second}", dimensions)
                columns.append(column)
                values.append(sign * _BIGRAM_WEIGHT)
            per_text[row] = len(columns) - before
        flat = np.repeat(np.arange(len(texts), dtype=np.int64) * dimensions, per_text) + np.asarray(
            columns, dtype=np.int64
        )
        sums = np.bincount(flat, weights=values, minlength=len(texts) * dimensions)
        matrix = sums.astype(np.float32).reshape(len(texts), dimensions)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
        return matrix
