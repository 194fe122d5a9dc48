"""The in-memory :class:`~astrocyte.spi.SourceStore`: provenance documents and their chunks.

A deleted document must vanish from every read while an equal document can be stored again
afterwards. A database adapter meets that with a soft-delete flag (the rows stay for audit); in
memory nothing could ever read a tombstone, so this store drops the document and its chunks, which
is the same behaviour seen through the SPI without the risk of a stale chunk resurfacing when a
document with the same id is stored again.

Both hash lookups are indexed (``content_hash`` to ids), because ingestion asks them for every
document and chunk it writes and a scan of the bank each time would make ingestion quadratic.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar

from astrocyte.errors import ValidationError
from astrocyte.stores.memory._banks import DocumentBanks
from astrocyte.stores.memory._index import discard_from_index
from astrocyte.types import HealthStatus, SourceChunk, SourceDocument
from astrocyte.validation import check_bank_id, check_id, check_positive_int

_OLDEST = datetime.min.replace(tzinfo=UTC)
_Stamped = TypeVar("_Stamped", SourceDocument, SourceChunk)


@dataclass
class _SourceBank:
    """Everything one bank holds, with the indexes that keep hash lookups off a scan."""

    documents: dict[str, SourceDocument] = field(default_factory=dict)
    chunks: dict[str, SourceChunk] = field(default_factory=dict)
    document_by_hash: dict[str, str] = field(default_factory=dict)
    chunks_by_hash: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    chunks_by_document: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def put_document(self, document: SourceDocument) -> None:
        replaced = self.documents.get(document.id)
        if replaced is not None and replaced.content_hash is not None:
            del self.document_by_hash[replaced.content_hash]
        self.documents[document.id] = document
        if document.content_hash is not None:
            self.document_by_hash[document.content_hash] = document.id

    def drop_document(self, document_id: str) -> None:
        document = self.documents.pop(document_id)
        if document.content_hash is not None:
            del self.document_by_hash[document.content_hash]
        for chunk_id in list(self.chunks_by_document.pop(document_id, ())):
            self.drop_chunk(chunk_id)

    def chunk_of(self, document_id: str, content_hash: str) -> str | None:
        """The id of the chunk of ``document_id`` with ``content_hash``, if there is one."""
        for chunk_id in self.chunks_by_hash.get(content_hash, ()):
            if self.chunks[chunk_id].document_id == document_id:
                return chunk_id
        return None

    def put_chunk(self, chunk: SourceChunk) -> None:
        if chunk.id in self.chunks:
            self.drop_chunk(chunk.id)
        self.chunks[chunk.id] = chunk
        self.chunks_by_document[chunk.document_id].add(chunk.id)
        if chunk.content_hash is not None:
            self.chunks_by_hash[chunk.content_hash].add(chunk.id)

    def drop_chunk(self, chunk_id: str) -> None:
        chunk = self.chunks.pop(chunk_id)
        discard_from_index(self.chunks_by_document, chunk.document_id, chunk_id)
        if chunk.content_hash is not None:
            discard_from_index(self.chunks_by_hash, chunk.content_hash, chunk_id)


def _stamped(item: _Stamped) -> _Stamped:
    """A private copy, with ``created_at`` set to now when the caller left it empty (it orders listings)."""
    if item.created_at is None:
        return replace(item, created_at=datetime.now(UTC))
    return copy.deepcopy(item)


class MemorySourceStore:
    """Source documents and chunks in dictionaries, one set per bank."""

    SPI_VERSION = 1

    def __init__(self) -> None:
        self._banks = DocumentBanks(_SourceBank)

    async def store_document(self, document: SourceDocument) -> str:
        bank = self._banks.for_write(document.bank_id)
        if document.content_hash is not None:
            existing = bank.document_by_hash.get(check_id(document.content_hash, "content_hash"))
            if existing is not None:
                return existing
        bank.put_document(_stamped(document))
        return document.id

    async def get_document(self, document_id: str, bank_id: str) -> SourceDocument | None:
        return copy.deepcopy(self._banks.for_read(bank_id).documents.get(check_id(document_id, "document_id")))

    async def find_document_by_hash(self, content_hash: str, bank_id: str) -> SourceDocument | None:
        bank = self._banks.for_read(bank_id)
        document_id = bank.document_by_hash.get(check_id(content_hash, "content_hash"))
        return None if document_id is None else copy.deepcopy(bank.documents[document_id])

    async def list_documents(self, bank_id: str, *, limit: int = 100) -> list[SourceDocument]:
        check_positive_int(limit, "limit")
        documents = sorted(self._banks.for_read(bank_id).documents.values(), key=lambda document: document.id)
        documents.sort(key=lambda document: document.created_at or _OLDEST, reverse=True)
        return copy.deepcopy(documents[:limit])

    async def delete_document(self, document_id: str, bank_id: str) -> bool:
        bank = self._banks.for_read(bank_id)
        if check_id(document_id, "document_id") not in bank.documents:
            return False
        bank.drop_document(document_id)
        return True

    async def store_chunks(self, chunks: list[SourceChunk]) -> list[str]:
        for index, chunk in enumerate(chunks):
            check_bank_id(chunk.bank_id, f"chunks[{index}].bank_id")
            if chunk.content_hash is not None:
                check_id(chunk.content_hash, f"chunks[{index}].content_hash")
            if chunk.document_id not in self._banks.for_read(chunk.bank_id).documents:
                raise ValidationError(
                    f"chunks[{index}].document_id",
                    f"{chunk.document_id!r} is not a stored document of bank {chunk.bank_id!r}; "
                    "store the document before its chunks",
                )
        return [self._store_chunk(chunk) for chunk in chunks]

    def _store_chunk(self, chunk: SourceChunk) -> str:
        bank = self._banks.for_write(chunk.bank_id)
        if chunk.content_hash is not None:
            existing = bank.chunk_of(chunk.document_id, chunk.content_hash)
            if existing is not None:
                return existing
        bank.put_chunk(_stamped(chunk))
        return chunk.id

    async def get_chunk(self, chunk_id: str, bank_id: str) -> SourceChunk | None:
        return copy.deepcopy(self._banks.for_read(bank_id).chunks.get(check_id(chunk_id, "chunk_id")))

    async def list_chunks(self, document_id: str, bank_id: str) -> list[SourceChunk]:
        bank = self._banks.for_read(bank_id)
        chunk_ids = bank.chunks_by_document.get(check_id(document_id, "document_id"), ())
        chunks = [bank.chunks[chunk_id] for chunk_id in chunk_ids]
        return copy.deepcopy(sorted(chunks, key=lambda chunk: (chunk.chunk_index, chunk.id)))

    async def find_chunk_by_hash(self, content_hash: str, bank_id: str) -> SourceChunk | None:
        bank = self._banks.for_read(bank_id)
        chunk_ids = bank.chunks_by_hash.get(check_id(content_hash, "content_hash"))
        return copy.deepcopy(bank.chunks[min(chunk_ids)]) if chunk_ids else None

    async def delete_bank(self, bank_id: str) -> int:
        return self._banks.drop_documents(bank_id)

    async def health(self) -> HealthStatus:
        return self._banks.health("source store")
