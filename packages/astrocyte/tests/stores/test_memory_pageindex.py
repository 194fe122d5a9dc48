"""MemoryPageIndexStore: the PageIndexStore contract suite, plus the choices this store makes where the SPI is open."""

from __future__ import annotations

import math
from typing import Any

import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.pageindex import MemoryPageIndexStore
from astrocyte.testing.contracts import PageIndexStoreContract
from astrocyte.types import PageIndexDocument, PageIndexSection


class TestMemoryPageIndexStoreContract(PageIndexStoreContract):
    @pytest.fixture
    def store(self) -> MemoryPageIndexStore:
        return MemoryPageIndexStore()


BANK = "memory-pageindex-tests"


@pytest.fixture
async def store() -> MemoryPageIndexStore:
    """A store holding one saved (empty) document, ``doc``."""
    fresh = MemoryPageIndexStore()
    await fresh.save_document(PageIndexDocument(id="doc", bank_id=BANK, source_id="src", md_text="# doc"))
    return fresh


def _section(line_num: int, node_id: str, title: str, **fields: Any) -> PageIndexSection:
    return PageIndexSection(document_id="doc", line_num=line_num, node_id=node_id, title=title, **fields)


async def test_documents_list_in_id_order(store: MemoryPageIndexStore) -> None:
    for document_id in ("m", "a", "z"):
        await store.save_document(PageIndexDocument(id=document_id, bank_id=BANK, source_id="s", md_text="x"))
    assert [document.id for document in await store.list_documents(BANK)] == ["a", "doc", "m", "z"]


async def test_find_by_source_picks_the_smallest_id_when_several_share_it(store: MemoryPageIndexStore) -> None:
    for document_id in ("b", "a"):
        await store.save_document(PageIndexDocument(id=document_id, bank_id=BANK, source_id="shared", md_text="x"))
    found = await store.find_document_by_source("shared", BANK)
    assert found is not None
    assert found.id == "a"


@pytest.mark.parametrize(
    ("sections", "field"),
    [
        ([_section(0, "root", "Root", depth=1)], "sections[0].depth"),
        ([_section(0, "root", "Root"), _section(1, "child", "Child", parent_node="root")], "sections[1].depth"),
        ([_section(0, "loop", "Loop", parent_node="loop", depth=1)], "sections[0].parent_node"),
        (
            [_section(0, "root", "Root"), _section(1, "orphan", "Orphan", parent_node="gone", depth=1)],
            "sections[1].parent_node",
        ),
        ([_section(0, "a", "A"), _section(0, "b", "B")], "sections[1].line_num"),
        ([_section(0, "a", "A"), _section(1, "a", "B")], "sections[1].node_id"),
        ([PageIndexSection(document_id="elsewhere", line_num=0, node_id="a", title="A")], "sections[0].document_id"),
        ([_section(0, "a", "A", summary_embedding=[])], "sections[0].summary_embedding"),
        (
            [_section(0, "a", "A", summary_embedding=[1.0]), _section(1, "b", "B", summary_embedding=[1.0, 0.0])],
            "sections[1].summary_embedding",
        ),
    ],
)
async def test_tree_errors_name_the_offending_field(
    store: MemoryPageIndexStore, sections: list[PageIndexSection], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        await store.save_sections("doc", sections, BANK)
    assert raised.value.field == field


async def test_unsaved_document_error_names_document_id(store: MemoryPageIndexStore) -> None:
    with pytest.raises(ValidationError) as raised:
        await store.save_sections("unsaved", [], BANK)
    assert raised.value.field == "document_id"


async def test_saving_no_sections_empties_the_tree(store: MemoryPageIndexStore) -> None:
    await store.save_sections("doc", [_section(0, "root", "Root")], BANK)
    assert await store.save_sections("doc", [], BANK) == 0
    assert await store.load_skeleton("doc", BANK) == []


async def test_embeddings_of_a_bank_share_one_dimension(store: MemoryPageIndexStore) -> None:
    await store.save_sections("doc", [_section(0, "root", "Root", summary_embedding=[1.0, 0.0])], BANK)
    await store.save_document(PageIndexDocument(id="second", bank_id=BANK, source_id="s", md_text="x"))
    three = PageIndexSection(document_id="second", line_num=0, node_id="n", title="T", summary_embedding=[1.0] * 3)
    with pytest.raises(ValidationError) as raised:
        await store.save_sections("second", [three], BANK)
    assert raised.value.field == "sections[0].summary_embedding"
    with pytest.raises(ValidationError) as raised:
        await store.search_sections("root", BANK, query_embedding=[1.0, 0.0, 0.0])
    assert raised.value.field == "query_embedding"
    await store.save_sections("doc", [_section(0, "root", "Root", summary_embedding=[1.0] * 3)], BANK)
    assert await store.save_sections("second", [three], BANK) == 1


async def test_another_bank_may_use_another_dimension(store: MemoryPageIndexStore) -> None:
    await store.save_sections("doc", [_section(0, "root", "Root", summary_embedding=[1.0, 0.0])], BANK)
    other = PageIndexDocument(id="doc", bank_id="other-bank", source_id="s", md_text="x")
    await store.save_document(other)
    wide = PageIndexSection(document_id="doc", line_num=0, node_id="n", title="T", summary_embedding=[1.0] * 5)
    assert await store.save_sections("doc", [wide], "other-bank") == 1


async def test_score_follows_the_documented_formula(store: MemoryPageIndexStore) -> None:
    """One section, one matching word: BM25 reduces to its idf, ln(1 + 1/3); keyword = bm25 / (bm25 + 1)."""
    await store.save_sections("doc", [_section(0, "root", "Glacier", summary_embedding=[3.0, 4.0])], BANK)
    bm25 = math.log(1 + 0.5 / 1.5)
    keyword = bm25 / (bm25 + 1)
    (hit,) = await store.search_sections("glacier", BANK)
    assert hit.score == pytest.approx(keyword)
    (hit,) = await store.search_sections("glacier", BANK, query_embedding=[0.6, 0.8])
    assert hit.score == pytest.approx(0.5 * keyword + 0.5, rel=1e-6)
    (hit,) = await store.search_sections("glacier", BANK, query_embedding=[-0.6, -0.8])
    assert hit.score == pytest.approx(0.5 * keyword)


async def test_meaning_alone_finds_a_section_and_zero_scores_are_dropped(store: MemoryPageIndexStore) -> None:
    sections = [
        _section(0, "near", "Alpha", summary_embedding=[1.0, 0.0]),
        _section(1, "far", "Beta", summary_embedding=[-1.0, 0.0]),
        _section(2, "bare", "Gamma"),
    ]
    await store.save_sections("doc", sections, BANK)
    assert await store.search_sections("delta", BANK) == []
    assert [hit.node_id for hit in await store.search_sections("delta", BANK, query_embedding=[1.0, 0.0])] == ["near"]
    assert await store.search_sections("", BANK) == []


async def test_rarer_words_weigh_more(store: MemoryPageIndexStore) -> None:
    sections = [_section(line, f"n{line}", "Common words", summary="shared text") for line in range(4)]
    sections.append(_section(9, "rare", "Common words", summary="unusual"))
    await store.save_sections("doc", sections, BANK)
    hits = await store.search_sections("shared unusual", BANK)
    assert hits[0].node_id == "rare"
    assert len(hits) == 5
