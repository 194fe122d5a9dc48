"""The recall-quality levers kept after measurement on LoCoMo dev (docs/benchmarks.md): contextual
vectors, query analysis, score fusion with entity, time and neighbour features."""

from __future__ import annotations

import numpy as np
import pytest

from astrocyte.config import RecallSettings
from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.pipeline.context_vectors import contextualise
from astrocyte.pipeline.query_analysis import QueryAnalysis, mentions_time
from astrocyte.pipeline.records import SEQUENCE, MemoryRecord
from astrocyte.pipeline.rerank import score_fuse
from astrocyte.pipeline.strategies import KEYWORD, SEMANTIC, Leg
from astrocyte.types import MemoryInput


def test_contextual_vectors_lean_towards_neighbours_and_stay_unit_length() -> None:
    vectors = np.eye(4, dtype=np.float32)
    blended = contextualise(vectors, window=1, weight=0.5, decay=0.5)
    np.testing.assert_allclose(np.linalg.norm(blended, axis=1), 1.0, rtol=1e-6)
    assert blended[1, 0] > 0
    assert blended[1, 2] > 0
    assert blended[1, 3] == 0
    assert blended[1, 1] > blended[1, 0]  # a chunk still dominates its own vector
    wider = contextualise(vectors, window=2, weight=0.5, decay=0.5)
    assert 0 < wider[0, 2] < wider[0, 1]
    assert contextualise(vectors, window=0, weight=0.5, decay=0.5) is vectors


def test_query_analysis_reads_names_and_time_questions() -> None:
    analysis = QueryAnalysis.of("When did Alice visit Lisbon?")
    assert set(analysis.names) == {"Alice", "Lisbon"}
    assert analysis.asks_time
    assert analysis.is_about("Alice: we landed at noon")
    assert not analysis.is_about("Bob: Alice landed at noon")
    assert analysis.names_in("Bob: alice landed in lisbon")
    assert not QueryAnalysis.of("what did they eat?").asks_time
    assert mentions_time("We met last Saturday")
    assert not mentions_time("We met at the cafe")


def _record(memory_id: str, text: str, sequence: str | None = None) -> MemoryRecord:
    return MemoryRecord(memory_id=memory_id, text=text, tags=None, metadata=None, sequence=sequence)


def test_score_fusion_weighs_scores_and_features() -> None:
    settings = RecallSettings(
        semantic_share=0.5, entity_boost=0.2, time_boost=0.0, mention_boost=0.0, neighbour_boost=0
    )
    semantic = Leg(SEMANTIC, [_record("a", "Bob: hi"), _record("b", "Alice: hello")], 0.0, 0.9, [0.9, 0.8])
    keyword = Leg(KEYWORD, [_record("c", "Carol: hey")], 0.0, scores=[4.0])
    fused = score_fuse([semantic, keyword], "What did Alice say?", settings)
    scores = {entry.record.memory_id: entry.score for entry in fused}
    assert scores["a"] == pytest.approx(0.45)
    assert scores["b"] == pytest.approx(0.4 + 0.2)  # starts with a name the query names
    assert scores["c"] == pytest.approx(0.5 * 0.8 + 0.5)  # no cosine: the lowest the semantic leg returned
    assert [entry.record.memory_id for entry in fused] == ["c", "b", "a"]
    assert fused[0].ranks == {KEYWORD: 1}


def test_neighbours_in_the_same_call_lift_each_other() -> None:
    settings = RecallSettings(semantic_share=1.0, entity_boost=0, time_boost=0, mention_boost=0, neighbour_boost=0.5)
    records = [_record("q", "x", "call:4"), _record("far", "y", "call:9"), _record("next", "z", "call:5")]
    semantic = Leg(SEMANTIC, records, 0.0, 0.9, [0.9, 0.5, 0.4])
    scores = {entry.record.memory_id: entry.score for entry in score_fuse([semantic], "x", settings)}
    assert scores["next"] == pytest.approx(0.4 + 0.5 * 0.9)
    assert scores["q"] == pytest.approx(0.9 + 0.5 * 0.4)
    assert scores["far"] == pytest.approx(0.5)


async def test_retain_many_records_each_memorys_place_in_the_call(engine: Astrocyte) -> None:
    await engine.retain_many([MemoryInput(content=text) for text in ("one apple", "two pears", "three plums")], "seq")
    await engine.retain("four figs", "seq")
    hits = (await engine.recall("apple pears plums figs", "seq", limit=10)).hits
    assert {hit.text for hit in hits} == {"one apple", "two pears", "three plums", "four figs"}
    assert all(not (hit.metadata or {}) for hit in hits)  # the sequence stays an engine field
    vectors = engine.providers[ProviderKind.VECTOR_STORE]
    stored = await vectors.search_similar([1.0] * 384, "seq", limit=10)
    places = {hit.text: str((hit.metadata or {})[SEQUENCE]).rpartition(":") for hit in stored}
    assert {places[text][2] for text in ("one apple", "two pears", "three plums")} == {"0", "1", "2"}
    assert len({places[text][0] for text in ("one apple", "two pears", "three plums")}) == 1
    assert places["four figs"][0] != places["one apple"][0]
    assert places["four figs"][2] == "0"
