"""Writing memories so that a call lands whole or not at all.

When the vector, document and graph stores all declare ``transactional`` and share one
``transaction_key`` (one database, such as the SQLite default), a write session is one transaction
of that database: it commits when the session ends normally and rolls back when it raises.
Otherwise rows are written store by store, and a session that raises deletes the memories it wrote
(compensation) before the error propagates. Entities it stored stay, unlinked: they may be shared
with memories written earlier, and an entity that no memory mentions is never recalled.

Sessions of one engine run one at a time (an ``asyncio.Lock``), so two concurrent calls never
share one transaction, and compensation never deletes what a concurrent call wrote.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import cast

from astrocyte.pipeline.abilities import store_documents, store_vector_rows, unit_transaction
from astrocyte.pipeline.entities import GraphRows
from astrocyte.spi import DocumentStore, GraphStore, TransactionalStore, VectorStore, capabilities_of
from astrocyte.stores.vector_rows import VectorRows
from astrocyte.types import Document, VectorItem


@dataclass
class MemoryRows:
    """Everything one batch of memories writes: vectors (retain's as :class:`VectorRows`, an import's
    as items), their document mirrors and graph rows."""

    items: list[VectorItem] | VectorRows
    documents: list[Document]
    graph: GraphRows = field(default_factory=GraphRows)


class MemoryWriter:
    """Opens write sessions over the configured memory stores."""

    def __init__(self, vectors: VectorStore, documents: DocumentStore | None, graph: GraphStore | None) -> None:
        self._vectors = vectors
        self._documents = documents
        self._graph = graph
        self._transaction_owner = _shared_transaction(vectors, documents, graph)
        self._lock = asyncio.Lock()

    @property
    def transactional(self) -> bool:
        """Whether sessions are database transactions (else they compensate)."""
        return self._transaction_owner is not None

    @asynccontextmanager
    async def session(self, bank_id: str, *, compensate: bool = True) -> AsyncIterator[WriteSession]:
        """A session writing into ``bank_id``. ``compensate=False`` keeps rows written before a
        failure when there is no transaction: for writes that may overwrite existing memories
        (imports), where deleting would lose the previous version."""
        transaction: AbstractAsyncContextManager[object] = (
            nullcontext() if self._transaction_owner is None else unit_transaction(self._transaction_owner)
        )
        async with self._lock, transaction:
            session = WriteSession(self, bank_id)
            try:
                yield session
            except BaseException as failure:
                if self._transaction_owner is None and compensate:
                    await session.undo(failure)
                raise


class WriteSession:
    """Writes batches of rows and remembers which memories it wrote."""

    def __init__(self, writer: MemoryWriter, bank_id: str) -> None:
        self._writer = writer
        self.bank_id = bank_id
        self._written: list[str] = []

    async def write(self, rows: MemoryRows) -> None:
        writer, bank_id = self._writer, self.bank_id
        if not rows.items:
            return
        items = rows.items
        if isinstance(items, VectorRows):
            self._written.extend(items.ids)
            await store_vector_rows(writer._vectors, items)
        else:
            self._written.extend(item.id for item in items)
            await writer._vectors.store_vectors(items)
        if writer._documents is not None:
            await store_documents(writer._documents, rows.documents, bank_id)
        graph = writer._graph
        if graph is not None and rows.graph.associations:
            await graph.store_entities(rows.graph.entities, bank_id)
            if rows.graph.links:
                await graph.store_links(rows.graph.links, bank_id)
            await graph.link_memories_to_entities(rows.graph.associations, bank_id)

    async def undo(self, failure: BaseException) -> None:
        """Delete from every store the memories this session wrote; failures are noted on ``failure``."""
        writer, ids = self._writer, list(dict.fromkeys(self._written))
        if not ids:
            return
        steps = [writer._vectors.delete(ids, self.bank_id)]
        if writer._documents is not None:
            steps.append(writer._documents.delete_documents(ids, self.bank_id))
        if writer._graph is not None:
            steps.append(writer._graph.delete_memories(ids, self.bank_id))
        for step in steps:
            try:
                await step
            except Exception as problem:
                failure.add_note(f"undoing the partial write also failed: {type(problem).__name__}: {problem}")


def _shared_transaction(
    vectors: VectorStore, documents: DocumentStore | None, graph: GraphStore | None
) -> TransactionalStore | None:
    """The store whose transaction covers all the memory stores, if they declare one in common."""
    stores: list[tuple[object, type]] = [(vectors, VectorStore)]
    stores += [(documents, DocumentStore)] if documents is not None else []
    stores += [(graph, GraphStore)] if graph is not None else []
    if not all(capabilities_of(store, protocol).transactional for store, protocol in stores):
        return None
    participants = [cast(TransactionalStore, store) for store, _ in stores]
    keys = {participant.transaction_key() for participant in participants}
    return participants[0] if len(keys) == 1 else None
