"""The facade: construction from config, closing, the blocking twin, health, the zero-config default."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest

from astrocyte import Astrocyte, SyncAstrocyte
from astrocyte.errors import AstrocyteError, ConfigError
from astrocyte.stores.memory import MemoryGraphStore, MemoryVectorStore
from astrocyte.types import HealthStatus

from .conftest import MakeEngine, config_for


class ClosableVectors(MemoryVectorStore):
    """Counts how often it was closed."""

    closed: ClassVar[list[str]] = []

    async def close(self) -> None:
        type(self).closed.append("vectors")


class SickGraph(MemoryGraphStore):
    async def health(self) -> HealthStatus:
        raise ConnectionError("graph server unreachable")


CLOSABLE = f"{__name__}:ClosableVectors"


async def test_from_config_reads_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "astrocyte.yaml"
    path.write_text(
        "profile: memory\nengine:\n  recall:\n    fusion: rrf\n    rrf_k: 10\n",
        encoding="utf-8",
    )
    async with Astrocyte.from_config(path) as engine:
        assert engine.config.engine.recall.rrf_k == 10
        await engine.retain("Configured from a file.", "yaml")
        [hit] = (await engine.recall("configured", "yaml")).hits
        assert hit.score == pytest.approx(sum(1 / (10 + 1) for _ in hit.strategies))


async def test_closing_releases_every_provider_and_refuses_later_calls(tmp_path: Path) -> None:
    ClosableVectors.closed.clear()
    async with Astrocyte.from_config_dict(config_for("memory", tmp_path, vector_store=CLOSABLE)) as engine:
        await engine.retain("Soon closed.", "bank")
    assert ClosableVectors.closed == ["vectors"]
    await engine.close()  # again: nothing more happens
    assert ClosableVectors.closed == ["vectors"]
    with pytest.raises(AstrocyteError, match="closed"):
        await engine.recall("anything", "bank")


def test_a_provider_that_fails_to_load_releases_those_already_loaded(tmp_path: Path) -> None:
    ClosableVectors.closed.clear()
    with pytest.raises(ConfigError, match="embedding_provider"):
        Astrocyte.from_config_dict(
            config_for("memory", tmp_path, vector_store=CLOSABLE, embedding_provider="no-such-embedder")
        )
    assert ClosableVectors.closed == ["vectors"]


@pytest.mark.parametrize(
    ("config", "path"),
    [
        ({"embedding_provider": "hashing"}, "vector_store"),
        ({"vector_store": "memory"}, "embedding_provider"),
        ({"profile": "memory", "engine": {"retain": {"entity_extraction": "llm"}}}, "engine.retain.entity_extraction"),
        ({"profile": "memory", "engine": {"retain": {"chunk_size": 100, "chunk_overlap": 100}}}, "engine.retain"),
        ({"profile": "memory", "engine": {"recall": {"wieghts": {}}}}, "engine.recall.wieghts"),
    ],
    ids=["no vector store", "no embedder", "llm extraction without llm", "overlap not below size", "typo"],
)
def test_configurations_the_engine_cannot_run_are_refused_by_key(config: dict[str, Any], path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Astrocyte.from_config_dict(config)
    assert path in [problem.path for problem in caught.value.problems]


async def test_health_asks_every_store_and_reports_failures(make_engine: MakeEngine, backend: str) -> None:
    engine = await make_engine()
    report = await engine.health()
    assert report.healthy
    assert {"vector_store", "document_store", "graph_store", "bank_store", "wiki_store"} <= set(report.components)
    if backend == "memory":
        sick = await make_engine(graph_store=f"{__name__}:SickGraph")
        report = await sick.health()
        assert not report.healthy
        assert report.components["vector_store"].healthy
        status = report.components["graph_store"]
        assert not status.healthy
        assert "graph server unreachable" in (status.message or "")


def test_sync_astrocyte_blocks_and_works_from_any_thread(tmp_path: Path) -> None:
    with SyncAstrocyte.from_config_dict(config_for("memory", tmp_path)) as engine:
        assert engine.retain("Blocking memory about kites.", "sync").stored
        answers: list[str] = []
        worker = threading.Thread(target=lambda: answers.append(engine.recall("kites", "sync").hits[0].text))
        worker.start()
        worker.join()
        assert answers == ["Blocking memory about kites."]
        assert engine.reflect("kites?", "sync").mode == "extractive"
        assert [bank.bank_id for bank in engine.list_banks()] == ["sync"]
    engine.close()  # closing twice is harmless
    with pytest.raises(AstrocyteError, match="closed"):
        engine.recall("kites", "sync")


async def test_sync_astrocyte_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    engine = SyncAstrocyte.from_config_dict(config_for("memory", tmp_path))
    try:
        engine.retain("Called from async code.", "sync")
        assert engine.recall("async code", "sync").hits
    finally:
        engine.close()
    await asyncio.sleep(0)


async def test_zero_config_runs_on_sqlite_and_minilm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Astrocyte() with no arguments: one SQLite file under ASTROCYTE_HOME, MiniLM, every operation."""
    monkeypatch.setenv("ASTROCYTE_HOME", str(tmp_path))
    async with Astrocyte() as engine:
        assert {engine.config.provider(kind)[0] for kind in engine.providers} == {"sqlite", "minilm"}
        await engine.retain_many(
            ["Alice hiked the Pacific Crest Trail.", "Bob keeps bees in his garden.", "The stock market fell."], "alice"
        )
        result = await engine.recall("Who went hiking?", "alice")
        assert result.hits[0].text == "Alice hiked the Pacific Crest Trail."
        assert (await engine.health()).healthy
    assert (tmp_path / "astrocyte.db").is_file()
    async with Astrocyte() as reopened:  # the file keeps what was retained
        assert (await reopened.bank_stats("alice")).memory_count == 3
