"""SqliteDocumentStore: the whole DocumentStore contract, plus what only the SQLite file promises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.sqlite.database import SqliteDatabase, packaged_migrations
from astrocyte.stores.sqlite.documents import SqliteDocumentStore, query_words
from astrocyte.testing.contracts.document_store import DocumentStoreContract
from astrocyte.types import Document, DocumentStoreCapabilities

from ._sqlite_support import Aborted, abort_after


class TestSqliteDocumentStoreContract(DocumentStoreContract):
    """A fresh private in-memory database per scenario."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[SqliteDocumentStore]:
        store = SqliteDocumentStore(":memory:")
        yield store
        await store.close()


class TestSharedFileSqliteDocumentStoreContract(DocumentStoreContract):
    """One store on one file for every scenario, as a long-lived deployment has."""

    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteDocumentStore]:
        store = SqliteDocumentStore(str(tmp_path_factory.mktemp("documents") / "astrocyte.db"))
        yield store
        asyncio.run(store.close())

    @pytest.fixture
    def store(self, shared_store: SqliteDocumentStore) -> SqliteDocumentStore:
        return shared_store


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "astrocyte.db")


@pytest.fixture
async def store(db_path: str) -> AsyncIterator[SqliteDocumentStore]:
    store = SqliteDocumentStore(db_path)
    yield store
    await store.close()


async def _found(store: SqliteDocumentStore, query: str, bank_id: str = "b") -> set[str]:
    return {hit.document_id for hit in await store.search_fulltext(query, bank_id, 100)}


def _index_is_consistent(store: SqliteDocumentStore) -> None:
    """FTS5's own check that the index holds exactly the words of the documents table."""
    store.database.connection.execute("INSERT INTO documents_fts (documents_fts, rank) VALUES ('integrity-check', 1)")


# ---------------------------------------------------------------------------------------- queries


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("amber", ["amber"]),
        ('say "NEAR(a b)" OR c*', ["say", "NEAR", "a", "b", "OR", "c"]),
        ("Amber amber AMBER cobalt", ["Amber", "cobalt"]),
        ("snake_case -x", ["snake_case", "x"]),
        ("Straße", ["Straße"]),
        ("  !?  ", []),
        ("", []),
    ],
)
def test_queries_become_distinct_words_quoted_alone(query: str, words: list[str]) -> None:
    """Each word is quoted as an FTS5 string (see _keyword_plan), so operators are only words."""
    assert query_words(query) == words


async def test_words_keep_their_case_for_fts5_to_fold(store: SqliteDocumentStore) -> None:
    """Python's casefold would turn ß into ss, a word the index never holds."""
    await store.store_document(Document(id="street", text="Die Straße ist lang"), "b")
    assert await _found(store, "STRASSE") == set()
    assert await _found(store, "straße") == {"street"}
    assert await _found(store, "STRAẞE") == {"street"}


async def test_diacritics_do_not_matter(store: SqliteDocumentStore) -> None:
    await store.store_document(Document(id="cafe", text="Un café à Zürich"), "b")
    assert await _found(store, "cafe zurich") == {"cafe"}
    assert await _found(store, "CAFÉ") == {"cafe"}


async def test_words_are_what_astrocyte_text_calls_words(store: SqliteDocumentStore) -> None:
    """Letters, digits and '_' make a word, as in astrocyte.text.words: no splitting at '_'; English
    words are stemmed (Porter, migration 009), so "run" finds "running"."""
    await store.store_document(Document(id="d", text="running snake_case v2 東京"), "b")
    assert await _found(store, "run") == {"d"}
    assert await _found(store, "runs") == {"d"}
    assert await _found(store, "rung") == set()
    assert await _found(store, "snake") == set()
    assert await _found(store, "snake_case") == {"d"}
    assert await _found(store, "v2") == {"d"}
    assert await _found(store, "東京") == {"d"}


async def test_scores_are_negated_bm25(store: SqliteDocumentStore) -> None:
    await store.store_document(Document(id="twice", text="amber amber cobalt"), "b")
    await store.store_document(Document(id="once", text="amber violet cobalt"), "b")
    await store.store_document(Document(id="none", text="teal violet cobalt"), "b")
    hits = await store.search_fulltext("amber", "b")
    raw = dict(
        store.database.connection.execute(
            "SELECT d.id, bm25(documents_fts) FROM documents_fts JOIN documents AS d ON d.row_id = documents_fts.rowid "
            "WHERE documents_fts MATCH 'amber'"
        ).fetchall()
    )
    assert [hit.document_id for hit in hits] == ["twice", "once"]
    assert {hit.document_id: hit.score for hit in hits} == pytest.approx({key: -value for key, value in raw.items()})
    assert all(hit.score > 0 for hit in hits)


# ---------------------------------------------------------------------------------------- the file


async def test_reopened_file_keeps_documents_and_their_index(db_path: str) -> None:
    first = SqliteDocumentStore(db_path)
    await first.store_document(Document(id="kept", text="amber cobalt", tags=["t"], metadata={"k": 1}), "b")
    await first.close()
    again = SqliteDocumentStore(db_path)
    assert await _found(again, "cobalt") == {"kept"}
    assert await again.get_document("kept", "b") == Document(
        id="kept", text="amber cobalt", tags=["t"], metadata={"k": 1}
    )
    await again.close()


