"""The recall-quality levers kept after measurement on LoCoMo dev (docs/benchmarks.md): contextual
vectors, query analysis, score fusion: a linear model over entity, time, rank and neighbour features."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from astrocyte.config import FeatureWeights
from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.pipeline.context_vectors import contextualise
from astrocyte.pipeline.episodes import spread
from astrocyte.pipeline.filters import RecallFilters
from astrocyte.pipeline.fusion import Fused
from astrocyte.pipeline.query_analysis import QueryAnalysis, mentions_time, named_period
from astrocyte.pipeline.recall import bank_legs, query_vectors
from astrocyte.pipeline.records import SEQUENCE, MemoryRecord
from astrocyte.pipeline.rerank import FEATURES, candidate_features, score_fuse
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


def test_query_analysis_reads_the_period_a_query_names() -> None:
    assert named_period("What did Ana say on 16 June, 2023?") == (
        datetime(2023, 6, 16, tzinfo=UTC),
        datetime(2023, 6, 17, tzinfo=UTC),
    )
    assert named_period("on June 5th, 2022") == (datetime(2022, 6, 5, tzinfo=UTC), datetime(2022, 6, 6, tzinfo=UTC))
    assert named_period("in December 2022") == (datetime(2022, 12, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))
    assert named_period("back in 2021") == (datetime(2021, 1, 1, tzinfo=UTC), datetime(2022, 1, 1, tzinfo=UTC))
    assert named_period("on 31 June, 2023") is None
    assert named_period("what happened?") is None


def _record(
    memory_id: str, text: str, sequence: str | None = None, occurred_at: datetime | None = None
) -> MemoryRecord:
    return MemoryRecord(
        memory_id=memory_id, text=text, tags=None, metadata=None, sequence=sequence, occurred_at=occurred_at
    )


def _only(**weights: float) -> FeatureWeights:
    """Every feature weight 0 but the ones given, so a test reads one feature at a time."""
    return FeatureWeights(**(dict.fromkeys(FEATURES, 0.0) | weights))


def _linear(fused: list[Fused]) -> dict[str, float]:
    """Each entry's linear score (its hit score is that score through the logistic function)."""
    return {entry.record.memory_id: math.log(entry.score / (1 - entry.score)) for entry in fused}


def test_dates_in_the_query_favour_memories_of_that_time_and_questions_rank_lower() -> None:
    records = [
        _record("then", "we moved house", occurred_at=datetime(2023, 6, 18, 9, tzinfo=UTC)),  # within the slack
        _record("later", "we moved house again", occurred_at=datetime(2023, 7, 1, tzinfo=UTC)),
        _record("asked", "did you move house?", occurred_at=datetime(2023, 6, 16, tzinfo=UTC)),
    ]
    semantic = Leg(SEMANTIC, records, 0.0, 0.5, [0.5, 0.5, 0.5])
    fused = score_fuse([semantic], "moves on 16 June, 2023", _only(cosine=1.0, date=0.2, question=-0.1))
    assert _linear(fused) == pytest.approx({"then": 0.7, "later": 0.5, "asked": 0.6})
    assert [entry.record.memory_id for entry in fused] == ["then", "asked", "later"]


def test_score_fusion_weighs_scores_and_features() -> None:
    semantic = Leg(SEMANTIC, [_record("a", "Bob: hi"), _record("b", "Alice: hello")], 0.0, 0.9, [0.9, 0.8])
    keyword = Leg(KEYWORD, [_record("c", "Carol: hey"), _record("a", "Bob: hi")], 0.0, scores=[4.0, 2.0])
    weights = _only(cosine=0.5, bm25=0.5, subject=0.2, in_keyword=0.1)
    fused = score_fuse([semantic, keyword], "What did Alice say?", weights)
    linear = _linear(fused)
    assert linear["a"] == pytest.approx(0.5 * 0.9 + 0.5 * 0.5 + 0.1)
    assert linear["b"] == pytest.approx(0.4 + 0.2)  # starts with a name the query names
    assert linear["c"] == pytest.approx(0.5 * 0.8 + 0.5 + 0.1)  # no cosine: the lowest the semantic leg returned
    assert [entry.record.memory_id for entry in fused] == ["c", "a", "b"]
    assert fused[0].ranks == {KEYWORD: 1}
    assert all(0 < entry.score < 1 for entry in fused)


