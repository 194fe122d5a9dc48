"""Okapi BM25 over one bank: an inverted index whose scoring is vectorised with numpy.

Statistics (document count, average length, document frequencies) are per bank, because a bank is
the unit of search: one bank's vocabulary must not change another bank's ranking. The inverse
document frequency and the parameters are those of :mod:`astrocyte.bm25`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from astrocyte.bm25 import K1, B, idf
from astrocyte.stores.memory._rows import RowIndex, with_capacity

Scores = npt.NDArray[np.float64]


class Bm25Index:
    """Term postings and document lengths of one bank, keyed by document id."""

    def __init__(self) -> None:
        self.index = RowIndex()
        self._lengths: npt.NDArray[np.float64] = np.empty(0, dtype=np.float64)
        self._terms: list[Counter[str]] = []
        self._postings: dict[str, dict[int, int]] = {}
        self._total_length = 0

    def __len__(self) -> int:
        return len(self.index)

    def add(self, document_id: str, words: list[str]) -> None:
        """Index a document's words; a document already indexed under that id is replaced."""
        self.remove(document_id)
        row = len(self.index)
        self._lengths = with_capacity(self._lengths, row + 1, row)
        self.index.add(document_id)
        terms = Counter(words)
        self._terms.append(terms)
        self._lengths[row] = len(words)
        self._total_length += len(words)
        for term, frequency in terms.items():
            self._postings.setdefault(term, {})[row] = frequency

    def remove(self, document_id: str) -> bool:
        if document_id not in self.index:
            return False
        hole, last = self.index.remove(document_id)
        self._total_length -= int(self._lengths[hole])
        for term in self._terms[hole]:
            postings = self._postings[term]
            del postings[hole]
            if not postings:
                del self._postings[term]
        if hole != last:
            moved = self._terms[last]
            for term, frequency in moved.items():
                postings = self._postings[term]
                del postings[last]
                postings[hole] = frequency
            self._terms[hole] = moved
            self._lengths[hole] = self._lengths[last]
        self._terms.pop()
        return True

    def scores(self, query_terms: Iterable[str]) -> Scores:
        """The BM25 score of every row for ``query_terms`` (each distinct term once); 0 = no match."""
        size = len(self.index)
        scores = np.zeros(size, dtype=np.float64)
        if not size:
            return scores
        average_length = max(self._total_length / size, 1.0)
        length_norm = K1 * (1 - B + B * self._lengths[:size] / average_length)
        for term in set(query_terms):
            postings = self._postings.get(term)
            if not postings:
                continue
            rows = np.fromiter(postings.keys(), dtype=np.intp, count=len(postings))
            frequencies = np.fromiter(postings.values(), dtype=np.float64, count=len(postings))
            weight = idf(size, len(postings))
            scores[rows] += weight * frequencies * (K1 + 1) / (frequencies + length_norm[rows])
        return scores
