"""SqliteKnowledgeStore: the KnowledgeStore contract on a private in-memory database and on one shared
file, plus what only a database can get wrong: reopening, rolling back, indexes, revision across connections."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from astrocyte.errors import Conflict
from astrocyte.stores.sqlite.knowledge import SqliteKnowledgeStore
from astrocyte.testing.contracts.knowledge_store import KnowledgeStoreContract, make_adapter, make_artifact, save

from ._sqlite_support import shared_file_store


class TestSqliteKnowledgeStoreInMemory(KnowledgeStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[SqliteKnowledgeStore]:
        store = SqliteKnowledgeStore(":memory:")
        yield store
        await store.close()


shared_store = shared_file_store(SqliteKnowledgeStore)


class TestSqliteKnowledgeStoreSharedFile(KnowledgeStoreContract):
    @pytest.fixture
    def store(self, shared_store: SqliteKnowledgeStore) -> SqliteKnowledgeStore:
        return shared_store


async def test_adapters_and_runs_survive_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "knowledge.db")
    first = SqliteKnowledgeStore(path)
    adapter = make_adapter("user:ana", "kept")
    await save(first, adapter)
    await first.save_artifact(make_artifact(adapter))
    await first.close()
    reopened = SqliteKnowledgeStore(path)
    assert await reopened.get_adapter(adapter.adapter_id) == adapter
    assert len(await reopened.list_artifacts(adapter.adapter_id)) == 1
    await reopened.close()


async def test_a_refused_save_leaves_nothing_behind(tmp_path: Path) -> None:
    """A slug clash raised inside a forced replacement undoes the whole write."""
    store = SqliteKnowledgeStore(str(tmp_path / "k.db"))
    old, holder = make_adapter("user:ana", "old"), make_adapter("user:ana", "held")
    await save(store, old)
    await save(store, holder)
    with pytest.raises(Conflict):
        await save(store, make_adapter("user:ana", "held"), old.adapter_id)
    assert await store.get_adapter(old.adapter_id) == old
    await store.close()


async def test_the_revision_is_seen_by_another_connection(tmp_path: Path) -> None:
    """Two processes share a file: a write through one moves the revision the other reads."""
    path = tmp_path / "k.db"
    store = SqliteKnowledgeStore(str(path))
    before = await store.revision()
    await save(store, make_adapter("user:ana", "seen"))
    other = sqlite3.connect(path)
    assert other.execute("SELECT value FROM knowledge_revision").fetchone()[0] > before
    other.close()
    await store.close()


async def test_lookup_columns_are_indexed(tmp_path: Path) -> None:
    """Every column a lookup filters on has an index from the first migration (the reference system
    created its payload indexes only in dead code, notes section 12 #5)."""
    store = SqliteKnowledgeStore(str(tmp_path / "k.db"))
    indexes = {
        row[0]
        for row in store.database.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'knowledge_%'"
        )
    }
    assert {"knowledge_layers_by_adapter", "knowledge_artifacts_by_slug", "knowledge_runs_by_expiry"} <= indexes
    assert any("knowledge_adapters" in name for name in indexes)  # UNIQUE (space_id, slug)
    await store.close()
