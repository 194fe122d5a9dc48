"""A retain lands whole or not at all: a store failing mid-write leaves no memory behind.

On the in-memory stores the engine undoes what it wrote (compensation); on the SQLite file, whose
stores share one transaction, the transaction rolls back. A mixed configuration (SQLite vectors and
documents with an in-memory graph) cannot share a transaction and compensates.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.engine import Astrocyte
from astrocyte.stores.memory import MemoryDocumentStore, MemoryGraphStore
from astrocyte.types import Bank, Document, MemoryEntityAssociation
from astrocyte.vectors import FloatMatrix

from ._helpers import found_by, memory_count, nothing_stored
from .conftest import config_for

#: Twelve texts in batches of four: three writes, so a failure on the second follows a written batch.
SMALL_BATCHES = {"retain": {"embed_batch_size": 4}}
TEXTS = [f"Ticket {index} was filed by Dana Scully about the {index} Mulder files." for index in range(12)]


class StoreDown(RuntimeError):
    """What the failing stores raise."""


class _FailsOnSecondCall:
    """Lets the first write of tickets through and fails the next, so the failure follows written rows."""

    calls = 0

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.calls >= 2:
            raise StoreDown("the store went down mid-retain")


class FailingGraphWrites(_FailsOnSecondCall):
    """Mixed into a graph store: its second association write fails after writing."""

    async def link_memories_to_entities(self, associations: list[MemoryEntityAssociation], bank_id: str) -> None:
        await super().link_memories_to_entities(associations, bank_id)  # type: ignore[misc]
        self._maybe_fail()


class FailingDocumentWrites(_FailsOnSecondCall):
    """Mixed into a document store: its second batch write fails after writing."""

    async def store_documents(self, documents: list[Document], bank_id: str) -> list[str]:
        stored: list[str] = await super().store_documents(documents, bank_id)  # type: ignore[misc]
        self._maybe_fail()
        return stored


class FailingMemoryGraph(FailingGraphWrites, MemoryGraphStore):
    pass


class UndeletableGraphWrites(FailingGraphWrites):
    """Also refuses to delete: undoing by compensation cannot clean this store."""

    async def delete_memories(self, memory_ids: list[str], bank_id: str) -> int:
        raise StoreDown("cannot delete either")


class UndeletableMemoryGraph(UndeletableGraphWrites, MemoryGraphStore):
    pass


class FailingMemoryDocuments(FailingDocumentWrites, MemoryDocumentStore):
    pass


def _path(cls: type) -> str:
    return f"{__name__}:{cls.__qualname__}"


def _failing_sqlite(kind: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A failing subclass of the SQLite store of ``kind``, registered in this module for discovery."""
    from astrocyte.stores.sqlite.documents import SqliteDocumentStore
    from astrocyte.stores.sqlite.graph import SqliteGraphStore

    bases = (
        (FailingGraphWrites, SqliteGraphStore)
        if kind == "graph_store"
        else (FailingDocumentWrites, SqliteDocumentStore)
    )
    failing = type(f"FailingSqlite_{kind}", bases, {})
    monkeypatch.setattr(sys.modules[__name__], failing.__name__, failing, raising=False)
    return _path(failing)


