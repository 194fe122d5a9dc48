"""The memory commands through the real command line, on a SQLite file so state persists between calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from astrocyte.cli import app

runner = CliRunner()

STORE_KINDS = ("vector_store", "document_store", "graph_store", "bank_store")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    database = tmp_path / "memories.db"
    lines = []
    for kind in STORE_KINDS:
        lines += [f"{kind}: sqlite", f"{kind}_config:", f"  path: {database}"]
    lines += ["embedding_provider: hashing", "embedding_provider_config:", "  dimensions: 128"]
    file = tmp_path / "astrocyte.yaml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def run(config: Path, *arguments: str) -> dict | list:
    result = runner.invoke(app, [*arguments, "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_retain_recall_reflect_forget(config: Path) -> None:
    first = run(config, "retain", "alice", "Alice hiked the Pacific Crest Trail in 2019", "--tag", "hobby")
    assert first["stored"] is True
    again = run(config, "retain", "alice", "Alice hiked the Pacific Crest Trail in 2019")
    assert again["deduplicated"] is True
    assert again["memory_id"] == first["memory_id"]
    run(config, "retain", "alice", "Alice is allergic to peanuts", "--meta", "source=doctor")

    recalled = run(config, "recall", "alice", "Which trail did Alice hike?")
    assert recalled["hits"][0]["text"] == "Alice hiked the Pacific Crest Trail in 2019"
    assert recalled["hits"][0]["strategies"]
    only_hobby = run(config, "recall", "alice", "Alice", "--tag", "hobby")
    assert [hit["text"] for hit in only_hobby["hits"]] == ["Alice hiked the Pacific Crest Trail in 2019"]

    answer = run(config, "reflect", "alice", "What is Alice allergic to?")
    assert answer["mode"] == "extractive"
    assert "peanuts" in answer["answer"]

    forgotten = run(config, "forget", "alice", "--tag", "hobby")
    assert forgotten["deleted_count"] == 1
    left = run(config, "recall", "alice", "Which trail did Alice hike?")
    assert all("Pacific" not in hit["text"] for hit in left["hits"])


def test_recall_across_banks_comma_separated(config: Path) -> None:
    run(config, "retain", "alice", "Alice keeps a vegetable garden")
    run(config, "retain", "bob", "Bob keeps bees on his roof")
    both = run(config, "recall", "alice,bob", "who keeps what")
    assert {hit["bank_id"] for hit in both["hits"]} == {"alice", "bob"}
    only_bob = run(config, "recall", "bob", "vegetable garden")
    assert all(hit["bank_id"] == "bob" for hit in only_bob["hits"])


def test_import_jsonl_csv_and_a_folder(config: Path, tmp_path: Path) -> None:
    jsonl = tmp_path / "memories.jsonl"
    jsonl.write_text(
        '{"content": "The launch moved to March", "tags": ["work"], "occurred_at": "2025-01-02"}\n'
        '{"text": "Lunch with Priya on Friday", "team": "platform"}\n',
        encoding="utf-8",
    )
    assert run(config, "import", "notes", str(jsonl))["stored"] == 2
    assert run(config, "import", "notes", str(jsonl))["deduplicated"] == 2

    table = tmp_path / "memories.csv"
    table.write_text("content,tags,owner\nThe printer on floor 3 jams,office;it,sam\n", encoding="utf-8")
    assert run(config, "import", "notes", str(table))["stored"] == 1

    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text("# Runbook\nRestart the queue worker first.", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("The staging database is rebuilt nightly.", encoding="utf-8")
    (folder / "ignored.bin").write_bytes(b"\x00\x01")
    assert run(config, "import", "notes", str(folder))["stored"] == 2

    hits = run(config, "recall", "notes", "printer jams")["hits"]
    assert hits[0]["text"] == "The printer on floor 3 jams"
    assert hits[0]["metadata"]["owner"] == "sam"


def test_import_reports_the_bad_line(config: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"content": "fine"}\n{"tags": ["no content"]}\n', encoding="utf-8")
    result = runner.invoke(app, ["import", "notes", str(broken), "--config", str(config)])
    assert result.exit_code == 1
    assert "broken.jsonl:2.content" in result.output


def test_export_then_import_round_trips(config: Path, tmp_path: Path) -> None:
    run(config, "retain", "source-bank", "The office closes early on Fridays", "--tag", "office")
    run(config, "retain", "source-bank", "Maya leads the data team")
    export = tmp_path / "bank.jsonl"
    assert run(config, "export", "source-bank", str(export))["memories"] == 2
    assert run(config, "import", "copy-bank", str(export))["format"] == "export"
    original = run(config, "recall", "source-bank", "office Fridays")["hits"][0]
    copied = run(config, "recall", "copy-bank", "office Fridays")["hits"][0]
    assert (copied["text"], copied["tags"], copied["memory_id"]) == (
        original["text"],
        original["tags"],
        original["memory_id"],
    )


def test_banks_create_list_stats_delete(config: Path) -> None:
    created = run(config, "banks", "create", "projects", "--description", "work projects")
    assert created["bank_id"] == "projects"
    run(config, "retain", "projects", "Project Orion ships in May")
    listed = run(config, "banks")
    assert {"bank_id": "projects", "memory_count": 1} in [
        {"bank_id": row["bank_id"], "memory_count": row["memory_count"]} for row in listed
    ]
    assert run(config, "banks", "stats", "projects")["description"] == "work projects"
    assert run(config, "banks", "delete", "projects", "--yes")["deleted_count"] == 1
    assert all(row["bank_id"] != "projects" for row in run(config, "banks"))


def test_bad_input_is_a_typed_error_not_a_traceback(config: Path) -> None:
    result = runner.invoke(app, ["retain", "not a bank!", "text", "--config", str(config)])
    assert result.exit_code == 1
    assert "bank_id" in result.output
    assert "Traceback" not in result.output
    as_json = runner.invoke(app, ["recall", "alice", "   ", "--config", str(config), "--json"])
    assert json.loads(as_json.output)["error"]["code"] == "validation_error"


def test_doctor_reports_every_configured_store_healthy(config: Path) -> None:
    report = run(config, "doctor")
    assert report["healthy"] is True
    assert set(report["configured"]) == {*STORE_KINDS, "embedding_provider"}
    assert all(status["healthy"] for status in report["health"].values())
