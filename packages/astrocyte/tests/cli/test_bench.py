"""The benchmarks run end to end and report every figure beside its baseline (values are not judged)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from astrocyte.cli import app

runner = CliRunner()


def test_engine_bench_reports_retain_and_recall_beside_raw_work(tmp_path: Path) -> None:
    report = tmp_path / "engine.json"
    result = runner.invoke(
        app, ["bench", "engine", "--sizes", "200,500", "--queries", "10", "--report", str(report), "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert json.loads(report.read_text(encoding="utf-8")) == document
    assert [step["bank_size"] for step in document["retain"]] == [200, 500]
    assert [step["retained"] for step in document["retain"]] == [200, 300]
    for step in document["retain"]:
        assert step["astrocyte_per_second"] > 0
        assert step["raw_per_second"] > 0
    for size in document["recall"]:
        assert size["astrocyte"]["calls"] == size["raw"]["calls"] == 10
        assert size["astrocyte"]["calls"] == size["naive"]["calls"] == 10
        assert size["overhead"] > 0
        assert size["naive_overhead"] > 0


def test_embedding_bench_reports_retain_beside_raw_embedding() -> None:
    result = runner.invoke(app, ["bench", "embedding", "--count", "64", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["memories"] == 64
    assert document["retain_per_second"] > 0
    assert document["embed_per_second"] > 0


def test_knowledge_bench_reports_quality_and_latency_beside_both_baselines(tmp_path: Path) -> None:
    report = tmp_path / "knowledge.json"
    result = runner.invoke(app, ["bench", "knowledge", "--adapters", "6", "--report", str(report), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert json.loads(report.read_text(encoding="utf-8")) == document
    assert document["adapters"] == 6
    assert document["queries"] == 18
    for method in ("hybrid", "bm25", "dense"):
        assert 0 <= document[method]["top1"] <= document[method]["top3"] <= 1
        assert document[method]["latency"]["calls"] == document["queries"]


def test_rest_bench_reports_rest_recall_beside_in_process_recall() -> None:
    result = runner.invoke(app, ["bench", "rest", "--size", "200", "--queries", "40", "--clients", "4", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["clients"] == 4
    assert document["rest"]["calls"] == document["in_process"]["calls"] == 40
    assert document["rest"]["p95_ms"] >= document["rest"]["p50_ms"] > 0
    assert document["rest_one_client"]["calls"] == 10
    assert document["overhead"] > 0
