"""The in-memory reference :class:`~astrocyte.spi.DocumentStore`: BM25 keyword search per bank.

Queries and documents are cut into words by :func:`astrocyte.text.words` (Unicode word characters,
case-folded), so user input is never parsed as query syntax: quotes, operators and punctuation are
just separators, and a query without words finds nothing. Ranking is Okapi BM25 (k1 = 1.2,
b = 0.75) with statistics kept per bank, see :mod:`astrocyte.stores.memory._bm25`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.stores.arguments import check_documents, checked_ids
from astrocyte.stores.memory._banks import DocumentBanks
from astrocyte.stores.memory._bm25 import Bm25Index
from astrocyte.stores.memory._copies import detached
from astrocyte.stores.memory._filters import document_label_predicate
from astrocyte.stores.memory._rows import remove_each
from astrocyte.text import words
from astrocyte.types import Document, DocumentFilters, DocumentHit, DocumentStoreCapabilities, HealthStatus
from astrocyte.validation import check_id, check_positive_int
from astrocyte.vectors import top_k


class MemoryDocumentStore:
    """Documents kept in process memory, per bank; also offers batched ``store_documents`` and
    ``get_documents``."""

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self) -> None:
        self._banks = DocumentBanks(_DocumentBank)

    def capabilities(self) -> DocumentStoreCapabilities:
        return DocumentStoreCapabilities(filter_tag_match_all=True, batch_store=True, batch_get=True)

    async def store_document(self, document: Document, bank_id: str) -> str:
        (stored,) = await self.store_documents([document], bank_id)
        return stored

    async def store_documents(self, documents: list[Document], bank_id: str) -> list[str]:
        """Upsert every document into ``bank_id``; returns their ids in input order.

        The whole batch is checked before anything is written, so a bad document stores nothing.
        """
        check_documents(documents, bank_id)
        if not documents:
            return []
        bank = self._banks.for_write(bank_id)
        for document in documents:
            bank.put(detached(document))
        return [document.id for document in documents]

    async def search_fulltext(
        self,
        query: str,
        bank_id: str,
        limit: int = 10,
        filters: DocumentFilters | None = None,
    ) -> list[DocumentHit]:
        bank = self._banks.for_read(bank_id)
        check_positive_int(limit, "limit")
        if not isinstance(query, str):
            raise ValidationError("query", f"must be a string, got {type(query).__name__}")
        query_terms = words(query)
        if not query_terms:
            return []
        return bank.search(query_terms, limit, filters)

    async def get_document(self, document_id: str, bank_id: str) -> Document | None:
        bank = self._banks.for_read(bank_id)
        document = bank.documents.get(check_id(document_id, "document_id"))
        return None if document is None else detached(document)

    async def get_documents(self, document_ids: list[str], bank_id: str) -> list[Document]:
        """The documents of ``document_ids`` that the bank holds, in that order, each once."""
        bank = self._banks.for_read(bank_id)
        wanted = dict.fromkeys(checked_ids(document_ids, "document_ids"))
        return [detached(bank.documents[key]) for key in wanted if key in bank.documents]

    async def delete_documents(self, document_ids: list[str], bank_id: str) -> int:
        bank = self._banks.for_read(bank_id)
        removed = remove_each(bank, document_ids, "document_ids")
        if removed and not bank.documents:
            self._banks.drop(bank_id)
        return removed

    async def delete_bank(self, bank_id: str) -> int:
        return self._banks.drop_documents(bank_id)

    async def health(self) -> HealthStatus:
        return self._banks.health("document store")


class _DocumentBank:
    """One bank: the documents by id and their BM25 index."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.bm25 = Bm25Index()

    def put(self, document: Document) -> None:
        self.documents[document.id] = document
        self.bm25.add(document.id, words(document.text))

    def remove(self, document_id: str) -> bool:
        if self.documents.pop(document_id, None) is None:
            return False
        self.bm25.remove(document_id)
        return True

    def search(self, query_terms: Sequence[str], limit: int, filters: DocumentFilters | None) -> list[DocumentHit]:
        scores = self.bm25.scores(query_terms)
        rows = np.flatnonzero(scores > 0)
        passes = document_label_predicate(filters)
        if passes is not None:
            ids = self.bm25.index.ids
            kept = [row for row in rows if passes(self.documents[ids[row]].tags, self.documents[ids[row]].metadata)]
            rows = np.asarray(kept, dtype=np.intp)
        best = rows[top_k(scores[rows], limit)]
        return [self._hit(self.bm25.index.ids[row], float(scores[row])) for row in best]

    def _hit(self, document_id: str, score: float) -> DocumentHit:
        document = detached(self.documents[document_id])
        return DocumentHit(
            document_id=document.id, text=document.text, score=score, metadata=document.metadata, tags=document.tags
        )
