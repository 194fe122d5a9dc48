"""``astrocyte providers`` and ``astrocyte config check`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from astrocyte.cli import app

runner = CliRunner()


def test_providers_lists_the_built_in_stores_as_conforming() -> None:
    result = runner.invoke(app, ["providers", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    memory_vectors = next(row for row in rows if row["kind"] == "vector_store" and row["name"] == "memory")
    assert memory_vectors["status"] == "ok"
    assert {row["status"] for row in rows} == {"ok"}


def test_config_check_accepts_a_valid_file(tmp_path: Path) -> None:
    file = tmp_path / "astrocyte.yaml"
    file.write_text("profile: memory\nembedding_provider_config:\n  dimensions: 64\n", encoding="utf-8")
    result = runner.invoke(app, ["config", "check", str(file), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    assert report["providers"]["vector_store"] == "memory"


def test_config_check_reports_every_problem_with_its_path(tmp_path: Path) -> None:
    file = tmp_path / "astrocyte.yaml"
    file.write_text(
        "vector_stor: memory\nembedding_provider: hashing\nembedding_provider_config:\n  dimension: 3\n"
        "document_store: ${NO_SUCH_VARIABLE_FOR_THIS_TEST}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["config", "check", str(file)])
    assert result.exit_code == 1
    assert "vector_stor" in result.output
    assert "did you mean 'vector_store'" in result.output
    assert "NO_SUCH_VARIABLE_FOR_THIS_TEST" in result.output


def test_config_check_names_a_bad_provider_setting(tmp_path: Path) -> None:
    file = tmp_path / "astrocyte.yaml"
    file.write_text("embedding_provider: hashing\nembedding_provider_config:\n  dimension: 3\n", encoding="utf-8")
    result = runner.invoke(app, ["config", "check", str(file), "--json"])
    assert result.exit_code == 1
    [problem] = json.loads(result.output)["problems"]
    assert problem["path"] == "embedding_provider_config.dimension"
    assert "did you mean 'dimensions'" in problem["message"]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("astrocyte ")
