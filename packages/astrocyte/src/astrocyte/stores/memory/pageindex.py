"""The in-memory :class:`~astrocyte.spi.PageIndexStore`: documents as section trees, searched per section.

Trees are checked whole before they replace anything, so a bad tree never leaves a half-written
document behind. The tree rules (beyond the SPI's parents, cycles and unique keys):

- ``depth`` is validated, not computed: a root has depth 0 and every other section its parent's
  depth + 1. A caller that sends depths means them, so a disagreement is a bug to report, not
  something to paper over.
- All ``summary_embedding`` vectors of a bank share one dimension, and ``query_embedding`` must
  have it too, because cosine similarity across dimensions is meaningless.

Search scores each section as follows. The keyword part is Okapi BM25 of the distinct query words
(:func:`astrocyte.text.words`) against the section's title + summary, with the parameters of
:mod:`astrocyte.stores.memory._bm25` and with each word's frequency and the average length counted
over the sections searched (the bank, or the one document asked for). It is squashed into [0, 1)
as ``bm25 / (bm25 + 1)``, a fixed map that does not depend on which other sections matched.
Without ``query_embedding`` the score is that keyword part. With it, ::

    score = 0.5 * keyword + 0.5 * cosine

where ``cosine`` is the clamped cosine similarity of the query embedding with the section's
``summary_embedding`` (0 for a section without one), so a section can be found by meaning alone.
Sections scoring 0 are not returned. Everything a search needs per section (word postings,
lengths, unit-length embeddings) is prepared when the tree is saved, and scoring runs in numpy.
"""

from __future__ import annotations

import copy
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from astrocyte.errors import ValidationError
from astrocyte.stores.memory._banks import DocumentBanks
from astrocyte.stores.memory._bm25 import K1, B
from astrocyte.text import words
from astrocyte.types import HealthStatus, PageIndexDocument, PageIndexSection, PageIndexSectionHit
from astrocyte.validation import check_id, check_positive_int, check_vector
from astrocyte.vectors import FloatMatrix, as_matrix, cosine_scores, normalise_rows, top_k

_KEYWORD_WEIGHT = 0.5

