"""SqlitePageIndexStore: the PageIndexStore contract on a private in-memory database and on one shared file,
plus reopening, rolling back, and scoring exactly as the in-memory store does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.pageindex import MemoryPageIndexStore
from astrocyte.stores.sqlite.pageindex import SqlitePageIndexStore
from astrocyte.testing.contracts._support import PROPERTY_SETTINGS
from astrocyte.testing.contracts.pageindex_store import PageIndexStoreContract
from astrocyte.types import PageIndexDocument, PageIndexSection

from ._sqlite_support import Aborted, abort_after, shared_file_store

BANK = "sqlite-pageindex-tests"


class TestSqlitePageIndexStoreInMemory(PageIndexStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[SqlitePageIndexStore]:
        store = SqlitePageIndexStore(":memory:")
        yield store
        await store.close()


shared_store = shared_file_store(SqlitePageIndexStore)


class TestSqlitePageIndexStoreSharedFile(PageIndexStoreContract):
    @pytest.fixture
    def store(self, shared_store: SqlitePageIndexStore) -> SqlitePageIndexStore:
        return shared_store


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "pageindex.db")


def _document(document_id: str = "doc") -> PageIndexDocument:
    return PageIndexDocument(id=document_id, bank_id=BANK, source_id=f"src-{document_id}", md_text="# doc")


def _section(line_num: int, node_id: str, title: str, **fields: Any) -> PageIndexSection:
    return PageIndexSection(document_id="doc", line_num=line_num, node_id=node_id, title=title, **fields)


async def test_trees_survive_reopening_the_file(path: str) -> None:
    sections = [_section(0, "root", "Glacier walk", summary="ice", summary_embedding=[0.5, 0.25])]
    first = SqlitePageIndexStore(path)
    await first.save_document(_document())
    await first.save_sections("doc", sections, BANK)
    await first.close()
    reopened = SqlitePageIndexStore(path)
    assert await reopened.load_skeleton("doc", BANK) == sections
    assert [hit.node_id for hit in await reopened.search_sections("glacier", BANK)] == ["root"]
    await reopened.close()


async def test_a_rolled_back_transaction_keeps_the_previous_tree(path: str) -> None:
    store = SqlitePageIndexStore(path)
    await store.save_document(_document())
    await store.save_sections("doc", [_section(0, "old", "Orchard")], BANK)

    async def work() -> None:
        await store.save_sections("doc", [_section(1, "new", "Vineyard")], BANK)
        await store.save_document(_document("added"))

    with pytest.raises(Aborted):
        await abort_after(store.transaction, work)
    assert [section.node_id for section in await store.load_skeleton("doc", BANK)] == ["old"]
    assert [hit.node_id for hit in await store.search_sections("orchard vineyard", BANK)] == ["old"]
    assert await store.get_document("added", BANK) is None
    await store.close()


def _other(line_num: int, node_id: str, title: str, **fields: Any) -> PageIndexSection:
    return PageIndexSection(document_id="other", line_num=line_num, node_id=node_id, title=title, **fields)


#: Calls that each succeed or fail on a store holding the documents ``doc`` and ``other``; run in
#: order, so that later ones meet the embeddings earlier ones saved.
_SCRIPT: list[Callable[[Any], Awaitable[object]]] = [
    lambda store: store.save_sections("doc", [_section(0, "root", "Root", depth=1)], BANK),
    lambda store: store.save_sections("doc", [_section(0, "a", "A"), _section(0, "b", "B")], BANK),
    lambda store: store.save_sections("doc", [_section(0, "a", "A"), _section(1, "a", "B")], BANK),
    lambda store: store.save_sections("doc", [_other(0, "a", "A")], BANK),
    lambda store: store.save_sections("doc", [_section(0, "a", "A", summary_embedding=[])], BANK),
    lambda store: store.save_sections(
        "doc",
        [_section(0, "a", "A", summary_embedding=[1.0]), _section(1, "b", "B", summary_embedding=[1.0, 0.0])],
        BANK,
    ),
    lambda store: store.save_sections("unsaved", [], BANK),
    lambda store: store.save_sections("doc", [_section(0, "root", "Root", summary_embedding=[1.0, 0.0])], BANK),
    lambda store: store.save_sections("other", [_other(0, "n", "T", summary_embedding=[1.0] * 3)], BANK),
    lambda store: store.search_sections("root", BANK, query_embedding=[1.0, 0.0, 0.0]),
    lambda store: store.search_sections("root", BANK, query_embedding=[1.0, 0.0], top_k=0),
    lambda store: store.save_sections("doc", [_section(0, "root", "Root", summary_embedding=[1.0] * 3)], BANK),
    lambda store: store.save_sections("other", [_other(0, "n", "T", summary_embedding=[1.0] * 3)], BANK),
    lambda store: store.search_sections("root", BANK, query_embedding=[1.0, 0.0, 0.0]),
    lambda store: store.search_sections("root", BANK, query_embedding=[1.0, 0.0]),
]


async def _outcomes(store: Any) -> list[object]:
    """What each call of the script returns, or the field its ValidationError names."""
    for document_id in ("doc", "other"):
        await store.save_document(_document(document_id))
    outcomes: list[object] = []
    for call in _SCRIPT:
        try:
            outcomes.append(await call(store))
        except ValidationError as error:
            outcomes.append(f"ValidationError({error.field})")
    return outcomes


async def test_checks_fail_and_pass_like_the_memory_store() -> None:
    """Tree and dimension rules refuse the same calls, naming the same fields, as the in-memory store."""
    sqlite = SqlitePageIndexStore(":memory:")
    expected = await _outcomes(MemoryPageIndexStore())
    assert await _outcomes(sqlite) == expected
    assert [outcome if isinstance(outcome, str | int) else "hits" for outcome in expected] == [
        "ValidationError(sections[0].depth)",
        "ValidationError(sections[1].line_num)",
        "ValidationError(sections[1].node_id)",
        "ValidationError(sections[0].document_id)",
        "ValidationError(sections[0].summary_embedding)",
        "ValidationError(sections[1].summary_embedding)",
        "ValidationError(document_id)",
        1,
        "ValidationError(sections[0].summary_embedding)",
        "ValidationError(query_embedding)",
        "ValidationError(top_k)",
        1,
        1,
        "hits",
        "ValidationError(query_embedding)",
    ]
    await sqlite.close()


_WORDS = ["alpha", "beta", "gamma", "delta", "Épée", "snake_case", "x"]
_TEXTS = st.lists(st.sampled_from(_WORDS), max_size=5).map(" ".join)
_TITLES = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=5).map(" ".join)


@st.composite
def _banks(draw: st.DrawFn) -> list[list[PageIndexSection]]:
    """A few documents of flat sections with random words and, sometimes, 2-d embeddings."""
    documents = []
    for document_number in range(draw(st.integers(1, 3))):
        document_id = f"doc-{document_number}"
        lines = draw(st.lists(st.integers(0, 50), min_size=1, max_size=6, unique=True))
        documents.append(
            [
                PageIndexSection(
                    document_id=document_id,
                    line_num=line,
                    node_id=f"n{line}",
                    title=draw(_TITLES),
                    summary=draw(_TEXTS),
                    summary_embedding=draw(st.none() | st.sampled_from([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])),
                )
                for line in lines
            ]
        )
    return documents


@PROPERTY_SETTINGS
@given(
    documents=_banks(),
    query=_TEXTS,
    query_embedding=st.none() | st.sampled_from([[1.0, 0.0], [0.8, -0.6]]),
    only_first=st.booleans(),
)
async def test_search_scores_like_the_memory_store(
    documents: list[list[PageIndexSection]], query: str, query_embedding: list[float] | None, only_first: bool
) -> None:
    """The same sections and query give the same hits, in the same order, with bit-identical scores."""
    memory, sqlite = MemoryPageIndexStore(), SqlitePageIndexStore(":memory:")
    for store in (memory, sqlite):
        for sections in documents:
            document_id = sections[0].document_id
            await store.save_document(PageIndexDocument(id=document_id, bank_id=BANK, source_id="s", md_text="x"))
            await store.save_sections(document_id, sections, BANK)
    options = {"query_embedding": query_embedding, "document_id": "doc-0" if only_first else None, "top_k": 7}
    expected = await memory.search_sections(query, BANK, **options)  # type: ignore[arg-type]
    found = await sqlite.search_sections(query, BANK, **options)  # type: ignore[arg-type]
    assert [(hit.document_id, hit.line_num, hit.node_id, hit.title, hit.summary) for hit in found] == [
        (hit.document_id, hit.line_num, hit.node_id, hit.title, hit.summary) for hit in expected
    ]
    assert [hit.score for hit in found] == [hit.score for hit in expected]
    await sqlite.close()
