"""SqliteWikiStore: the WikiStore contract on a private in-memory database and on one shared file,
plus what only a database can get wrong: reopening, rolling back, reading only current revisions,
and answering exactly like the in-memory reference."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.wiki import MemoryWikiStore
from astrocyte.stores.sqlite.wiki import SqliteWikiStore
from astrocyte.testing.contracts._support import PROPERTY_SETTINGS
from astrocyte.testing.contracts.wiki_store import WikiStoreContract, full_page, page

from ._sqlite_support import Aborted, abort_after, shared_file_store

BANK = "sqlite-wiki-tests"


class TestSqliteWikiStoreInMemory(WikiStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[SqliteWikiStore]:
        store = SqliteWikiStore(":memory:")
        yield store
        await store.close()


shared_store = shared_file_store(SqliteWikiStore)


class TestSqliteWikiStoreSharedFile(WikiStoreContract):
    @pytest.fixture
    def store(self, shared_store: SqliteWikiStore) -> SqliteWikiStore:
        return shared_store


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "wiki.db")


@pytest.fixture
async def store() -> AsyncIterator[SqliteWikiStore]:
    store = SqliteWikiStore(":memory:")
    yield store
    await store.close()


async def test_history_survives_reopening_the_file(path: str) -> None:
    first = SqliteWikiStore(path)
    await first.upsert_page(full_page("ada", BANK), BANK)
    await first.upsert_page(page("ada", BANK, content="Second."), BANK)
    written = await first.list_revisions("ada", BANK)
    await first.close()

    reopened = SqliteWikiStore(path)
    try:
        assert await reopened.list_revisions("ada", BANK) == written
        assert await reopened.upsert_page(page("ada", BANK), BANK) == "ada"
        assert [revision.revision for revision in await reopened.list_revisions("ada", BANK)] == [1, 2, 3]
    finally:
        await reopened.close()


async def test_a_rolled_back_transaction_leaves_the_history_as_it_was(store: SqliteWikiStore) -> None:
    await store.upsert_page(page("kept", BANK, content="First."), BANK)

    async def revise() -> None:
        await store.upsert_page(page("kept", BANK, content="Rolled back."), BANK)
        await store.upsert_page(page("new", BANK), BANK)
        await store.delete_page("kept", BANK)

    with pytest.raises(Aborted):
        await abort_after(store.transaction, revise)
    assert [(item.page_id, item.revision, item.content) for item in await store.list_pages(BANK)] == [
        ("kept", 1, "First.")
    ]
    await store.upsert_page(page("kept", BANK, content="Second."), BANK)
    assert [item.revision for item in await store.list_revisions("kept", BANK)] == [1, 2]


async def test_revised_at_is_the_callers_or_the_time_of_the_upsert(store: SqliteWikiStore) -> None:
    given_at = datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    started = datetime.now(UTC)
    await store.upsert_page(page("p", BANK, revised_at=given_at), BANK)
    await store.upsert_page(page("p", BANK, revised_at=datetime(2021, 6, 1, 12, 0)), BANK)
    await store.upsert_page(page("p", BANK), BANK)
    first, naive, stamped = (revision.revised_at for revision in await store.list_revisions("p", BANK))
    assert (first, naive) == (given_at, datetime(2021, 6, 1, 12, 0, tzinfo=UTC))
    assert stamped is not None
    assert started <= stamped <= datetime.now(UTC)


async def test_lists_that_json_cannot_hold_exactly_are_refused(store: SqliteWikiStore) -> None:
    with pytest.raises(ValidationError) as raised:
        await store.upsert_page(page("p", BANK, source_ids=[("a", "tuple")]), BANK)
    assert raised.value.field == "source_ids"
    assert await store.list_pages(BANK) == []


async def test_listing_reads_the_current_revisions_through_their_index(store: SqliteWikiStore) -> None:
    statements: list[str] = []
    await store.upsert_page(page("p", BANK, scope="team"), BANK)
    store.database.connection.set_trace_callback(statements.append)
    await store.list_pages(BANK)
    await store.list_pages(BANK, scope="team", kind="topic")
    await store.get_page("p", BANK)
    store.database.connection.set_trace_callback(None)
    details = [
        row["detail"] for sql in statements for row in store.database.connection.execute(f"EXPLAIN QUERY PLAN {sql}")
    ]
    assert details == [
        "SEARCH wiki_revisions USING INDEX wiki_current_pages (bank_id=?)",
        "SEARCH wiki_revisions USING INDEX wiki_current_pages_by_scope (bank_id=? AND scope=?)",
        "SEARCH wiki_revisions USING INDEX wiki_current_pages (bank_id=? AND page_id=?)",
    ]


_WHEN = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))
_WRITES = st.lists(
    st.one_of(
        st.tuples(
            st.just("upsert"),
            st.sampled_from(["p1", "p2", "p3"]),
            st.sampled_from([None, "team"]),
            st.sampled_from(["entity", "topic"]),
            _WHEN,
        ),
        st.tuples(st.just("delete"), st.sampled_from(["p1", "p2", "p3"])),
    ),
    max_size=10,
)


async def _history(store: Any, bank: str, writes: list[tuple[Any, ...]]) -> list[Any]:
    """Every answer the store gives while and after applying ``writes``."""
    answers: list[Any] = []
    for write in writes:
        if write[0] == "upsert":
            _, page_id, scope, kind, when = write
            revised = page(page_id, bank, scope=scope, kind=kind, revised_at=when, tags=[kind], metadata={"w": 1})
            answers.append(await store.upsert_page(revised, bank))
        else:
            answers.append(await store.delete_page(write[1], bank))
    for page_id in ("p1", "p2", "p3"):
        answers += [await store.get_page(page_id, bank), await store.list_revisions(page_id, bank)]
    answers += [
        await store.list_pages(bank, scope=scope, kind=kind) for scope in (None, "team") for kind in (None, "topic")
    ]
    answers.append(await store.delete_bank(bank))
    return answers


@PROPERTY_SETTINGS
@given(writes=_WRITES)
async def test_answers_exactly_like_the_memory_store(store: SqliteWikiStore, writes: list[tuple[Any, ...]]) -> None:
    """Random upserts and deletes give the reference's pages, revisions, listings and counts."""
    bank = f"diff-{uuid.uuid4().hex[:12]}"
    assert await _history(store, bank, writes) == await _history(MemoryWikiStore(), bank, writes)
