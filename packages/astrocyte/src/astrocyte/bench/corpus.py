"""A synthetic memory corpus for throughput and latency benchmarks.

Sentences are drawn from a Zipf-distributed vocabulary (a few words frequent, most rare, as in
real text) around a small set of names and places, so keyword search has realistic posting-list
lengths and the hashing embedder sees varied vectors. Deterministic for a given seed, so two runs
measure the same work.
"""

from __future__ import annotations

import numpy as np

_NAMES = ("Alice", "Bob", "Carmen", "Deepak", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas")
_PLACES = ("Lisbon", "Osaka", "Denver", "Nairobi", "Oslo", "Quito", "Hanoi", "Perth", "Tunis", "Cork")
_SYLLABLES = ("ka", "lo", "mi", "ra", "ten", "su", "vo", "ne", "pa", "dri", "gu", "sel", "mor", "ti", "bax")


def vocabulary(size: int, seed: int = 11) -> list[str]:
    """``size`` distinct made-up words of two to four syllables."""
    generator = np.random.default_rng(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        syllables = generator.choice(_SYLLABLES, size=int(generator.integers(2, 5)))
        words["".join(syllables)] = None
    return list(words)


def sentences(count: int, seed: int = 7, vocabulary_size: int = 20_000) -> list[str]:
    """``count`` sentences of 8-20 words: a name, a place and Zipf-distributed vocabulary."""
    generator = np.random.default_rng(seed)
    words = np.array(vocabulary(vocabulary_size, seed + 1))
    ranks = np.arange(1, len(words) + 1)
    weights = 1.0 / ranks
    weights /= weights.sum()
    lengths = generator.integers(8, 21, size=count)
    drawn = generator.choice(len(words), size=int(lengths.sum()), p=weights)
    names = generator.choice(_NAMES, size=count)
    places = generator.choice(_PLACES, size=count)
    texts = []
    start = 0
    for index, length in enumerate(lengths):
        body = " ".join(words[drawn[start : start + length]])
        start += length
        texts.append(f"{names[index]} in {places[index]}: {body}.")
    return texts


def queries(count: int, seed: int = 23) -> list[str]:
    """Short questions in the corpus's vocabulary (drawn from the same distribution)."""
    return [" ".join(text.split()[:6]).rstrip(".:") for text in sentences(count, seed=seed)]
