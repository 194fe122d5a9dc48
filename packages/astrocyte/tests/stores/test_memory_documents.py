"""The in-memory document store: the whole DocumentStore contract, plus what only this store promises."""

from __future__ import annotations

import math
from typing import Any

import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.documents import MemoryDocumentStore
from astrocyte.testing.contracts.document_store import DocumentStoreContract
from astrocyte.types import Document, DocumentStoreCapabilities


class TestMemoryDocumentStoreContract(DocumentStoreContract):
    """A fresh store per scenario."""

    @pytest.fixture
    def store(self) -> MemoryDocumentStore:
        return MemoryDocumentStore()


class TestSharedMemoryDocumentStoreContract(DocumentStoreContract):
    """One store for every scenario, as a long-lived backend would be."""

    @pytest.fixture(scope="class")
    @classmethod
    def store(cls) -> MemoryDocumentStore:
        return MemoryDocumentStore()


def _bm25(term_frequency: int, length: int, average_length: float, documents: int, containing: int) -> float:
    """Okapi BM25 of one term, written out independently of the store (k1 = 1.2, b = 0.75)."""
    idf = math.log(1 + (documents - containing + 0.5) / (containing + 0.5))
    return idf * term_frequency * 2.2 / (term_frequency + 1.2 * (0.25 + 0.75 * length / average_length))


async def test_scores_are_okapi_bm25() -> None:
    store = MemoryDocumentStore()
    texts = {"a": "amber amber cobalt", "b": "amber violet teal saffron pad", "c": "cobalt"}
    for document_id, text in texts.items():
        await store.store_document(Document(id=document_id, text=text), "b1")
    average = (3 + 5 + 1) / 3
    expected = {
        "a": _bm25(2, 3, average, 3, 2) + _bm25(1, 3, average, 3, 2),
        "b": _bm25(1, 5, average, 3, 2),
        "c": _bm25(1, 1, average, 3, 2),
    }
    hits = await store.search_fulltext("Amber, cobalt amber!", "b1")
    assert {hit.document_id: hit.score for hit in hits} == pytest.approx(expected)
    assert [hit.document_id for hit in hits] == sorted(expected, key=lambda key: -expected[key])


async def test_statistics_are_per_bank() -> None:
    store = MemoryDocumentStore()
    await store.store_document(Document(id="d", text="amber cobalt"), "quiet")
    await store.store_document(Document(id="e", text="violet teal"), "quiet")
    alone = await store.search_fulltext("amber", "quiet")
    for index in range(20):
        await store.store_document(Document(id=f"n{index}", text="amber " * (index + 1)), "noisy")
    assert await store.search_fulltext("amber", "quiet") == alone


async def test_a_bad_document_in_a_batch_stores_nothing() -> None:
    store = MemoryDocumentStore()
    batch: list[Any] = [Document(id="ok", text="amber"), "not a document"]
    with pytest.raises(ValidationError) as raised:
        await store.store_documents(batch, "b1")
    assert raised.value.field == "documents[1]"
    assert await store.get_document("ok", "b1") is None


async def test_later_duplicate_in_a_batch_wins() -> None:
    store = MemoryDocumentStore()
    ids = await store.store_documents([Document(id="d", text="amber"), Document(id="d", text="cobalt")], "b1")
    assert ids == ["d", "d"]
    assert await store.search_fulltext("amber", "b1") == []
    assert [hit.document_id for hit in await store.search_fulltext("cobalt", "b1")] == ["d"]


async def test_deletes_keep_the_index_aligned() -> None:
    """Swap-remove moves the last document into the hole: its postings must follow it."""
    store = MemoryDocumentStore()
    await store.store_documents([Document(id=f"d{index}", text=f"shared unique{index}") for index in range(6)], "b1")
    assert await store.delete_documents(["d1", "d3"], "b1") == 2
    for index in (0, 2, 4, 5):
        assert [hit.document_id for hit in await store.search_fulltext(f"unique{index}", "b1")] == [f"d{index}"]
    for index in (1, 3):
        assert await store.search_fulltext(f"unique{index}", "b1") == []
    assert {hit.document_id for hit in await store.search_fulltext("shared", "b1")} == {"d0", "d2", "d4", "d5"}


async def test_wordless_document_is_stored_but_never_matched() -> None:
    store = MemoryDocumentStore()
    await store.store_document(Document(id="p", text="?!"), "b1")
    got = await store.get_document("p", "b1")
    assert got is not None
    assert got.text == "?!"
    assert await store.search_fulltext("?!", "b1") == []


async def test_emptied_bank_is_forgotten() -> None:
    store = MemoryDocumentStore()
    await store.store_document(Document(id="only", text="amber"), "b1")
    await store.delete_documents(["only"], "b1")
    assert (await store.health()).message == "in-memory document store: 0 banks, 0 documents"


def test_capabilities_declare_the_optional_abilities() -> None:
    declared = MemoryDocumentStore().capabilities()
    assert declared == DocumentStoreCapabilities(filter_tag_match_all=True, batch_store=True, batch_get=True)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda store: store.search_fulltext("amber", "b1", 0), "limit"),
        (lambda store: store.search_fulltext(None, "b1"), "query"),
        (lambda store: store.get_document("", "b1"), "document_id"),
        (lambda store: store.delete_documents(["ok", ""], "b1"), "document_ids[1]"),
        (lambda store: store.store_document(Document(id="d", text="x"), "bad bank"), "bank_id"),
    ],
)
async def test_bad_arguments_name_their_field(call: Any, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        await call(MemoryDocumentStore())
    assert raised.value.field == field
