"""What the stores need from Qdrant, as one small interface with two implementations.

The vector and document stores are written once against :class:`Backend`; ``client_backend``
implements it on ``qdrant-client`` (a server, or the client's local mode) and ``edge_backend`` on
``qdrant-edge-py`` (the engine in process). A backend is bound to one collection (or shard) whose
points may carry a dense vector named :data:`DENSE` and a sparse one named :data:`SPARSE`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from astrocyte_qdrant.conditions import Condition
from astrocyte_qdrant.payloads import IndexKind
from astrocyte_qdrant.sparse import Sparse

DENSE = "dense"
SPARSE = "text"


@dataclass(frozen=True)
class NewPoint:
    point_id: str
    payload: dict[str, Any]
    dense: list[float] | None = None
    sparse: Sparse | None = None


@dataclass(frozen=True)
class Found:
    """A point read back: its payload, its dense vector when asked for, its score when searched."""

    payload: dict[str, Any]
    dense: list[float] | None = None
    score: float = 0.0


@dataclass(frozen=True)
class Layout:
    """What a collection holds: whether it has a sparse vector, and the payload indexes besides the bank's."""

    sparse: bool
    indexes: Mapping[str, IndexKind]


def found(payload: dict[str, Any] | None, vectors: object, score: float) -> Found:
    """A :class:`Found` from what either client returns: a payload, named vectors (or none), a score."""
    dense = vectors.get(DENSE) if isinstance(vectors, dict) else None
    return Found(payload or {}, cast(list[float], dense) if isinstance(dense, list) else None, score)


class Backend(Protocol):
    """One Qdrant collection. Conditions are all required; ``limit`` bounds every read."""

    #: Names the backend in health messages and errors.
    name: str

    async def exists(self) -> bool: ...

    async def dense_size(self) -> int | None:
        """The dense vector's size, or ``None`` while the collection has none (or does not exist)."""
        ...

    async def create(self, layout: Layout, dense_size: int | None) -> None:
        """Create the collection with ``layout`` and, when ``dense_size`` is given, the dense vector."""
        ...

    async def add_dense(self, size: int) -> None:
        """Give an existing collection its dense vector (for one created before any vector was written)."""
        ...

    async def upsert(self, points: Sequence[NewPoint]) -> None: ...

    async def retrieve(self, point_ids: Sequence[str], *, with_dense: bool = False) -> list[Found]:
        """The points of ``point_ids`` that exist, with their dense vector when ``with_dense``."""
        ...

    async def delete(self, point_ids: Sequence[str]) -> None: ...

    async def delete_where(self, conditions: Sequence[Condition]) -> None: ...

    async def count(self, conditions: Sequence[Condition]) -> int: ...

    async def page(self, conditions: Sequence[Condition], offset: int, limit: int) -> list[Found]:
        """Points in point-id order, skipping ``offset``, with their dense vectors."""
        ...

    async def nearest(
        self, queries: Sequence[list[float]], conditions: Sequence[Condition], limit: int
    ) -> list[list[Found]]:
        """The dense neighbours of each query (cosine, highest first), in one request."""
        ...

    async def matching(self, query: Sparse, conditions: Sequence[Condition], limit: int) -> list[Found]:
        """Points sharing a dimension with the sparse ``query``, by IDF-weighted dot product."""
        ...

    async def fused(
        self,
        dense: list[float],
        sparse: Sparse,
        conditions: Sequence[Condition],
        *,
        limit: int,
        fetch: int,
        rrf_k: int,
        weights: tuple[float, float],
    ) -> list[Found]:
        """One query: ``fetch`` dense and ``fetch`` sparse candidates fused by Qdrant's weighted RRF."""
        ...

    async def check(self) -> None:
        """Raise if the backend does not answer."""
        ...

    async def close(self) -> None: ...
