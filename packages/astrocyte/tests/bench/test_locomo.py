"""``astrocyte bench locomo`` end to end on a tiny LoCoMo-format file written here (values are not judged)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from astrocyte.bench.embedding_cache import CachedMiniLM
from astrocyte.bench.locomo_data import load, normalise_evidence, parse_session_date
from astrocyte.bench.retrieval_metrics import question_scores
from astrocyte.cli import app
from astrocyte.embedders.minilm import MiniLMEmbedder
from astrocyte.pipeline.rerank import FEATURES

runner = CliRunner()


def _sample() -> dict[str, object]:
    return {
        "sample_id": "tiny",
        "conversation": {
            "speaker_a": "Ana",
            "speaker_b": "Ben",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Ana", "dia_id": "D1:1", "text": "I adopted a grey cat last week."},
                {"speaker": "Ben", "dia_id": "D1:2", "text": "Lovely! What is its name?"},
                {"speaker": "Ana", "dia_id": "D1:3", "text": "Pixel. She sleeps all day.", "blip_caption": "a cat"},
            ],
            "session_2_date_time": "10:00 am on 20 June, 2023",
            "session_2": [
                {"speaker": "Ben", "dia_id": "D2:1", "text": "I ran a marathon in Lisbon on Sunday."},
                {"speaker": "Ana", "dia_id": "D2:2", "text": "Congratulations, that is a long race!"},
            ],
        },
        "qa": [
            {"question": "What is the name of Ana's cat?", "answer": "Pixel", "evidence": ["D1:03"], "category": 4},
            {"question": "When did Ben run a marathon?", "answer": "June 2023", "evidence": ["D:2:1"], "category": 2},
            {"question": "What pets and races?", "answer": "x", "evidence": ["D1:1; D2:1", "D9:9"], "category": 1},
            {"question": "Is Ana a pilot?", "answer": "no", "evidence": [], "category": 5},
            {"question": "No evidence left", "answer": "x", "evidence": ["D7:1"], "category": 3},
        ],
    }


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-locomo.json"
    path.write_text(json.dumps([_sample()]), encoding="utf-8")
    return path


def test_loading_normalises_evidence_and_keeps_categories_one_to_four(data: Path) -> None:
    [sample] = load(data)
    assert [turn.dia_id for turn in sample.turns] == ["D1:1", "D1:2", "D1:3", "D2:1", "D2:2"]
    assert sample.turns[2].text == "Ana: Pixel. She sleeps all day. [image: a cat]"
    assert sample.turns[3].occurred_at is not None
    assert sample.turns[3].occurred_at.month == 6
    assert [(question.category, question.evidence) for question in sample.questions] == [
        (4, ("D1:3",)),
        (2, ("D2:1",)),
        (1, ("D1:1", "D2:1")),
    ]


def test_evidence_ids_and_dates_are_read_leniently() -> None:
    assert normalise_evidence("D30:05") == ["D30:5"]
    assert normalise_evidence("D:11:26") == ["D11:26"]
    assert normalise_evidence("D1:2 D3:4") == ["D1:2", "D3:4"]
    assert parse_session_date("not a date") is None


def test_metrics_count_distinct_turns_and_sessions(data: Path) -> None:
    [sample] = load(data)
    multi_hop = sample.questions[2]  # evidence D1:1 and D2:1
    scores = question_scores(multi_hop, [["D1:2"], ["D1:1", "D1:3"], ["D2:2"]])
    assert scores["recall@5"] == 0.5
    assert scores["hit@5"] == 1.0
    assert scores["session_hit@10"] == 1.0
    assert question_scores(multi_hop, [["D1:2"]])["recall@10"] == 0.0


def test_bench_writes_a_report_and_a_chart_beside_three_baselines(data: Path, tmp_path: Path) -> None:
    report = tmp_path / "out" / "locomo.json"
    arguments = ["bench", "locomo", "--data", str(data), "--report", str(report), "--cache", str(tmp_path / "cache")]
    result = runner.invoke(app, [*arguments, "--set", "recall.candidate_multiplier=3", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert json.loads(report.read_text(encoding="utf-8")) == document
    assert report.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    assert (document["turns"], document["questions"]) == (5, 3)
    assert set(document["systems"]) == {"astrocyte", "bm25", "minilm_cosine", "rrf"}
    for summary in document["systems"].values():
        assert set(summary) == {"overall", "multi-hop", "temporal", "single-hop"}
        assert 0.0 <= summary["overall"]["recall@10"] <= 1.0
    assert document["engine"]["recall"]["candidate_multiplier"] == 3
    assert document["embedding_cache"] is True


def test_fit_reports_held_out_and_in_sample_figures_and_weights(tmp_path: Path) -> None:
    second = _sample() | {"sample_id": "tiny-2"}
    path = tmp_path / "two.json"
    path.write_text(json.dumps([_sample(), second]), encoding="utf-8")
    report = tmp_path / "fit.json"
    arguments = ["bench", "locomo-fit", "--data", str(path), "--report", str(report), "--cache", str(tmp_path / "c")]
    result = runner.invoke(app, [*arguments, "--set", "recall.episode_margin=0.5", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert json.loads(report.read_text(encoding="utf-8")) == document
    assert (document["samples"], document["questions"]) == (2, 6)
    assert document["episode_margin"] == 0.5
    assert list(document["feature_weights"]) == list(FEATURES)
    assert set(document["systems"]) == {"configured", "held_out", "in_sample"}
    # Every candidate of a five-turn bank is fetched, so every weighting finds the single-hop answer.
    for summary in document["systems"].values():
        assert summary["overall"]["hit@10"] == 1.0


def test_fit_needs_two_samples(data: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "locomo-fit", "--data", str(data), "--cache", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert "two samples" in result.output


def test_bench_reports_a_missing_file_and_a_bad_setting(data: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "locomo", "--data", str(tmp_path / "absent.json")])
    assert result.exit_code == 1
    assert "absent.json" in result.output
    result = runner.invoke(app, ["bench", "locomo", "--data", str(tmp_path / "absent.json"), "--set", "novalue"])
    assert result.exit_code == 1
    assert "--set" in result.output
    result = runner.invoke(app, ["bench", "locomo", "--data", str(data), "--set", "recall.bogus=1"])
    assert result.exit_code == 1
    assert "engine.recall.bogus" in result.output


async def test_embedding_cache_returns_the_models_vectors(tmp_path: Path) -> None:
    texts = ["a grey cat", "a marathon in Lisbon"]
    expected = MiniLMEmbedder().embed_matrix(texts)
    cache = CachedMiniLM(str(tmp_path))
    try:
        first = await cache.embed(texts)
        again = await cache.embed([texts[1], texts[0]])
    finally:
        cache.close()
    np.testing.assert_allclose(np.asarray(first), expected, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(again), np.asarray(first)[::-1])
    reopened = CachedMiniLM(str(tmp_path))
    try:
        rows = reopened._connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
    finally:
        reopened.close()
    assert rows == 2