async def _engine_failing_at(backend: str, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Astrocyte:
    config = config_for(backend, tmp_path, engine=SMALL_BATCHES)
    if backend == "memory":
        config[kind] = _path(FailingMemoryGraph if kind == "graph_store" else FailingMemoryDocuments)
    else:
        config[kind] = _failing_sqlite(kind, monkeypatch)  # keeps the SQLite path settings
    return Astrocyte.from_config_dict(config)


@pytest.mark.parametrize("kind", ["graph_store", "document_store"])
async def test_a_store_failing_mid_batch_leaves_nothing(
    backend: str, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """retain_many fails on its second write batch: the first batch is gone too, and no bank was recorded."""
    engine = await _engine_failing_at(backend, kind, tmp_path, monkeypatch)
    async with engine:
        await engine.retain("An earlier memory that must survive.", "other")  # no entity: no graph write
        with pytest.raises(StoreDown):
            await engine.retain_many(TEXTS, "tickets")
        assert await nothing_stored(engine, "tickets")
        assert await found_by(engine, "Dana Scully Mulder ticket", "tickets") == {}
        assert (await engine.recall("earlier memory", "other")).hits[0].text == "An earlier memory that must survive."


async def test_a_failing_bank_record_undoes_the_memories(backend: str, tmp_path: Path) -> None:
    """The bank record is part of the write: if it cannot be made, the memories are not kept."""
    engine = Astrocyte.from_config_dict(config_for(backend, tmp_path, bank_store=_path(FailingBanks)))
    async with engine:
        with pytest.raises(StoreDown):
            await engine.retain("Nobody will remember this.", "lost")
        assert await found_by(engine, "Nobody will remember this", "lost") == {}


class FailingBanks:
    """A bank store that cannot record anything (but lists and reads fine)."""

    SPI_VERSION = 1

    async def create_bank(self, bank: Bank) -> Bank:
        raise StoreDown("bank catalogue down")

    async def ensure_bank(self, bank: Bank) -> Bank:
        raise StoreDown("bank catalogue down")

    async def get_bank(self, bank_id: str) -> Bank | None:
        return None

    async def list_banks(self) -> list[Bank]:
        return []

    async def delete_bank(self, bank_id: str) -> bool:
        return False

    async def health(self) -> Any:
        raise StoreDown("bank catalogue down")


async def test_mixed_backends_compensate(tmp_path: Path) -> None:
    """SQLite vectors and documents with an in-memory graph share no transaction: the engine undoes."""
    config = config_for("sqlite", tmp_path, graph_store=_path(FailingMemoryGraph), engine=SMALL_BATCHES)
    async with Astrocyte.from_config_dict(config) as engine:
        with pytest.raises(StoreDown):
            await engine.retain_many(TEXTS, "tickets")
        assert await nothing_stored(engine, "tickets")
        assert await found_by(engine, "Dana Scully Mulder ticket", "tickets") == {}


async def test_sqlite_rolls_back_where_compensation_must_delete(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A graph store that fails and cannot delete: the SQLite transaction needs no deleting (no note);
    compensation on the memory stores tries, and the error says the undo failed."""
    config = config_for(backend, tmp_path, engine=SMALL_BATCHES)
    if backend == "memory":
        config["graph_store"] = _path(UndeletableMemoryGraph)
    else:
        from astrocyte.stores.sqlite.graph import SqliteGraphStore

        undeletable = type("UndeletableSqliteGraph", (UndeletableGraphWrites, SqliteGraphStore), {})
        monkeypatch.setattr(sys.modules[__name__], undeletable.__name__, undeletable, raising=False)
        config["graph_store"] = _path(undeletable)
    async with Astrocyte.from_config_dict(config) as engine:
        with pytest.raises(StoreDown) as caught:
            await engine.retain_many(TEXTS, "tickets")
        notes = getattr(caught.value, "__notes__", [])
        if backend == "sqlite":
            assert notes == []
        else:
            assert any("undoing the partial write also failed" in note for note in notes)
        assert await nothing_stored(engine, "tickets")


class FailingEmbedder(HashingEmbedder):
    """Fails on the batch holding ticket 5 (the second batch of four): by then the first batch's
    lookup in the bank is under way, beside the embedding."""

    async def embed_rows(self, texts: list[str]) -> FloatMatrix:
        if any(text.startswith("Ticket 5 ") for text in texts):
            raise StoreDown("the embedder went down mid-retain")
        return await super().embed_rows(texts)


async def test_an_embedder_failing_after_a_bank_lookup_began_leaves_nothing_running(
    backend: str, tmp_path: Path
) -> None:
    config = config_for(backend, tmp_path, engine=SMALL_BATCHES)
    config["embedding_provider"] = _path(FailingEmbedder)
    async with Astrocyte.from_config_dict(config) as engine:
        await engine.retain("An earlier ticket that must survive.", "tickets")  # the bank is looked up from now on
        with pytest.raises(StoreDown):
            await engine.retain_many(TEXTS, "tickets")
        assert [task for task in asyncio.all_tasks() if task is not asyncio.current_task()] == []
        assert await memory_count(engine, "tickets") == 1
        assert (await engine.recall("earlier ticket", "tickets")).hits[0].text == "An earlier ticket that must survive."


async def test_sqlite_retain_is_one_transaction_without_savepoints(tmp_path: Path) -> None:
    """The engine's write session rolls back whole on any failure, so the SQLite store calls in it
    take no savepoint each (they cost a copy of every page they change): one BEGIN, one COMMIT."""
    from astrocyte.stores.sqlite.database import SqliteDatabase

    async with Astrocyte.from_config_dict(config_for("sqlite", tmp_path, engine=SMALL_BATCHES)) as engine:
        database = SqliteDatabase.acquire(str(tmp_path / "engine.db"))
        statements: list[str] = []
        database.connection.set_trace_callback(statements.append)
        try:
            await engine.retain_many(TEXTS, "tickets")
        finally:
            database.connection.set_trace_callback(None)
            database.release()
        transaction = [sql.split()[0] for sql in statements if sql.split()[0] in {"BEGIN", "SAVEPOINT", "COMMIT"}]
        assert transaction == ["BEGIN", "COMMIT"]
        assert await memory_count(engine, "tickets") == len(TEXTS)
