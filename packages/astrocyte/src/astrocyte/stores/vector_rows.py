"""New memories of one bank as columns, their vectors as float32 blocks: retain's fast path to a store.

``VectorStore.store_vectors`` takes :class:`~astrocyte.types.VectorItem` objects whose vectors are
lists of Python floats. Retain holds its vectors as one float32 matrix per batch (the embedder's
``embed_rows``, the blended context vectors), so handing them over as lists meant a ``tolist`` and,
in the store, the conversion back: measured at about a quarter of a retain with the hashing embedder
(roughly 30 µs per memory for each such conversion of a 384-d vector). A store declaring
``vector_rows`` (:class:`astrocyte.spi.VectorRowsStore`) takes the matrix as it is, and the
near-duplicate lookup's queries too. The rows written are the same as through ``store_vectors``
with the same values as lists (the contract suite checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.types import Metadata, VectorItem
from astrocyte.validation import all_valid_ids, all_valid_texts, check_bank_id
from astrocyte.vectors import FloatMatrix


@dataclass(frozen=True)
class VectorRows:
    """Memories of ``bank_id`` retained at one moment: column ``k`` of each list and row ``k`` of
    each matrix belong to memory ``ids[k]``. ``own_vectors`` (``None``: each vector is its own) are
    what near-duplicate checks compare (see ``VectorItem.own_vector``). Metadata and tags must have
    passed the engine's checks already (retain's ``prepare_input`` did); ids, texts and vectors are
    checked batch-wide by :meth:`check`."""

    bank_id: str
    ids: list[str]
    texts: list[str]
    metadata: list[Metadata | None]
    tags: list[list[str] | None]
    occurred_at: list[datetime | None]
    retained_at: datetime
    vectors: FloatMatrix
    own_vectors: FloatMatrix | None = None
    #: The embeddings (``own_vectors``, else ``vectors``) as the embedder returned them when it
    #: returned lists: :meth:`items` hands them over as given, unrounded.
    given: list[list[float]] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def check(self, dimensions: int | None) -> int:
        """Refuse a malformed batch before anything is written; returns its dimension (the store's
        ``dimensions`` when it has one)."""
        check_bank_id(self.bank_id)
        count = len(self.ids)
        lengths = {
            "texts": len(self.texts),
            "metadata": len(self.metadata),
            "tags": len(self.tags),
            "occurred_at": len(self.occurred_at),
        }
        for name, length in lengths.items():
            if length != count:
                raise ValidationError(f"rows.{name}", f"has {length} entries for {count} ids: give one per id")
        if not all_valid_ids(self.ids):
            raise ValidationError("rows.ids", "must be non-empty strings without NUL of at most 512 characters")
        if not all_valid_texts(self.texts):
            raise ValidationError("rows.texts", "must be non-empty, not only whitespace, without NUL")
        wanted = dimensions if dimensions is not None else int(self.vectors.shape[-1]) if self.vectors.ndim else 0
        for name, matrix in (("vectors", self.vectors), ("own_vectors", self.own_vectors)):
            if matrix is None:
                continue
            if matrix.dtype != np.float32 or matrix.shape != (count, wanted):
                raise ValidationError(f"rows.{name}", f"must be a float32 matrix of shape ({count}, {wanted})")
            if not np.isfinite(matrix).all():
                raise ValidationError(f"rows.{name}", "contains NaN or infinity")
        return wanted

    def taking(self, positions: list[int]) -> VectorRows:
        """The batch of just the rows at ``positions``, in that order."""
        own, given = self.own_vectors, self.given
        return replace(
            self,
            ids=[self.ids[position] for position in positions],
            texts=[self.texts[position] for position in positions],
            metadata=[self.metadata[position] for position in positions],
            tags=[self.tags[position] for position in positions],
            occurred_at=[self.occurred_at[position] for position in positions],
            vectors=self.vectors[positions],
            own_vectors=None if own is None else own[positions],
            given=None if given is None else [given[position] for position in positions],
        )

    def distinct(self) -> VectorRows:
        """The batch with each id once, at its last row: what upserting the rows one by one leaves
        (for a store whose single statement may not touch one row twice)."""
        last = {item_id: position for position, item_id in enumerate(self.ids)}
        return self if len(last) == len(self.ids) else self.taking(sorted(last.values()))

    def items(self) -> list[VectorItem]:
        """The rows as vector items, for a store that takes only those (the lists made here once)."""
        own = self.own_vectors
        embedded = self.given if self.given is not None else (self.vectors if own is None else own).tolist()
        vectors, own_vectors = (embedded, [None] * len(self)) if own is None else (self.vectors.tolist(), embedded)
        return [
            VectorItem(
                id=item_id,
                bank_id=self.bank_id,
                vector=vector,
                own_vector=own_vector,
                text=text,
                metadata=metadata,
                tags=tags,
                occurred_at=occurred_at,
                retained_at=self.retained_at,
            )
            for item_id, vector, own_vector, text, metadata, tags, occurred_at in zip(
                self.ids, vectors, own_vectors, self.texts, self.metadata, self.tags, self.occurred_at, strict=True
            )
        ]


def checked_queries(queries: FloatMatrix, dimensions: int | None) -> FloatMatrix:
    """Threshold queries given as a matrix (``threshold_ids``): finite float32 rows of the store's
    ``dimensions`` (any width while it has none), else refused naming ``queries``."""
    if queries.ndim != 2 or (dimensions is not None and queries.shape[1] != dimensions):
        raise ValidationError("queries", f"must be a matrix of rows of {dimensions} dimensions, got {queries.shape}")
    if not np.isfinite(queries).all():
        raise ValidationError("queries", "contains NaN or infinity")
    return queries.astype(np.float32, copy=False)
