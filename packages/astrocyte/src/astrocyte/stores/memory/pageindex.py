"""The in-memory :class:`~astrocyte.spi.PageIndexStore`: documents as section trees, searched per section.

Trees are checked whole (:mod:`astrocyte.pageindex_tree`) before they replace anything, and search
scores sections as :mod:`astrocyte.pageindex_scoring` defines. Everything a search needs per
section (word postings, lengths, unit-length embeddings) is prepared when the tree is saved, so a
search only combines the statistics of the trees it covers and scores them in numpy.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.pageindex_scoring import (
    Floats,
    Positions,
    blended,
    checked_search,
    gather_postings,
    idf_weights,
    keyword_scores,
    section_terms,
)
from astrocyte.pageindex_tree import check_dimensions, check_tree
from astrocyte.stores.memory._banks import DocumentBanks
from astrocyte.types import HealthStatus, PageIndexDocument, PageIndexSection, PageIndexSectionHit
from astrocyte.validation import check_id
from astrocyte.vectors import FloatMatrix, as_matrix, cosine_scores, normalise_rows, top_k


@dataclass(frozen=True)
class _Tree:
    """One document's sections, ordered by ``line_num``, with what search needs precomputed."""

    sections: tuple[PageIndexSection, ...]
    #: word -> (positions of the sections containing it, how often it occurs in each)
    postings: dict[str, tuple[Positions, Floats]]
    #: words in title + summary, per section
    lengths: Floats
    #: positions of the sections that have a ``summary_embedding``, and those embeddings at unit length
    embedded: Positions
    unit_embeddings: FloatMatrix

    @classmethod
    def build(cls, sections: Sequence[PageIndexSection]) -> _Tree:
        ordered = tuple(sorted(sections, key=lambda section: section.line_num))
        counts = [section_terms(section) for section in ordered]
        embedded = [position for position, section in enumerate(ordered) if section.summary_embedding is not None]
        vectors = [ordered[position].summary_embedding or [] for position in embedded]
        dimensions = len(vectors[0]) if vectors else 0
        return cls(
            sections=ordered,
            postings=gather_postings(
                (word, position, float(count))
                for position, section_counts in enumerate(counts)
                for word, count in section_counts.items()
            ),
            lengths=np.asarray([float(section_counts.total()) for section_counts in counts]),
            embedded=np.asarray(embedded, dtype=np.intp),
            unit_embeddings=normalise_rows(as_matrix(vectors, dimensions)),
        )

    @property
    def dimensions(self) -> int | None:
        """The dimension of this tree's embeddings, or ``None`` when it has none."""
        return int(self.unit_embeddings.shape[1]) if len(self.embedded) else None


_EMPTY_TREE = _Tree.build(())


@dataclass
class _PageIndexBank:
    documents: dict[str, PageIndexDocument] = field(default_factory=dict)
    trees: dict[str, _Tree] = field(default_factory=dict)

    def embedding_dimensions(self, excluding: str | None = None) -> int | None:
        """The dimension the bank's embeddings use (trees other than ``excluding``), if any have one."""
        return next(
            (tree.dimensions for name, tree in self.trees.items() if name != excluding and tree.dimensions),
            None,
        )


