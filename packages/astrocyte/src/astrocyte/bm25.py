"""Okapi BM25's parameters and inverse document frequency, for every keyword ranking the core computes itself.

The in-memory document store and both page-index stores rank with these, so a word weighs the
same wherever the core scores it. The inverse document frequency is the non-negative variant
``ln(1 + (N - n + 0.5) / (n + 0.5))`` (as in Lucene), so every match scores above zero and a word
found everywhere still counts.
"""

from __future__ import annotations

import math

K1 = 1.2
B = 0.75


def idf(total: int, containing: int) -> float:
    """The inverse document frequency of a word found in ``containing`` of ``total`` documents."""
    return math.log(1 + (total - containing + 0.5) / (containing + 0.5))
