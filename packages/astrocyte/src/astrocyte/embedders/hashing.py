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

import itertools
from typing import ClassVar

import numpy as np

from astrocyte.embedders.hashed_features import HASHES, forget_hashed_features
from astrocyte.errors import ValidationError
from astrocyte.text import words
from astrocyte.validation import check_positive_int

#: Relative weight of each feature family; words carry most of the meaning.
_WORD_WEIGHT = 1.0
_BIGRAM_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.25


def _columns_and_signs(hashes: np.ndarray, dimensions: int) -> tuple[np.ndarray, np.ndarray]:
    """A feature's hash picks its column (modulo) and its sign (the top bit)."""
    columns = (hashes % np.uint64(dimensions)).astype(np.int64)
    return columns, np.where(hashes >> np.uint64(63), 1.0, -1.0)


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

    async def embed_rows(self, texts: list[str]) -> np.ndarray:
        """``embed`` as one float32 matrix, which the engine keeps its vectors in (see
        :mod:`astrocyte.pipeline.embedding`)."""
        return self.embed_matrix(texts)

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        """The embeddings as one float32 matrix, for callers that keep vectors in numpy anyway.

        Python only splits the texts into words and looks their rows and pairs up in the caches of
        :mod:`astrocyte.embedders.hashed_features`; numpy expands the words into their features and
        sums every feature of the batch with one ``bincount``, in the order the features occur (each
        text's words' features, then its pairs'), so sums do not depend on the batch.
        """
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{row}]", f"must be a string, got {type(text).__name__}")
        per_text = [words(text) for text in texts]
        words_per_text = np.fromiter(map(len, per_text), dtype=np.int64, count=len(texts))
        tokens = list(itertools.chain.from_iterable(per_text))
        owners = np.repeat(np.arange(len(texts), dtype=np.int64), words_per_text)
        paired = np.flatnonzero(owners[:-1] == owners[1:])  # a word followed by another of its text
        with HASHES.lock:
            HASHES.make_room()
            rows = HASHES.word_rows(tokens)
            word_hashes, features_per_word = HASHES.word_features(rows)
            pair_hashes = HASHES.pair_hashes(rows[paired], rows[paired + 1])
        dimensions = self._dimensions
        word_columns, word_signs = _columns_and_signs(word_hashes, dimensions)
        word_weights = np.full(len(word_hashes), _TRIGRAM_WEIGHT)
        word_weights[np.cumsum(features_per_word) - features_per_word] = _WORD_WEIGHT  # each word's own feature
        pair_columns, pair_signs = _columns_and_signs(pair_hashes, dimensions)
        flat = np.concatenate([np.repeat(owners, features_per_word), owners[paired]]) * dimensions
        flat += np.concatenate([word_columns, pair_columns])
        sums = np.bincount(
            flat,
            weights=np.concatenate([word_signs * word_weights, pair_signs * _BIGRAM_WEIGHT]),
            minlength=len(texts) * dimensions,
        )
        matrix = sums.astype(np.float32).reshape(len(texts), dimensions)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
        return matrix


__all__ = ["HashingEmbedder", "forget_hashed_features"]
