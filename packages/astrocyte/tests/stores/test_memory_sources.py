"""MemorySourceStore: the SourceStore contract suite, plus the choices this store makes where the SPI leaves room."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.sources import MemorySourceStore
from astrocyte.testing.contracts import SourceStoreContract
from astrocyte.types import SourceChunk, SourceDocument

BANK = "memory-source-tests"


class TestMemorySourceStoreContract(SourceStoreContract):
    @pytest.fixture
    def store(self) -> MemorySourceStore:
        return MemorySourceStore()


@pytest.fixture
def store() -> MemorySourceStore:
    return MemorySourceStore()


async def test_created_at_is_stamped_when_missing(store: MemorySourceStore) -> None:
    before = datetime.now(UTC)
    await store.store_document(SourceDocument(id="doc", bank_id=BANK))
    await store.store_chunks([SourceChunk(id="chunk", bank_id=BANK, document_id="doc", chunk_index=0, text="t")])
    after = datetime.now(UTC)
    document, chunk = await store.get_document("doc", BANK), await store.get_chunk("chunk", BANK)
    assert document is not None
    assert document.created_at is not None
    assert chunk is not None
    assert chunk.created_at is not None
    assert before <= document.created_at <= after
    assert before <= chunk.created_at <= after


async def test_a_document_stored_without_created_at_lists_as_newest(store: MemorySourceStore) -> None:
    await store.store_document(SourceDocument(id="old", bank_id=BANK, created_at=datetime(2020, 1, 1, tzinfo=UTC)))
    await store.store_document(SourceDocument(id="new", bank_id=BANK))
    assert [document.id for document in await store.list_documents(BANK)] == ["new", "old"]


async def test_ties_list_in_ascending_id_order(store: MemorySourceStore) -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    for document_id in ("b", "c", "a"):
        await store.store_document(SourceDocument(id=document_id, bank_id=BANK, created_at=moment))
    assert [document.id for document in await store.list_documents(BANK)] == ["a", "b", "c"]


async def test_orphan_chunk_error_names_its_position(store: MemorySourceStore) -> None:
    await store.store_document(SourceDocument(id="doc", bank_id=BANK))
    chunks = [
        SourceChunk(id="ok", bank_id=BANK, document_id="doc", chunk_index=0, text="fine"),
        SourceChunk(id="orphan", bank_id=BANK, document_id="nowhere", chunk_index=0, text="lost"),
    ]
    with pytest.raises(ValidationError) as raised:
        await store.store_chunks(chunks)
    assert raised.value.field == "chunks[1].document_id"
    assert "nowhere" in str(raised.value)


async def test_empty_content_hash_is_rejected(store: MemorySourceStore) -> None:
    with pytest.raises(ValidationError) as raised:
        await store.store_document(SourceDocument(id="doc", bank_id=BANK, content_hash=""))
    assert raised.value.field == "content_hash"
    with pytest.raises(ValidationError):
        await store.find_chunk_by_hash("", BANK)


async def test_chunk_upsert_moves_it_between_indexes(store: MemorySourceStore) -> None:
    for document_id in ("first", "second"):
        await store.store_document(SourceDocument(id=document_id, bank_id=BANK))
    chunk = SourceChunk(id="c", bank_id=BANK, document_id="first", chunk_index=0, text="x", content_hash="old")
    await store.store_chunks([chunk])
    moved = SourceChunk(id="c", bank_id=BANK, document_id="second", chunk_index=2, text="y", content_hash="new")
    assert await store.store_chunks([moved]) == ["c"]
    assert await store.list_chunks("first", BANK) == []
    assert [found.id for found in await store.list_chunks("second", BANK)] == ["c"]
    assert await store.find_chunk_by_hash("old", BANK) is None
    assert await store.find_chunk_by_hash("new", BANK) == await store.get_chunk("c", BANK)


async def test_reads_of_unknown_banks_leave_no_trace(store: MemorySourceStore) -> None:
    await store.get_document("doc", "never-written")
    await store.list_chunks("doc", "never-written")
    await store.delete_document("doc", "never-written")
    status = await store.health()
    assert status.message == "in-memory source store: 0 banks, 0 documents"
    assert status.latency_ms is not None
    assert status.latency_ms >= 0
