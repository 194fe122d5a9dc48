"""BM25 as Qdrant sparse vectors: the document side computed here, the IDF applied by Qdrant.

Words are those of :func:`astrocyte.text.words` (the core's keyword tokenisation), each hashed to a
32-bit dimension, so no vocabulary has to be stored or shared between processes. A document's
weight for a word is BM25's saturated term frequency, ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl /
avg_len))`` with the core's ``k1`` and ``b`` (:mod:`astrocyte.bm25`). ``avg_len`` is a constant
rather than the corpus average, because a stored vector cannot be re-weighted when the corpus
grows. The query side weighs each distinct word 1, and the collection's ``Modifier.IDF`` multiplies
it by Qdrant's inverse document frequency, ``ln(1 + (N - n + 0.5) / (n + 0.5))`` (the formula of
:func:`astrocyte.bm25.idf`), counted over the whole collection rather than per bank.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from astrocyte.bm25 import K1, B
from astrocyte.text import words

#: Words per document that BM25's length normalisation treats as average (memories are short).
DEFAULT_AVERAGE_LENGTH = 32.0


@dataclass(frozen=True)
class Sparse:
    """A sparse vector as Qdrant takes it: sorted distinct dimensions and their weights."""

    indices: list[int]
    values: list[float]

    def __bool__(self) -> bool:
        return bool(self.indices)


@lru_cache(maxsize=262_144)
def term_index(word: str) -> int:
    """The dimension of ``word``: the first 32 bits of its BLAKE2b digest, the same in every process."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")


def document_vector(text: str, average_length: float = DEFAULT_AVERAGE_LENGTH) -> Sparse:
    """The BM25 document weights of ``text`` (empty when it has no words)."""
    found = words(text)
    if not found:
        return Sparse([], [])
    norm = K1 * (1 - B + B * len(found) / average_length)
    weights: dict[int, float] = {}
    for word, frequency in Counter(found).items():
        index = term_index(word)
        weights[index] = weights.get(index, 0.0) + frequency * (K1 + 1) / (frequency + norm)
    ordered = sorted(weights.items())
    return Sparse([index for index, _ in ordered], [weight for _, weight in ordered])


def query_vector(text: str) -> Sparse:
    """The query of ``text``: weight 1 for each distinct word, so Qdrant's IDF alone weighs them."""
    indices = sorted({term_index(word) for word in words(text)})
    return Sparse(indices, [1.0] * len(indices))
