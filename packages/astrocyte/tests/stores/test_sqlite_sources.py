"""SqliteSourceStore: the SourceStore contract on a private in-memory database and on one shared file,
plus what only a database can get wrong: reopening, rolling back, soft deletes, partial batches."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.sqlite.sources import SqliteSourceStore
from astrocyte.testing.contracts.source_store import SourceStoreContract
from astrocyte.types import SourceChunk, SourceDocument

from ._sqlite_support import Aborted, abort_after, shared_file_store

BANK = "sqlite-source-tests"
_WHEN = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


class TestSqliteSourceStoreInMemory(SourceStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[SqliteSourceStore]:
        store = SqliteSourceStore(":memory:")
        yield store
        await store.close()


shared_store = shared_file_store(SqliteSourceStore)


class TestSqliteSourceStoreSharedFile(SourceStoreContract):
    @pytest.fixture
    def store(self, shared_store: SqliteSourceStore) -> SqliteSourceStore:
        return shared_store


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "sources.db")


def _document(document_id: str, content_hash: str | None = None) -> SourceDocument:
    return SourceDocument(id=document_id, bank_id=BANK, content_hash=content_hash, created_at=_WHEN)


def _chunk(chunk_id: str, document_id: str, index: int, content_hash: str | None = None) -> SourceChunk:
    return SourceChunk(
        id=chunk_id,
        bank_id=BANK,
        document_id=document_id,
        chunk_index=index,
        text=f"text of {chunk_id}",
        content_hash=content_hash,
        created_at=_WHEN,
    )


async def test_documents_and_chunks_survive_reopening_the_file(path: str) -> None:
    document = SourceDocument(
        id="doc", bank_id=BANK, title="t", content_hash="h", metadata={"k": 0.1}, created_at=_WHEN
    )
    chunk = _chunk("c", "doc", 0, "ch")
    first = SqliteSourceStore(path)
    await first.store_document(document)
    await first.store_chunks([chunk])
    await first.close()
    reopened = SqliteSourceStore(path)
    assert await reopened.get_document("doc", BANK) == document
    assert await reopened.list_chunks("doc", BANK) == [chunk]
    assert await reopened.store_document(_document("again", "h")) == "doc"
    await reopened.close()


async def test_a_rolled_back_transaction_leaves_nothing(path: str) -> None:
    store = SqliteSourceStore(path)
    await store.store_document(_document("kept", "kept-hash"))

    async def work() -> None:
        await store.store_document(_document("inside", "inside-hash"))
        await store.store_chunks([_chunk("c", "inside", 0)])
        assert await store.delete_document("kept", BANK) is True

    with pytest.raises(Aborted):
        await abort_after(store.transaction, work)
    assert [document.id for document in await store.list_documents(BANK)] == ["kept"]
    assert await store.find_document_by_hash("inside-hash", BANK) is None
    assert await store.get_chunk("c", BANK) is None
    await store.close()


async def test_a_bad_batch_inside_a_callers_transaction_writes_nothing(path: str) -> None:
    """The caller catches the error and commits: still no chunk of the bad batch may be there."""
    store = SqliteSourceStore(path)
    await store.store_document(_document("doc"))
    async with store.transaction():
        with pytest.raises(ValidationError) as raised:
            await store.store_chunks([_chunk("good", "doc", 0), _chunk("orphan", "nowhere", 1)])
    assert raised.value.field == "chunks[1].document_id"
    assert await store.get_chunk("good", BANK) is None
    await store.close()


async def test_delete_keeps_the_rows_for_audit(path: str) -> None:
    store = SqliteSourceStore(path)
    await store.store_document(_document("doc", "hash"))
    await store.store_chunks([_chunk("c0", "doc", 0, "c0-hash"), _chunk("c1", "doc", 1)])
    assert await store.delete_document("doc", BANK) is True
    audit = sqlite3.connect(path)
    documents = audit.execute("SELECT id, deleted_at IS NOT NULL FROM source_documents").fetchall()
    chunks = audit.execute("SELECT id, deleted_at IS NOT NULL FROM source_chunks ORDER BY id").fetchall()
    audit.close()
    assert documents == [("doc", 1)]
    assert chunks == [("c0", 1), ("c1", 1)]
    assert await store.delete_bank(BANK) == 0
    audit = sqlite3.connect(path)
    assert audit.execute("SELECT COUNT(*) FROM source_documents").fetchone() == (0,)
    assert audit.execute("SELECT COUNT(*) FROM source_chunks").fetchone() == (0,)
    audit.close()
    await store.close()


async def test_created_at_is_stamped_when_missing(path: str) -> None:
    store = SqliteSourceStore(path)
    before = datetime.now(UTC)
    await store.store_document(SourceDocument(id="doc", bank_id=BANK))
    await store.store_chunks([SourceChunk(id="c", bank_id=BANK, document_id="doc", chunk_index=0, text="t")])
    after = datetime.now(UTC)
    document, chunk = await store.get_document("doc", BANK), await store.get_chunk("c", BANK)
    assert document is not None
    assert chunk is not None
    assert document.created_at is not None
    assert chunk.created_at is not None
    assert before <= document.created_at <= after
    assert before <= chunk.created_at <= after
    await store.close()


async def test_equal_chunk_hashes_resolve_to_the_smallest_id(path: str) -> None:
    store = SqliteSourceStore(path)
    for document_id in ("left", "right"):
        await store.store_document(_document(document_id))
    await store.store_chunks([_chunk("z", "left", 0, "same"), _chunk("a", "right", 0, "same")])
    found = await store.find_chunk_by_hash("same", BANK)
    assert found is not None
    assert found.id == "a"
    await store.close()