async def test_a_rolled_back_write_leaves_no_trace_in_the_index(store: SqliteDocumentStore) -> None:
    await store.store_document(Document(id="kept", text="amber cobalt"), "b")

    async def write_then_look() -> None:
        await store.store_document(Document(id="ghost", text="violet teal"), "b")
        await store.store_document(Document(id="kept", text="saffron"), "b")
        await store.delete_documents(["kept"], "b")
        assert await _found(store, "violet amber saffron") == {"ghost"}

    with pytest.raises(Aborted):
        await abort_after(store.transaction, write_then_look)
    assert await _found(store, "violet teal saffron") == set()
    assert await _found(store, "amber") == {"kept"}
    _index_is_consistent(store)


async def test_the_index_follows_upserts_and_deletes(store: SqliteDocumentStore) -> None:
    await store.store_documents([Document(id=f"d{index}", text=f"amber word{index}") for index in range(5)], "b")
    await store.store_document(Document(id="d1", text="cobalt"), "b")
    await store.delete_documents(["d2"], "b")
    await store.delete_bank("other")
    assert await _found(store, "amber") == {"d0", "d3", "d4"}
    assert await _found(store, "word1 word2") == set()
    _index_is_consistent(store)
    assert await store.delete_bank("b") == 4
    _index_is_consistent(store)


async def test_a_failed_batch_inside_a_transaction_leaves_nothing(store: SqliteDocumentStore) -> None:
    async with store.transaction():
        await store.store_document(Document(id="first", text="amber"), "b")
        with pytest.raises(ValidationError) as raised:  # raised by SQLite on the second row, after the first
            await store.store_documents(
                [Document(id="second", text="amber"), Document(id="third", text="amber", tags=["\ud800"])], "b"
            )
        assert raised.value.field == "documents[1].tags"
    assert await _found(store, "amber") == {"first"}
    _index_is_consistent(store)


async def test_an_unstorable_id_is_refused_by_field(store: SqliteDocumentStore) -> None:
    with pytest.raises(ValidationError) as raised:
        await store.get_document("\udc80", "b")
    assert raised.value.field == "document_id"


async def test_two_stores_of_one_file_see_each_others_writes(db_path: str, tmp_path: Path) -> None:
    one, two = SqliteDocumentStore(db_path), SqliteDocumentStore(db_path)
    elsewhere = SqliteDocumentStore(str(tmp_path / "elsewhere.db"))
    assert one.transaction_key() == two.transaction_key() != elsewhere.transaction_key()
    await one.store_document(Document(id="shared", text="amber"), "b")
    await elsewhere.store_document(Document(id="apart", text="amber"), "b")
    assert await _found(two, "amber") == {"shared"}
    assert await two.delete_documents(["shared"], "b") == 1
    assert await _found(one, "amber") == set()
    assert await _found(elsewhere, "amber") == {"apart"}
    for store in (one, two, elsewhere):
        await store.close()


def test_capabilities_declare_the_truth() -> None:
    store = SqliteDocumentStore(":memory:")
    assert store.capabilities() == DocumentStoreCapabilities(
        filter_tag_match_all=True, batch_store=True, transactional=True, batch_get=True
    )
    asyncio.run(store.close())


# ---------------------------------------------------------------------------------------- batched indexing


async def test_a_batch_repeating_an_id_indexes_only_its_last_text(store: SqliteDocumentStore) -> None:
    """New rows are indexed after the batch (migration 14): a repeated id must not reach the index twice."""
    documents = [Document(id="d1", text="amber"), Document(id="d2", text="amber"), Document(id="d1", text="cobalt")]
    assert await store.store_documents(documents, "b") == ["d1", "d2", "d1"]
    assert (await _found(store, "amber"), await _found(store, "cobalt")) == ({"d2"}, {"d1"})
    await store.store_documents([Document(id="d2", text="cobalt"), Document(id="d3", text="amber")], "b")
    assert (await _found(store, "amber"), await _found(store, "cobalt")) == ({"d3"}, {"d1", "d2"})
    _index_is_consistent(store)


async def test_a_file_indexed_by_the_insert_trigger_is_migrated_and_stays_consistent(tmp_path: Path) -> None:
    """A file of the schema before migration 14 (rows indexed by a trigger) keeps its index, and the
    store indexes new rows and re-indexes replaced ones after the upgrade."""
    path = tmp_path / "old.db"
    previous = SqliteDatabase(path, migrations=[m for m in packaged_migrations() if m.version < 14])
    previous.connection.execute("INSERT INTO documents (bank_id, id, text) VALUES ('b', 'old', 'amber cobalt')")
    previous.connection.close()

    store = SqliteDocumentStore(str(path))
    assert store.database.schema_version() == packaged_migrations()[-1].version
    assert await _found(store, "amber") == {"old"}
    await store.store_documents([Document(id="new", text="amber"), Document(id="old", text="cobalt")], "b")
    assert (await _found(store, "amber"), await _found(store, "cobalt")) == ({"new"}, {"old"})
    _index_is_consistent(store)
    await store.close()
