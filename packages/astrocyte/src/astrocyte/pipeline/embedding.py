"""A batch's embeddings as one float32 matrix, without a Python float per component when possible.

``EmbeddingProvider.embed`` returns lists of Python floats: 384 objects per text, which the embedder
builds from its own matrix and the pipeline converts back into one (to blend neighbours, to check
near duplicates), measured at a quarter of a retain's time with the hashing embedder. An embedder
that also offers ``embed_rows`` (the hashing and MiniLM embedders do) hands its matrix over as it
is, and the engine makes lists once, for the vector items it stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from astrocyte.spi import EmbeddingProvider
from astrocyte.vectors import FloatMatrix, as_matrix


@runtime_checkable
class RowEmbedder(Protocol):
    """The optional method: ``embed`` as one ``(len(texts), dimensions)`` float32 matrix."""

    async def embed_rows(self, texts: list[str]) -> FloatMatrix: ...


@dataclass(frozen=True)
class Embeddings:
    """The vectors of a batch as a matrix, and as the embedder returned them when it gave lists
    (stored as given: an embedder's float64 components are not rounded to float32 on the way)."""

    matrix: FloatMatrix
    given: list[list[float]] | None

    @property
    def rows(self) -> list[list[float]]:
        """The vectors as lists, for a store that takes only those: made on each read, which its one
        reader per batch (the near-duplicate lookup of a store without ``vector_rows``) does once."""
        return self.given if self.given is not None else self.matrix.tolist()


async def embed_batch(embedder: EmbeddingProvider, texts: list[str]) -> Embeddings:
    """Embed a non-empty batch; a result of another length than ``texts`` is the embedder's bug."""
    if isinstance(embedder, RowEmbedder):
        matrix = await embedder.embed_rows(texts)
        _check_count(len(matrix), texts)
        return Embeddings(matrix, None)
    given = await embedder.embed(texts)
    _check_count(len(given), texts)
    return Embeddings(as_matrix(given, len(given[0])), given)


def _check_count(returned: int, texts: list[str]) -> None:
    if returned != len(texts):
        raise ValueError(f"the embedder returned {returned} vectors for {len(texts)} texts")
