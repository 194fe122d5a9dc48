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
from astrocyte.vectors import normalise_rows

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
    """The search legs over one set of adapters, built once and queried many times."""

    def __init__(self, adapters: list[StoredAdapter]) -> None:
        self.adapters = adapters
        count = len(adapters)
        dimensions = len(adapters[0].vectors.title) if adapters else 0
        self._titles = _unit([adapter.vectors.title for adapter in adapters], dimensions)
        self._texts = _unit([adapter.vectors.text for adapter in adapters], dimensions)
        owners = [index for index, adapter in enumerate(adapters) for _ in adapter.vectors.patterns]
        self._pattern_owner = np.asarray(owners, dtype=np.intp)
        self._patterns = _unit([vector for adapter in adapters for vector in adapter.vectors.patterns], dimensions)
        self._terms = [Counter(_lexical(adapter)) for adapter in adapters]
        self._lengths = np.asarray([sum(terms.values()) for terms in self._terms], dtype=np.float64)
        self._average_length = max(float(self._lengths.mean()), 1.0) if count else 1.0
        self._document_frequency: Counter[str] = Counter()
        for terms in self._terms:
            self._document_frequency.update(terms.keys())

    def legs(self, query: str, query_vector: list[float]) -> tuple[dict[str, npt.NDArray[np.float64]], dict[int, int]]:
        """Each leg's raw score per adapter (cosines; BM25 for ``keywords``) and each adapter's best pattern."""
        unit_query = normalise_rows(np.asarray([query_vector], dtype=np.float32))[0]
        patterns, best_pattern = self._best_pattern(unit_query)
        legs = {
            "patterns": patterns,
            "title": (self._titles @ unit_query).astype(np.float64),
            "text": (self._texts @ unit_query).astype(np.float64),
            "keywords": self.keyword_scores(keyword_terms(query)),
        }
        return legs, best_pattern

    def rank(self, query: str, query_vector: list[float], limit: int, threshold: float) -> list[Ranked]:
        """The best ``limit`` adapters scoring at least ``threshold``, best first."""
        if not self.adapters:
            return []
        legs, best_pattern = self.legs(query, query_vector)
        fused = np.zeros(len(self.adapters), dtype=np.float64)
        for name, scores in legs.items():
            eligible = np.flatnonzero(scores > 0 if name == "keywords" else scores >= DENSE_FLOOR)
            order = eligible[np.argsort(-scores[eligible], kind="stable")]
            fused[order] += WEIGHTS[name] / (RRF_K + np.arange(1, len(order) + 1))
        folded = normalise_title(query)
        boosts = np.asarray([self._boost(adapter, folded) for adapter in self.adapters])
        final = np.minimum(fused / _MAX_FUSED + boosts, 1.0)
        ranked = np.argsort(-final, kind="stable")
        return [
            Ranked(
                self.adapters[index], round(float(final[index]), 4), self._reasons(index, legs, best_pattern, folded)
            )
            for index in ranked[:limit]
            if final[index] >= threshold and final[index] > 0
        ]

    def _best_pattern(self, unit_query: Floats) -> tuple[npt.NDArray[np.float64], dict[int, int]]:
        """Each adapter's best pattern cosine, and which of its patterns that was."""
        best = np.zeros(len(self.adapters), dtype=np.float64)
        which: dict[int, int] = {}
        if len(self._pattern_owner):
            scores = (self._patterns @ unit_query).astype(np.float64)
            np.maximum.at(best, self._pattern_owner, scores)
            first_row = 0
            for index, adapter in enumerate(self.adapters):
                count = len(adapter.vectors.patterns)
                if count:
                    which[index] = int(np.argmax(scores[first_row : first_row + count]))
                first_row += count
        return best, which

    def keyword_scores(self, terms: list[str]) -> npt.NDArray[np.float64]:
        """Okapi BM25 of every adapter for ``terms`` (IDF over this set of adapters)."""
        scores = np.zeros(len(self.adapters), dtype=np.float64)
        norms = K1 * (1 - B + B * self._lengths / self._average_length)
        for term in set(terms):
            containing = self._document_frequency.get(term, 0)
            if not containing:
                continue
            weight = idf(len(self.adapters), containing)
            frequencies = np.asarray([document.get(term, 0) for document in self._terms], dtype=np.float64)
            scores += weight * frequencies * (K1 + 1) / (frequencies + norms)
        return scores

    def _boost(self, adapter: StoredAdapter, folded_query: str) -> float:
        boost = TITLE_BOOST if normalise_title(adapter.title) == folded_query else 0.0
        if any(normalise_title(pattern) == folded_query for pattern in adapter.activation_patterns):
            boost += PATTERN_BOOST
        return boost + outcome_boost(adapter.successes, adapter.failures)

    def _reasons(
        self, index: int, legs: dict[str, npt.NDArray[np.float64]], best_pattern: dict[int, int], folded_query: str
    ) -> list[str]:
        adapter = self.adapters[index]
        reasons = []
        if normalise_title(adapter.title) == folded_query:
            reasons.append("the query is the title")
        if legs["patterns"][index] >= DENSE_FLOOR and index in best_pattern:
            pattern = adapter.activation_patterns[best_pattern[index]]
            reasons.append(f"activation pattern '{pattern}' ({legs['patterns'][index]:.2f})")
        for leg in ("title", "text"):
            if legs[leg][index] >= DENSE_FLOOR:
                reasons.append(f"{leg} similarity {legs[leg][index]:.2f}")
        if legs["keywords"][index] > 0:
            shared = sorted(set(keyword_terms(folded_query)) & set(self._terms[index]))
            reasons.append("keywords: " + ", ".join(shared))
        if outcome_boost(adapter.successes, adapter.failures) > 0:
            runs = adapter.successes + adapter.failures
            reasons.append(f"{adapter.successes} of {runs} runs succeeded")
        return reasons


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