Positions = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]


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
        counts = [Counter(words(f"{section.title} {section.summary}")) for section in ordered]
        gathered: defaultdict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for position, section_counts in enumerate(counts):
            for word, count in section_counts.items():
                gathered[word][0].append(position)
                gathered[word][1].append(float(count))
        embedded = [position for position, section in enumerate(ordered) if section.summary_embedding is not None]
        vectors = [ordered[position].summary_embedding or [] for position in embedded]
        dimensions = len(vectors[0]) if vectors else 0
        return cls(
            sections=ordered,
            postings={word: (np.asarray(at, dtype=np.intp), np.asarray(n)) for word, (at, n) in gathered.items()},
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
        _check_tree(document_id, sections)
        _check_dimensions(sections, bank.embedding_dimensions(excluding=document_id))
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
        check_positive_int(top_k, "top_k")
        if not isinstance(query, str):
            raise ValidationError("query", f"must be a string, got {type(query).__name__}")
        if query_embedding is not None:
            _check_query_embedding(query_embedding, bank.embedding_dimensions())
        if document_id is not None:
            check_id(document_id, "document_id")
        names = [name for name in sorted(bank.trees) if document_id in (None, name)]
        trees = [bank.trees[name] for name in names]
        scores = _score(trees, set(words(query)), query_embedding)
        return _best_hits(names, trees, scores, top_k)

    async def delete_bank(self, bank_id: str) -> int:
        return self._banks.drop_documents(bank_id)

    async def health(self) -> HealthStatus:
        return self._banks.health("page-index store")


# ---------------------------------------------------------------------------------- tree checks


def _check_tree(document_id: str, sections: Sequence[PageIndexSection]) -> None:
    """Raise ``ValidationError`` naming the first section that breaks a tree rule."""
    position_of: dict[str, int] = {}
    line_nums: set[int] = set()
    for index, section in enumerate(sections):
        if section.document_id != document_id:
            raise ValidationError(
                f"sections[{index}].document_id",
                f"is {section.document_id!r}, but these sections are being saved for {document_id!r}",
            )
        if section.line_num in line_nums:
            raise ValidationError(f"sections[{index}].line_num", f"{section.line_num} is used by an earlier section")
        if section.node_id in position_of:
            raise ValidationError(f"sections[{index}].node_id", f"{section.node_id!r} is used by an earlier section")
        line_nums.add(section.line_num)
        position_of[section.node_id] = index
    for index, section in enumerate(sections):
        if section.parent_node is not None and section.parent_node not in position_of:
            raise ValidationError(
                f"sections[{index}].parent_node", f"{section.parent_node!r} is no node_id of this call"
            )
    for index, (section, depth) in enumerate(zip(sections, _depths(sections, position_of), strict=True)):
        if section.depth != depth:
            raise ValidationError(
                f"sections[{index}].depth",
                f"is {section.depth}, but the section has {depth} ancestors (a root is 0, a child its parent's + 1)",
            )


def _depths(sections: Sequence[PageIndexSection], position_of: dict[str, int]) -> list[int]:
    """Each section's number of ancestors; a chain of parents that loops raises ``ValidationError``."""
    depths: dict[int, int] = {}
    for start in range(len(sections)):
        chain: list[int] = []
        on_chain: set[int] = set()
        current: int | None = start
        while current is not None and current not in depths:
            if current in on_chain:
                raise ValidationError(
                    f"sections[{current}].parent_node", "closes a cycle; every chain of parents must end at a root"
                )
            chain.append(current)
            on_chain.add(current)
            parent = sections[current].parent_node
            current = None if parent is None else position_of[parent]
        depth = -1 if current is None else depths[current]
        for position in reversed(chain):
            depth += 1
            depths[position] = depth
    return [depths[position] for position in range(len(sections))]


def _check_dimensions(sections: Sequence[PageIndexSection], bank_dimensions: int | None) -> None:
    """Every embedding of the call has the dimension of the bank's other embeddings (or of the first)."""
    expected = bank_dimensions
    for index, section in enumerate(sections):
        if section.summary_embedding is None:
            continue
        if not section.summary_embedding:
            raise ValidationError(f"sections[{index}].summary_embedding", "must have at least one dimension")
        expected = expected or len(section.summary_embedding)
        if len(section.summary_embedding) != expected:
            raise ValidationError(
                f"sections[{index}].summary_embedding",
                f"has {len(section.summary_embedding)} dimensions; this bank's embeddings have {expected}",
            )


def _check_query_embedding(query_embedding: list[float], bank_dimensions: int | None) -> None:
    check_vector(query_embedding, "query_embedding")
    if bank_dimensions is not None and len(query_embedding) != bank_dimensions:
        raise ValidationError(
            "query_embedding",
            f"has {len(query_embedding)} dimensions; this bank's section embeddings have {bank_dimensions}",
        )


# ---------------------------------------------------------------------------------- scoring


def _score(trees: Sequence[_Tree], query_words: set[str], query_embedding: list[float] | None) -> list[Floats]:
    """Each tree's section scores, as described in the module docstring."""
    section_count = sum(len(tree.sections) for tree in trees)
    if section_count == 0:
        return []
    average_length = sum(float(tree.lengths.sum()) for tree in trees) / section_count
    weights: dict[str, float] = {}
    for word in query_words:
        frequency = sum(len(tree.postings[word][0]) for tree in trees if word in tree.postings)
        if frequency:
            weights[word] = math.log(1 + (section_count - frequency + 0.5) / (frequency + 0.5))
    scores: list[Floats] = []
    for tree in trees:
        bm25 = np.zeros(len(tree.sections))
        for word, weight in weights.items():
            if word not in tree.postings:
                continue
            positions, counts = tree.postings[word]
            norm = K1 * (1 - B + B * tree.lengths[positions] / average_length)
            bm25[positions] += weight * counts * (K1 + 1) / (counts + norm)
        keyword = bm25 / (bm25 + 1)
        if query_embedding is None:
            scores.append(keyword)
            continue
        cosine = np.zeros(len(tree.sections))
        if len(tree.embedded):
            cosine[tree.embedded] = cosine_scores(tree.unit_embeddings, query_embedding)
        scores.append(_KEYWORD_WEIGHT * keyword + (1 - _KEYWORD_WEIGHT) * cosine)
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
