"""Weighted reciprocal rank fusion, within a bank and across banks.

Within a bank every strategy ranks its candidates; a memory scores ``sum(weight_s / (k + rank_s))``
over the strategies that found it (ranks from 1, ``k`` = ``engine.recall.rrf_k``, 60 by default).
Ranks, not the strategies' raw scores, are combined because cosine similarities, BM25 scores and
graph depths are on unrelated scales. Ties go to the memory with the better best rank, then the
smaller id, so the order is deterministic.

Across banks the same reasoning applies: each bank's fused list is ranked, and the lists merge by
rank (every bank's first, then every bank's second, ... in the order the banks were given), each hit
scoring ``1 / (k + rank in its bank)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from astrocyte.pipeline.records import MemoryRecord
from astrocyte.types import MemoryHit


@dataclass
class Fused:
    """A memory after fusion: its record, fused score and the rank each strategy gave it."""

    record: MemoryRecord
    score: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)


def fuse(rankings: Sequence[tuple[str, float, Sequence[MemoryRecord]]], k: int) -> list[Fused]:
    """Fuse ``(strategy, weight, records best first)`` rankings into one list, best first."""
    fused: dict[str, Fused] = {}
    for strategy, weight, records in rankings:
        for rank, record in enumerate(records, start=1):
            entry = fused.setdefault(record.memory_id, Fused(record))
            if strategy not in entry.ranks:
                entry.ranks[strategy] = rank
                entry.score += weight / (k + rank)
    return sorted(fused.values(), key=lambda entry: (-entry.score, min(entry.ranks.values()), entry.record.memory_id))


def merge_banks(rankings: Sequence[Sequence[MemoryHit]], k: int) -> list[MemoryHit]:
    """Interleave per-bank rankings by rank; each hit's score becomes ``1 / (k + its rank)``."""
    longest = max((len(ranking) for ranking in rankings), default=0)
    return [
        replace(ranking[position], score=1.0 / (k + position + 1))
        for position in range(longest)
        for ranking in rankings
        if position < len(ranking)
    ]