class MemoryPageIndexStore:
    """Page-index documents and section trees in dictionaries, one set per bank."""

    SPI_VERSION = 1

    def __init__(self) -> None:
        self._banks = DocumentBanks(_PageIndexBank)

    async def save_document(self, document: PageIndexDocument) -> str:
        self._banks.for_write(document.bank_id).documents[document.id] = copy.deepcopy(document)
        return document.id

    async def get_document(self, document_id: str, bank_id: str) -> PageIndexDocument | None:
        return copy.deepcopy(self._banks.for_read(bank_id).documents.get(check_id(document_id, "document_id")))

    async def find_document_by_source(self, source_id: str, bank_id: str) -> PageIndexDocument | None:
        check_id(source_id, "source_id")
        documents = self._banks.for_read(bank_id).documents.values()
        matches = [document for document in documents if document.source_id == source_id]
        return copy.deepcopy(min(matches, key=lambda document: document.id)) if matches else None

    async def list_documents(self, bank_id: str) -> list[PageIndexDocument]:
        documents = self._banks.for_read(bank_id).documents
        return [copy.deepcopy(documents[document_id]) for document_id in sorted(documents)]

    async def delete_document(self, document_id: str, bank_id: str) -> bool:
        bank = self._banks.for_read(bank_id)
        bank.trees.pop(check_id(document_id, "document_id"), None)
        return bank.documents.pop(document_id, None) is not None

    async def save_sections(self, document_id: str, sections: list[PageIndexSection], bank_id: str) -> int:
        bank = self._banks.for_write(bank_id)
        if check_id(document_id, "document_id") not in bank.documents:
            raise ValidationError(
                "document_id", f"{document_id!r} is not a saved document of bank {bank_id!r}; save the document first"
            )
        check_tree(document_id, sections)
        check_dimensions(sections, bank.embedding_dimensions(excluding=document_id))
        tree = _Tree.build(copy.deepcopy(sections))
        bank.trees[document_id] = tree
        return len(tree.sections)

    async def load_skeleton(self, document_id: str, bank_id: str) -> list[PageIndexSection]:
        tree = self._banks.for_read(bank_id).trees.get(check_id(document_id, "document_id"), _EMPTY_TREE)
        return copy.deepcopy(list(tree.sections))

    async def search_sections(
        self,
        query: str,
        bank_id: str,
        *,
        query_embedding: list[float] | None = None,
        top_k: int = 20,
        document_id: str | None = None,
    ) -> list[PageIndexSectionHit]:
        bank = self._banks.for_read(bank_id)
        searched_words = checked_search(query, top_k, query_embedding, document_id, bank.embedding_dimensions)
        names = [name for name in sorted(bank.trees) if document_id in (None, name)]
        trees = [bank.trees[name] for name in names]
        scores = _score(trees, searched_words, query_embedding)
        return _best_hits(names, trees, scores, top_k)

    async def delete_bank(self, bank_id: str) -> int:
        return self._banks.drop_documents(bank_id)

    async def health(self) -> HealthStatus:
        return self._banks.health("page-index store")


# ---------------------------------------------------------------------------------- scoring


def _score(trees: Sequence[_Tree], query_words: set[str], query_embedding: list[float] | None) -> list[Floats]:
    """Each tree's section scores, with the word statistics of all ``trees`` together (the sections searched)."""
    section_count = sum(len(tree.sections) for tree in trees)
    if section_count == 0:
        return []
    average_length = sum(float(tree.lengths.sum()) for tree in trees) / section_count
    frequencies = {
        word: sum(len(tree.postings[word][0]) for tree in trees if word in tree.postings) for word in query_words
    }
    weights = idf_weights(section_count, frequencies)
    scores: list[Floats] = []
    for tree in trees:
        cosine = None
        if query_embedding is not None:
            cosine = np.zeros(len(tree.sections))
            if len(tree.embedded):
                cosine[tree.embedded] = cosine_scores(tree.unit_embeddings, query_embedding)
        scores.append(blended(keyword_scores(tree.lengths, tree.postings, weights, average_length), cosine))
    return scores


def _best_hits(names: list[str], trees: list[_Tree], scores: list[Floats], limit: int) -> list[PageIndexSectionHit]:
    """The ``limit`` best sections with a positive score, best first (ties by document, then line)."""
    if not scores:
        return []
    flat = np.concatenate(scores)
    starts = np.cumsum([0, *(len(tree.sections) for tree in trees)])
    positive = np.flatnonzero(flat > 0)
    hits: list[PageIndexSectionHit] = []
    for flat_index in positive[top_k(flat[positive], limit)]:
        owner = int(np.searchsorted(starts, flat_index, side="right")) - 1
        section = trees[owner].sections[int(flat_index - starts[owner])]
        hits.append(
            PageIndexSectionHit(
                document_id=names[owner],
                line_num=section.line_num,
                node_id=section.node_id,
                title=section.title,
                score=float(flat[flat_index]),
                summary=section.summary,
            )
        )
    return hits
