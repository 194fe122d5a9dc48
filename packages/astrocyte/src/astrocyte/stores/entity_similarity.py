"""How similar a name is to a stored entity, the same in every GraphStore of the core.

Name similarity is character trigrams (the measure of PostgreSQL's ``pg_trgm``, which the
SQL-backed adapters use natively): each word of the lower-cased text is padded with two spaces in
front and one behind, and two texts score the Jaccard index of their trigram sets, in [0, 1]. An
entity is found by its name and each alias, and scores its best one. Embedding similarity is the
clamped cosine of :mod:`astrocyte.vectors`, between embeddings of one dimension only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from astrocyte.text import words
from astrocyte.types import Entity
from astrocyte.vectors import as_matrix, cosine_scores, normalise_rows

Embedding = Sequence[float] | npt.NDArray[np.floating]


def trigrams(text: str) -> frozenset[str]:
    """The padded trigrams of each lower-cased word of ``text``; punctuation only separates words."""
    grams: set[str] = set()
    for word in words(text):
        padded = f"  {word} "
        grams.update(padded[index : index + 3] for index in range(len(padded) - 2))
    return frozenset(grams)


def trigram_similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard index of two trigram sets; 0 when either text has no word at all."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def names_of(entity: Entity) -> list[str]:
    """The texts an entity is found by: its name, then its aliases in order."""
    return [entity.name, *(entity.aliases or [])]


def embedding_similarities(embeddings: Mapping[str, Embedding | None], query: Embedding | None) -> dict[str, float]:
    """Clamped cosine of ``query`` with each embedding of its dimension; other entries are left out."""
    if query is None:
        return {}
    comparable = {key: embedding for key, embedding in embeddings.items() if embedding is not None}
    comparable = {key: embedding for key, embedding in comparable.items() if len(embedding) == len(query)}
    if not comparable:
        return {}
    rows = np.array([np.asarray(embedding, dtype=np.float32) for embedding in comparable.values()])
    scores = cosine_scores(normalise_rows(as_matrix(rows, len(query))), query)
    return {key: float(score) for key, score in zip(comparable, scores, strict=True)}
