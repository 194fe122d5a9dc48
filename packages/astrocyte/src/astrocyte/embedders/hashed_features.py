"""The hashes of the hashing embedder's features, each computed once while it stays cached.

A feature's hash is 8 bytes of BLAKE2b of its text (``w:word``, ``t:<trigram>``, ``b:first second``),
which numpy reads as a little-endian 64-bit integer. Hashing is most of an embedding's cost, and
texts keep repeating the same words, the same trigrams across different words and many of the
same word pairs, so each is hashed once and remembered:

- every distinct word gets a number (its row) and its features' hashes, its own then its
  trigrams' in order, in one flat array: a batch maps its words to rows in one pass of dictionary
  lookups, and numpy expands the rows into their features;
- a trigram's hash is kept apart, as new words mostly reuse trigrams already seen;
- a word pair is keyed by the rows of its two words (one integer), computed by numpy for the whole
  batch, so a pair already seen costs one dictionary lookup and no string.

The caches are shared by every embedder of the process (a word hashes the same for any dimension
count) and guarded by a lock, as recall may embed queries from other threads. Each is emptied when
it reaches ``CACHE_LIMIT`` entries (the words with the pairs, whose keys name word rows), which
bounds the memory of a long import; the hashes do not depend on what is cached.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Generic, TypeVar, cast

import numpy as np
import numpy.typing as npt

#: Entries a cache holds before it is emptied (a batch may go past it by its own new entries).
CACHE_LIMIT = 262_144

Rows = npt.NDArray[np.int64]
Hashes = npt.NDArray[np.uint64]


def feature_hash(feature: str) -> bytes:
    """A feature's hash: 8 bytes of BLAKE2b."""
    return hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()


Item = TypeVar("Item", bound=np.generic)


class _Grown(Generic[Item]):
    """A numpy array that grows by doubling, for appending rows a batch at a time."""

    def __init__(self, dtype: type[Item]) -> None:
        self.values: npt.NDArray[Item] = np.empty(1024, dtype=dtype)
        self.size = 0

    def append(self, values: npt.ArrayLike) -> None:
        added = np.asarray(values, dtype=self.values.dtype)
        needed = self.size + len(added)
        if needed > len(self.values):
            grown = np.empty(max(needed, 2 * len(self.values)), dtype=self.values.dtype)
            grown[: self.size] = self.values[: self.size]
            self.values = grown
        self.values[self.size : needed] = added
        self.size = needed


class FeatureHashes:
    """The caches, and the lookups a batch of tokens makes in them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self._rows: dict[str, int] = {}  # word -> its row
        self._words: list[str] = []  # row -> word
        self._trigrams: dict[str, bytes] = {}
        self._pairs: dict[int, bytes] = {}  # rows of both words (first << 32 | second) -> hash
        self._hashes = _Grown(np.uint64)  # every word's features' hashes, a word's own first
        self._starts = _Grown(np.int64)  # row -> where its features start in _hashes
        self._lengths = _Grown(np.int64)  # row -> how many features it has

    def make_room(self) -> None:
        """Empty the caches that are full; call before a batch, with the lock held."""
        if len(self._rows) >= CACHE_LIMIT:
            self.clear()
        if len(self._trigrams) >= CACHE_LIMIT:
            self._trigrams = {}
        if len(self._pairs) >= CACHE_LIMIT:
            self._pairs = {}

    def word_rows(self, tokens: list[str]) -> Rows:
        """The row of each token, hashing the features of words not seen before (numbered in order
        of first appearance)."""
        rows = self._rows
        found = list(map(rows.get, tokens))
        if None in found:
            new: list[str] = []
            for at, row in enumerate(found):
                if row is None:
                    token = tokens[at]
                    row = found[at] = rows.get(token)
                    if row is None:
                        found[at] = rows[token] = len(rows)
                        new.append(token)
            self._add_words(new)
        return np.array(found, dtype=np.int64)

    def _add_words(self, new: list[str]) -> None:
        """Number ``new`` words and store their features' hashes: the word's own, then its trigrams'."""
        padded = [f"<{word}>" for word in new]
        trigrams = [word[start : start + 3] for word in padded for start in range(len(word) - 2)]
        trigram_hashes = list(map(self._trigrams.get, trigrams))
        if None in trigram_hashes:
            cache = self._trigrams
            for at, hashed in enumerate(trigram_hashes):
                if hashed is None:
                    trigram = trigrams[at]
                    trigram_hashes[at] = cache.get(trigram) or cache.setdefault(trigram, feature_hash(f"t:{trigram}"))
        lengths = np.fromiter(map(len, new), dtype=np.int64, count=len(new)) + 1  # own feature and trigrams
        starts = np.cumsum(lengths) - lengths
        hashes = np.empty(int(lengths.sum()), dtype=np.uint64)
        own = np.zeros(len(hashes), dtype=np.bool_)
        own[starts] = True
        hashes[own] = np.frombuffer(b"".join([feature_hash(f"w:{word}") for word in new]), dtype="<u8")
        hashes[~own] = np.frombuffer(b"".join(cast(list[bytes], trigram_hashes)), dtype="<u8")
        self._words += new
        self._starts.append(self._hashes.size + starts)
        self._lengths.append(lengths)
        self._hashes.append(hashes)

    def word_features(self, rows: Rows) -> tuple[Hashes, Rows]:
        """The hashes of every feature of the words at ``rows``, word after word, and how many each has."""
        lengths = self._lengths.values[rows]
        firsts = self._starts.values[rows]
        out_firsts = np.cumsum(lengths) - lengths
        index = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(out_firsts - firsts, lengths)
        hashes: Hashes = self._hashes.values[index]
        return hashes, lengths

    def pair_hashes(self, first: Rows, second: Rows) -> Hashes:
        """The hashes of the word pairs ``(first[i], second[i])``, given as rows."""
        pairs = self._pairs
        keys = ((first << 32) | second).tolist()
        found = list(map(pairs.get, keys))
        if None in found:
            words, blake2b = self._words, hashlib.blake2b
            missing = [key for key, hashed in zip(keys, found, strict=True) if hashed is None]
            texts = [f"b:{words[key >> 32]} {words[key & 0xFFFFFFFF]}".encode() for key in missing]
            # feature_hash inlined: most pairs of a new text are new, and a call per pair costs more than its hash
            pairs.update(zip(missing, [blake2b(text, digest_size=8).digest() for text in texts], strict=True))
            found = list(map(pairs.get, keys))
        return np.frombuffer(b"".join(cast(list[bytes], found)), dtype="<u8")


#: The caches every embedder of the process shares.
HASHES = FeatureHashes()


def forget_hashed_features() -> None:
    """Empty the caches of hashed features: a benchmark timing two users of the embedder one after
    the other starts each from the same state."""
    with HASHES.lock:
        HASHES.clear()
