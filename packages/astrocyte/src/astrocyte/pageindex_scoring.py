"""How a page-index section scores against a query: one definition for every store that ships with the core.

The keyword part is Okapi BM25 of the distinct query words (:func:`astrocyte.text.words`) against
the section's title + summary, with the parameters and inverse document frequency of
:mod:`astrocyte.bm25`, each word's frequency and the average length being counted over the
sections searched (the bank, or the one document asked for). It is squashed into [0, 1) as
``bm25 / (bm25 + 1)``, a fixed map that does not depend on which other sections matched.
Without ``query_embedding`` the score is that keyword part. With it, ::

    score = 0.5 * keyword + 0.5 * cosine

where ``cosine`` is the clamped cosine similarity of the query embedding with the section's
``summary_embedding`` (0 for a section without one), so a section can be found by meaning alone.
Sections scoring 0 are not returned.

The statistics come from wherever a store keeps them (precomputed postings in memory, a term table
in SQLite); these functions only turn them into scores, vectorised over the sections a store
hands in, so two stores holding the same sections give the same scores.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from astrocyte.bm25 import K1, B, idf
from astrocyte.errors import ValidationError
from astrocyte.pageindex_tree import check_query_embedding
from astrocyte.text import words
from astrocyte.types import PageIndexSection
from astrocyte.validation import check_id, check_positive_int

KEYWORD_WEIGHT = 0.5

Positions = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]
#: word -> (positions of the sections containing it, how often it occurs in each)
Postings = Mapping[str, tuple[Positions, Floats]]


def section_terms(section: PageIndexSection) -> Counter[str]:
    """The words a section is found by (its title and summary), with how often each occurs."""
    return Counter(words(f"{section.title} {section.summary}"))


def gather_postings(occurrences: Iterable[tuple[str, int, float]]) -> dict[str, tuple[Positions, Floats]]:
    """Postings from ``(word, section position, occurrences)`` triples, each pair of word and section once."""
    gathered: defaultdict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
    for word, position, count in occurrences:
        gathered[word][0].append(position)
        gathered[word][1].append(count)
    return {
        word: (np.asarray(at, dtype=np.intp), np.asarray(n, dtype=np.float64)) for word, (at, n) in gathered.items()
    }


def checked_search(
    query: object,
    top_k: int,
    query_embedding: list[float] | None,
    document_id: str | None,
    bank_dimensions: Callable[[], int | None],
) -> set[str]:
    """Check a search's arguments and return the query's distinct words.

    ``query`` may be any string (it is never parsed as syntax); ``bank_dimensions`` gives the
    dimension of the bank's section embeddings, asked only when there is a query embedding.
    """
    check_positive_int(top_k, "top_k")
    if not isinstance(query, str):
        raise ValidationError("query", f"must be a string, got {type(query).__name__}")
    if query_embedding is not None:
        check_query_embedding(query_embedding, bank_dimensions())
    if document_id is not None:
        check_id(document_id, "document_id")
    return set(words(query))


def idf_weights(section_count: int, frequencies: Mapping[str, int]) -> dict[str, float]:
    """The inverse document frequency of each word found in ``frequencies[word]`` of ``section_count`` sections.

    Words in no section are left out. Words come out sorted, so every store adds their contributions
    in one order and gets the same floating-point sums.
    """
    return {word: idf(section_count, frequencies[word]) for word in sorted(frequencies) if frequencies[word]}


def keyword_scores(lengths: Floats, postings: Postings, weights: Mapping[str, float], average_length: float) -> Floats:
    """The squashed BM25 of each section; ``lengths`` are their word counts, ``postings`` index into them."""
    bm25 = np.zeros(len(lengths))
    for word, weight in weights.items():
        if word not in postings:
            continue
        positions, counts = postings[word]
        norm = K1 * (1 - B + B * lengths[positions] / average_length)
        bm25[positions] += weight * counts * (K1 + 1) / (counts + norm)
    squashed: Floats = bm25 / (bm25 + 1)
    return squashed


def posting_keyword_scores(
    postings: Iterable[Sequence[Any]],
    position_of: Mapping[tuple[str, int], int],
    section_count: int,
    average_length: float,
) -> Floats:
    """The keyword part of the score of each candidate section, from postings rows read out of a database.

    Each row is ``(word, document_id, line_num, count, word_count)``: how often ``word`` occurs in
    the section at ``position_of[(document_id, line_num)]``, and how many words that section has.
    """
    lengths = np.zeros(len(position_of))
    occurrences = []
    for word, document_id, line_num, count, word_count in postings:
        position = position_of[(document_id, line_num)]
        lengths[position] = word_count
        occurrences.append((word, position, float(count)))
    indexed = gather_postings(occurrences)
    weights = idf_weights(section_count, {word: len(positions) for word, (positions, _) in indexed.items()})
    return keyword_scores(lengths, indexed, weights, average_length)


def blended(keyword: Floats, cosine: Floats | None) -> Floats:
    """The final score: the keyword part alone, or blended with cosine similarity when a query embedding was given."""
    if cosine is None:
        return keyword
    score: Floats = KEYWORD_WEIGHT * keyword + (1 - KEYWORD_WEIGHT) * cosine
    return score
