"""Weighted reciprocal rank fusion and the merge of several banks by rank."""

from __future__ import annotations

import pytest

from astrocyte.pipeline.fusion import fuse, merge_banks
from astrocyte.pipeline.records import MemoryRecord
from astrocyte.types import MemoryHit


def record(memory_id: str) -> MemoryRecord:
    return MemoryRecord(memory_id=memory_id, text=memory_id, tags=None, metadata=None)


def test_scores_are_weighted_sums_of_reciprocal_ranks() -> None:
    fused = fuse([("semantic", 1.0, [record("a"), record("b")]), ("keyword", 2.0, [record("b"), record("c")])], k=60)
    assert [entry.record.memory_id for entry in fused] == ["b", "c", "a"]
    scores = {entry.record.memory_id: entry.score for entry in fused}
    assert scores["b"] == pytest.approx(1 / 62 + 2 / 61)
    assert scores["c"] == pytest.approx(2 / 62)
    assert scores["a"] == pytest.approx(1 / 61)
    assert fused[0].ranks == {"semantic": 2, "keyword": 1}


def test_ties_break_on_best_rank_then_id() -> None:
    fused = fuse([("semantic", 1.0, [record("z"), record("y")]), ("keyword", 1.0, [record("x"), record("z")])], k=1)
    assert [entry.record.memory_id for entry in fused] == ["z", "x", "y"]
    tied = fuse([("semantic", 1.0, [record("b")]), ("keyword", 1.0, [record("a")])], k=60)
    assert [entry.record.memory_id for entry in tied] == ["a", "b"]


def test_banks_interleave_by_rank() -> None:
    first = [MemoryHit(text=f"a{index}", score=0.9, bank_id="a") for index in range(3)]
    second = [MemoryHit(text=f"b{index}", score=0.1, bank_id="b") for index in range(1)]
    merged = merge_banks([first, second], k=60)
    assert [hit.text for hit in merged] == ["a0", "b0", "a1", "a2"]
    assert [hit.score for hit in merged] == [1 / 61, 1 / 61, 1 / 62, 1 / 63]