def test_rank_features_place_a_missed_candidate_below_the_last_returned() -> None:
    semantic = Leg(SEMANTIC, [_record("a", "x"), _record("b", "y")], 0.0, 0.9, [0.9, 0.8])
    keyword = Leg(KEYWORD, [_record("c", "z")], 0.0, scores=[1.0])
    entries, matrix = candidate_features([semantic, keyword], "anything")
    named = [dict(zip(FEATURES, row, strict=True)) for row in matrix]
    rows = {entry.record.memory_id: row for entry, row in zip(entries, named, strict=True)}
    assert rows["a"]["semantic_rank"] == pytest.approx(1.0)
    assert rows["b"]["semantic_rank"] == pytest.approx(1 / math.log2(3))
    assert rows["c"]["semantic_rank"] == pytest.approx(1 / math.log2(4))
    assert rows["a"]["keyword_rank"] == pytest.approx(1 / math.log2(3))
    assert (rows["c"]["in_semantic"], rows["c"]["in_keyword"]) == (0.0, 1.0)


def test_no_candidates_make_an_empty_feature_table() -> None:
    entries, matrix = candidate_features([Leg(SEMANTIC, [], 0.0, 0.0, []), Leg(KEYWORD, [], 0.0, scores=[])], "x")
    assert (entries, matrix.shape) == ([], (0, len(FEATURES)))
    assert score_fuse([Leg(SEMANTIC, [], 0.0, 0.0, [])], "x", FeatureWeights()) == []


def test_a_penalised_question_still_makes_a_valid_hit() -> None:
    fused = score_fuse([Leg(SEMANTIC, [_record("q", "why?")], 0.0, 0.0, [0.0])], "anything", _only(question=-50.0))
    assert 0.0 <= fused[0].score < 1e-6
    assert fused[0].record.to_hit(fused[0].score, fused[0].ranks, "b").score == fused[0].score


def test_neighbours_in_the_same_call_lift_each_other() -> None:
    records = [_record("q", "x", "call:4"), _record("far", "y", "call:9"), _record("next", "z", "call:5")]
    semantic = Leg(SEMANTIC, records, 0.0, 0.9, [0.9, 0.5, 0.4])
    keyword = Leg(KEYWORD, [_record("q", "x", "call:4")], 0.0, scores=[3.0])
    linear = _linear(score_fuse([semantic, keyword], "x", _only(cosine=1.0, neighbour_cosine=0.5, neighbour_bm25=0.2)))
    assert linear["next"] == pytest.approx(0.4 + 0.5 * 0.9 + 0.2 * 1.0)
    assert linear["q"] == pytest.approx(0.9 + 0.5 * 0.4)
    assert linear["far"] == pytest.approx(0.5)


def test_the_default_weights_put_the_answer_after_a_matching_question_first() -> None:
    """The shipped weights at work on a tiny dialog: the reply beside the turn that matches the
    query's words outranks both that question and an unrelated turn with a similar vector."""
    records = [
        _record("ask", "Bob: Where did Alice go on holiday?", "call:0"),
        _record("reply", "Alice: We spent two weeks in Lisbon.", "call:1"),
        _record("other", "Carol: The garden is blooming.", "call:7"),
    ]
    semantic = Leg(SEMANTIC, records, 0.0, 0.6, [0.6, 0.55, 0.58])
    keyword = Leg(KEYWORD, [records[0]], 0.0, scores=[5.0])
    fused = score_fuse([semantic, keyword], "Where did Alice go on holiday?", FeatureWeights())
    assert [entry.record.memory_id for entry in fused][:2] == ["reply", "ask"]


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


def test_a_masked_query_drops_the_names_and_their_possessives() -> None:
    query = "What do Alice's kids and Bob like?"
    assert QueryAnalysis.of(query).masked(query) == "What do kids and like?"
    assert QueryAnalysis.of("what did they eat?").masked("what did they eat?") == "what did they eat?"
    assert QueryAnalysis.of("Alice").masked("Alice") == "Alice"  # nothing but a name: kept whole


