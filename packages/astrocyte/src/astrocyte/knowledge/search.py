"""The hybrid ranking behind ``activate``: four search legs over adapter heads, fused by weighted RRF.

Legs, each ranking the adapters it finds relevant at all:

==============  ========================================================  ======
leg             signal                                                    weight
==============  ========================================================  ======
``patterns``    best cosine of the query with any activation pattern      3.0
``title``       cosine with the title                                     0.5
``text``        cosine with the head text (title, summary, steps)         0.5
``keywords``    Okapi BM25 with IDF over title, patterns and step text    1.0
==============  ========================================================  ======

A dense leg keeps adapters with cosine >= :data:`DENSE_FLOOR`; the keyword leg those with a
positive score. Reciprocal rank fusion adds ``weight / (RRF_K + rank)`` per leg (rank from 1),
with ``RRF_K`` = 5. Patterns weigh most because they are the author's own words for when the
adapter applies. The weights and ``RRF_K`` were chosen on the corpus of ``astrocyte bench
knowledge`` (a grid over weights 0.25-3 and k 1-60; every setting with patterns >= 2 and k <= 5 was
within two points of the chosen one there), so they fit procedures written like that corpus.

**Score scale.** The fused sum is divided by its maximum (first in every leg), so 1.0 means "first
everywhere" and 0 "found by no leg". Boosts are then added: :data:`TITLE_BOOST` when the query is
the title, :data:`PATTERN_BOOST` when it is one of the patterns (both compared normalised), and up
to :data:`OUTCOME_BOOST_MAX` for adapters whose runs mostly succeeded (after
:data:`MIN_RUNS_FOR_BOOST` rewarded runs, full at 10). The result is capped at 1.0. ``activate``
drops choices below ``knowledge.activate_threshold`` (default 0.15: roughly "found by one strong
leg"). One choice per adapter: legs rank adapters, never layers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from astrocyte.bm25 import K1, B, idf
from astrocyte.knowledge.identity import normalise_title
from astrocyte.knowledge.records import StoredAdapter
from astrocyte.text import words
from astrocyte.vectors import normalise_rows, top_k

WEIGHTS = {"patterns": 3.0, "title": 0.5, "text": 0.5, "keywords": 1.0}
RRF_K = 5
DENSE_FLOOR = 0.15
TITLE_BOOST = 0.2
PATTERN_BOOST = 0.1
OUTCOME_BOOST_MAX = 0.05
MIN_RUNS_FOR_BOOST = 3
_FULL_CONFIDENCE_RUNS = 10
_MAX_FUSED = sum(weight / (RRF_K + 1) for weight in WEIGHTS.values())

#: Words too common to say anything about which procedure is meant.
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "do",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "should",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "why",
        "will",
        "with",
        "you",
        "your",
    }
)

Floats = npt.NDArray[np.float32]


def head_text(title: str, summary: str, layer_texts: list[tuple[str, str]]) -> str:
    """What the ``text`` vector embeds: title, summary and each step's title and text (the model reads
    only the first 256 word pieces, so the opening of the procedure counts most)."""
    parts = [title, summary] + [f"{step}: {text}" for step, text in layer_texts]
    return "\n".join(part for part in parts if part)


def keyword_terms(text: str) -> list[str]:
    return [word for word in words(text) if word not in STOP_WORDS]


def _lexical(adapter: StoredAdapter) -> list[str]:
    parts = [adapter.title, *adapter.activation_patterns, adapter.summary]
    parts += [f"{layer.title} {layer.text}" for layer in adapter.layers]
    return keyword_terms("\n".join(parts))


@dataclass(frozen=True)
class Ranked:
    """One choice: the adapter, its score on the documented scale and why it matched."""

    adapter: StoredAdapter
    score: float
    reasons: list[str]


class HybridIndex:
    """The search legs over one set of adapters, built once and queried many times.

    Everything a query needs per adapter is precomputed as arrays or lookups (pattern owners, BM25
    postings, exact-match tables, outcome boosts), so a query costs matrix products and work in
    proportion to its own terms, never a Python loop over the adapters.
    """

    def __init__(self, adapters: list[StoredAdapter]) -> None:
        self.adapters = adapters
        dimensions = len(adapters[0].vectors.title) if adapters else 0
        self._titles = _unit([adapter.vectors.title for adapter in adapters], dimensions)
        self._texts = _unit([adapter.vectors.text for adapter in adapters], dimensions)
        counts = [len(adapter.vectors.patterns) for adapter in adapters]
        self._pattern_owner = np.repeat(np.arange(len(adapters), dtype=np.intp), counts)
        self._pattern_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        self._patterns = _unit([vector for adapter in adapters for vector in adapter.vectors.patterns], dimensions)
        self._terms = [Counter(_lexical(adapter)) for adapter in adapters]
        lengths = np.asarray([sum(terms.values()) for terms in self._terms], dtype=np.float64)
        average = max(float(lengths.mean()), 1.0) if adapters else 1.0
        self._norms = K1 * (1 - B + B * lengths / average)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for row, terms in enumerate(self._terms):
            for term, frequency in terms.items():
                rows, frequencies = postings.setdefault(term, ([], []))
                rows.append(row)
                frequencies.append(frequency)
        self._postings = {
            term: (np.asarray(rows, dtype=np.intp), np.asarray(frequencies, dtype=np.float64))
            for term, (rows, frequencies) in postings.items()
        }
        self._base_boost = np.asarray(
            [outcome_boost(adapter.successes, adapter.failures) for adapter in adapters], dtype=np.float64
        )
        self._exact: dict[str, list[tuple[int, float]]] = {}
        for row, adapter in enumerate(adapters):
            self._exact.setdefault(normalise_title(adapter.title), []).append((row, TITLE_BOOST))
            for pattern in dict.fromkeys(normalise_title(pattern) for pattern in adapter.activation_patterns):
                self._exact.setdefault(pattern, []).append((row, PATTERN_BOOST))

    def legs(self, query: str, query_vector: list[float]) -> dict[str, npt.NDArray[np.float64]]:
        """Each leg's raw score per adapter: cosines, and BM25 for ``keywords``."""
        unit_query = _unit_query(query_vector)
        return {
            "patterns": self._best_pattern(unit_query),
            "title": (self._titles @ unit_query).astype(np.float64),
            "text": (self._texts @ unit_query).astype(np.float64),
            "keywords": self.keyword_scores(keyword_terms(query)),
        }

    def rank(self, query: str, query_vector: list[float], limit: int, threshold: float) -> list[Ranked]:
        """The best ``limit`` adapters scoring at least ``threshold``, best first."""
        if not self.adapters:
            return []
        legs = self.legs(query, query_vector)
        unit_query = _unit_query(query_vector)
        fused = np.zeros(len(self.adapters), dtype=np.float64)
        for name, scores in legs.items():
            eligible = np.flatnonzero(scores > 0 if name == "keywords" else scores >= DENSE_FLOOR)
            order = eligible[np.argsort(-scores[eligible], kind="stable")]
            fused[order] += WEIGHTS[name] / (RRF_K + np.arange(1, len(order) + 1))
        folded = normalise_title(query)
        boosts = self._base_boost.copy()
        for row, boost in self._exact.get(folded, []):
            boosts[row] += boost
        final = np.minimum(fused / _MAX_FUSED + boosts, 1.0)
        best = top_k(final, limit)
        return [
            Ranked(self.adapters[row], round(float(final[row]), 4), self._reasons(int(row), legs, unit_query, folded))
            for row in best
            if final[row] >= threshold and final[row] > 0
        ]

    def _best_pattern(self, unit_query: Floats) -> npt.NDArray[np.float64]:
        best = np.zeros(len(self.adapters), dtype=np.float64)
        if len(self._pattern_owner):
            np.maximum.at(best, self._pattern_owner, (self._patterns @ unit_query).astype(np.float64))
        return best

    def keyword_scores(self, terms: list[str]) -> npt.NDArray[np.float64]:
        """Okapi BM25 of every adapter for ``terms`` (IDF over this set of adapters)."""
        scores = np.zeros(len(self.adapters), dtype=np.float64)
        for term in set(terms):
            posting = self._postings.get(term)
            if posting is None:
                continue
            rows, frequencies = posting
            weight = idf(len(self.adapters), len(rows))
            scores[rows] += weight * frequencies * (K1 + 1) / (frequencies + self._norms[rows])
        return scores

    def _reasons(
        self, row: int, legs: dict[str, npt.NDArray[np.float64]], unit_query: Floats, folded_query: str
    ) -> list[str]:
        adapter = self.adapters[row]
        reasons = []
        if normalise_title(adapter.title) == folded_query:
            reasons.append("the query is the title")
        if legs["patterns"][row] >= DENSE_FLOOR:
            start, stop = self._pattern_start[row], self._pattern_start[row + 1]
            pattern = adapter.activation_patterns[int(np.argmax(self._patterns[start:stop] @ unit_query))]
            reasons.append(f"activation pattern '{pattern}' ({legs['patterns'][row]:.2f})")
        for leg in ("title", "text"):
            if legs[leg][row] >= DENSE_FLOOR:
                reasons.append(f"{leg} similarity {legs[leg][row]:.2f}")
        if legs["keywords"][row] > 0:
            shared = sorted(set(keyword_terms(folded_query)) & set(self._terms[row]))
            reasons.append("keywords: " + ", ".join(shared))
        if self._base_boost[row] > 0:
            runs = adapter.successes + adapter.failures
            reasons.append(f"{adapter.successes} of {runs} runs succeeded")
        return reasons


def _unit_query(query_vector: list[float]) -> Floats:
    unit: Floats = normalise_rows(np.asarray([query_vector], dtype=np.float32))[0]
    return unit


def outcome_boost(successes: int, failures: int) -> float:
    """Up to :data:`OUTCOME_BOOST_MAX` for a good record, nothing before :data:`MIN_RUNS_FOR_BOOST` runs."""
    runs = successes + failures
    if runs < MIN_RUNS_FOR_BOOST:
        return 0.0
    return OUTCOME_BOOST_MAX * (successes / runs) * min(runs / _FULL_CONFIDENCE_RUNS, 1.0)


def _unit(rows: list[list[float]], dimensions: int) -> Floats:
    if not rows:
        return np.zeros((0, dimensions), dtype=np.float32)
    return normalise_rows(np.asarray(rows, dtype=np.float32).reshape(len(rows), dimensions))


__all__ = ["HybridIndex", "Ranked", "head_text", "keyword_terms", "outcome_boost"]
