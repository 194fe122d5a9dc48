"""The per-bank counts BM25 reads (``document_banks``) stay equal to the rows they summarise.

A batch is written as an insert of its new documents, then an upsert of those the bank held
already (their old lengths taken off the counts): mixed batches, repeated ids and documents
replaced by longer or shorter texts must all leave the counts exact, bank by bank.
"""

from __future__ import annotations

import asyncpg

from astrocyte.types import Document
from astrocyte_postgres.documents import PostgresDocumentStore

from .conftest import fresh_schema


async def _counts(store: PostgresDocumentStore, bank_id: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """The bank's kept counts, and the same figures computed from its rows."""
    async with store.database.reading(bank_id) as connection:
        kept: asyncpg.Record | None = await connection.fetchrow(
            "SELECT documents, total_length FROM document_banks WHERE bank_id = $1", bank_id
        )
        actual = await connection.fetchrow(
            "SELECT count(*), coalesce(sum(length), 0) FROM documents WHERE bank_id = $1", bank_id
        )
    assert kept is not None
    assert actual is not None
    return (kept[0], kept[1]), (actual[0], actual[1])


async def test_counts_follow_new_replaced_and_repeated_documents(pg_dsn: str) -> None:
    store = PostgresDocumentStore(pg_dsn, fresh_schema("counts"))
    try:
        await store.store_documents([Document(id=f"d{n}", text="one two three " * (n + 1)) for n in range(4)], "a")
        await store.store_documents([Document(id="d0", text="elsewhere")], "b")
        kept, actual = await _counts(store, "a")
        assert kept == actual == (4, 3 * (1 + 2 + 3 + 4))

        # Two replaced (one longer, one shorter), one new, one repeated in the batch: the last wins.
        await store.store_documents(
            [
                Document(id="d1", text="longer " * 20),
                Document(id="d2", text="short"),
                Document(id="d9", text="new words here"),
                Document(id="d9", text="new words"),
            ],
            "a",
        )
        kept, actual = await _counts(store, "a")
        assert kept == actual == (5, 3 * 1 + 20 + 1 + 3 * 4 + 2)
        assert [hit.document_id for hit in await store.search_fulltext("longer", "a")] == ["d1"]
        assert (await store.get_document("d9", "a")) == Document(id="d9", text="new words")
        assert await _counts(store, "b") == ((1, 1), (1, 1))  # the other bank's counts are untouched
    finally:
        await store.close()
