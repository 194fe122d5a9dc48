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
from typing import ClassVar

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.text import words
from astrocyte.validation import check_positive_int

#: Relative weight of each feature family; words carry most of the meaning.
_WORD_WEIGHT = 1.0
_BIGRAM_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.25


#: Entries a feature cache holds before it is emptied: bounds the memory of a long import.
_CACHE_LIMIT = 262_144


def _digest(feature: str) -> bytes:
    """A feature's hash: 8 bytes of BLAKE2b, read by numpy as a little-endian 64-bit integer."""
    return hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()


#: Hashes of a word's features (its own, then its character trigrams'), and of word pairs: the
#: same for every text and dimension count, so each distinct word or pair is hashed once while it
#: stays cached. Kept as digests (a word's concatenated) that numpy reads all at once: a Python int
#: per feature, converted one by one, cost a fifth of the embedding. Emptied when full, which bounds
#: the memory of a long import.
_WORDS: dict[str, bytes] = {}
_PAIRS: dict[str, bytes] = {}


def _word_hashes(token: str) -> bytes:
    found = _WORDS.get(token)
    if found is None:
        if len(_WORDS) >= _CACHE_LIMIT:
            _WORDS.clear()
        padded = f"<{token}>"
        found = _WORDS[token] = b"".join(
            [_digest(f"w:{token}"), *(_digest(f"t:{padded[i : i + 3]}") for i in range(len(padded) - 2))]
        )
    return found


def _pair_hashes(tokens: list[str]) -> list[bytes]:
    if len(_PAIRS) >= _CACHE_LIMIT:
        _PAIRS.clear()
    keys = [f"b:{first} {second}" for first, second in itertools.pairwise(tokens)]
    # Inline rather than through _digest: most pairs are new, and a call per pair costs more than its hash.
    return [
        _PAIRS[key]
        if key in _PAIRS
        else _PAIRS.setdefault(key, hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest())
        for key in keys
    ]


def forget_hashed_features() -> None:
    """Empty the caches of hashed words and features, which every embedder of the process shares:
    a benchmark timing two users of the embedder one after the other starts each from the same state."""
    _WORDS.clear()
    _PAIRS.clear()


def _columns_and_signs(digests: bytes, dimensions: int) -> tuple[np.ndarray, np.ndarray]:
    """A feature's hash picks its column (modulo) and its sign (the top bit)."""
    values = np.frombuffer(digests, dtype="<u8").astype(np.uint64)
    columns = (values % np.uint64(dimensions)).astype(np.int64)
    return columns, np.where(values >> np.uint64(63), 1.0, -1.0)


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

        Python only maps each text to the rows of its distinct words and to its word pairs' hashed
        columns; numpy expands the words into their features and sums every feature of the batch with
        one ``bincount``, in the order the features occur (so sums do not depend on the batch).
        """
        dimensions = self._dimensions
        vocabulary: dict[str, int] = {}
        occurrences: list[int] = []  # per word occurrence, its row in the vocabulary
        pair_hashes: list[bytes] = []
        words_per_text = np.zeros(len(texts), dtype=np.int64)
        pairs_per_text = np.zeros(len(texts), dtype=np.int64)
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{row}]", f"must be a string, got {type(text).__name__}")
            tokens = words(text)
            occurrences += [vocabulary.setdefault(token, len(vocabulary)) for token in tokens]
            pair_hashes += _pair_hashes(tokens)
            words_per_text[row] = len(tokens)
            pairs_per_text[row] = max(len(tokens) - 1, 0)
        word_columns, word_weights, word_owners = self._word_features(
            [_word_hashes(token) for token in vocabulary], occurrences, words_per_text
        )
        pair_columns, pair_signs = _columns_and_signs(b"".join(pair_hashes), dimensions)
        pair_owners = np.repeat(np.arange(len(texts), dtype=np.int64), pairs_per_text)
        flat = np.concatenate([word_owners, pair_owners]) * dimensions + np.concatenate([word_columns, pair_columns])
        weights = np.concatenate([word_weights, pair_signs * _BIGRAM_WEIGHT])
        sums = np.bincount(flat, weights=weights, minlength=len(texts) * dimensions)
        matrix = sums.astype(np.float32).reshape(len(texts), dimensions)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
        return matrix

    def _word_features(
        self, vocabulary: list[bytes], occurrences: list[int], per_text: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Columns, signed weights and owning text of every feature of every word occurrence, in
        order: a word's own feature (weight ``_WORD_WEIGHT``), then its trigrams' (``_TRIGRAM_WEIGHT``)."""
        lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary)) // 8
        columns, signs = _columns_and_signs(b"".join(vocabulary), self._dimensions)
        weights = np.full(len(columns), _TRIGRAM_WEIGHT)
        firsts = np.cumsum(lengths) - lengths  # where each word's features start
        weights[firsts] = _WORD_WEIGHT
        rows = np.asarray(occurrences, dtype=np.int64)
        counts = lengths[rows]
        out_firsts = np.cumsum(counts) - counts
        index = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(out_firsts - firsts[rows], counts)
        owners = np.repeat(np.repeat(np.arange(len(per_text), dtype=np.int64), per_text), counts)
        return columns[index], (signs * weights)[index], owners