def test_masked_cosine_length_and_their_neighbours_are_features() -> None:
    records = [_record("a", "Alice: hi", "call:1"), _record("b", "Alice: a much longer reply", "call:2")]
    semantic = Leg(SEMANTIC, records, 0.0, 0.9, [0.9, 0.8], masked_scores={"b": 0.7, "z": 0.3})
    entries, matrix = candidate_features([semantic], "What did Alice say?")
    rows = {
        entry.record.memory_id: dict(zip(FEATURES, row, strict=True))
        for entry, row in zip(entries, matrix, strict=True)
    }
    assert rows["b"]["masked_cosine"] == pytest.approx(0.7)
    assert rows["a"]["masked_cosine"] == pytest.approx(0.3)  # missed by the masked search: its lowest
    assert rows["a"]["neighbour_masked_cosine"] == pytest.approx(0.7)
    assert rows["b"]["length"] == pytest.approx(math.log1p(len("Alice: a much longer reply")) / 6)
    unmasked = Leg(SEMANTIC, records, 0.0, 0.9, [0.9, 0.8])  # a query naming nothing: the cosine itself
    _, plain = candidate_features([unmasked], "what was said?")
    assert plain[:, FEATURES.index("masked_cosine")].tolist() == pytest.approx([0.9, 0.8])


def test_spreading_over_episodes_lifts_a_close_candidate_of_an_unseen_episode() -> None:
    assert spread([3.0, 2.9, 2.8, 1.0], ["d1", "d1", "d2", "d3"], 0.5) == [0, 2, 1, 3]
    assert spread([3.0, 2.9, 2.8, 1.0], ["d1", "d1", "d2", "d3"], 0.0) == [0, 1, 2, 3]
    assert spread([3.0, 2.0, 1.0], ["d1", "d1", "d2"], 0.5) == [0, 1, 2]  # too far apart: order kept
    assert spread([3.0, 2.9, 2.8], [None, None, None], 5.0) == [0, 1, 2]  # undated: each its own episode


def test_score_fusion_spreads_its_ranking_over_episodes_within_the_margin() -> None:
    day, other = datetime(2023, 6, 1, tzinfo=UTC), datetime(2023, 7, 1, tzinfo=UTC)
    records = [
        _record("a", "x", occurred_at=day),
        _record("b", "y", occurred_at=day),
        _record("c", "z", occurred_at=other),
    ]
    semantic = Leg(SEMANTIC, records, 0.0, 0.9, [0.9, 0.85, 0.8])
    order = [entry.record.memory_id for entry in score_fuse([semantic], "x", _only(cosine=1.0), episode_margin=0.2)]
    assert order == ["a", "c", "b"]
    assert [entry.record.memory_id for entry in score_fuse([semantic], "x", _only(cosine=1.0))] == ["a", "b", "c"]


async def test_recall_embeds_the_masked_query_and_searches_with_it(engine: Astrocyte) -> None:
    await engine.retain_many([MemoryInput(content=text) for text in ("Alice: I adopted a cat", "Bob: hi")], "mask")
    ctx = engine._context()
    named, plain = await query_vectors(ctx, "What pet did Alice adopt?"), await query_vectors(ctx, "what pet?")
    assert named.masked is not None
    assert named.masked != named.query
    assert plain.masked is None
    legs = await bank_legs(ctx, "What pet did Alice adopt?", named, "mask", 10, RecallFilters())
    [semantic] = [leg for leg in legs if leg.name == SEMANTIC]
    assert semantic.masked_scores is not None
    # the store declares id_scores: every candidate of every leg gets its true masked cosine
    pool = {record.memory_id for leg in legs for record in leg.records}
    assert set(semantic.masked_scores) == pool
    stored = {item.id: np.asarray(item.vector) for item in await ctx.vectors.list_vectors("mask")}
    masked = np.asarray(named.masked) / np.linalg.norm(named.masked)
    for memory_id, score in semantic.masked_scores.items():
        unit = stored[memory_id] / np.linalg.norm(stored[memory_id])
        assert score == pytest.approx(max(0.0, float(unit @ masked)), abs=1e-5)


def test_both_name_cues_of_each_text_agree_with_the_one_text_checks() -> None:
    analysis = QueryAnalysis.of("What did Alice tell Bob about Paris?")
    texts = ["Alice: we went to Paris.", "Then bob said hi.", "Nothing here.", "Malice aforethought", "paris, again"]
    assert analysis.named_in_each(texts) == (
        [analysis.names_in(text) for text in texts],
        [analysis.is_about(text) for text in texts],
    )
    assert analysis.named_in_each(texts) == ([True, True, False, False, True], [True, False, False, False, True])
    assert QueryAnalysis.of("what happened?").named_in_each(texts) == ([False] * 5, [False] * 5)
