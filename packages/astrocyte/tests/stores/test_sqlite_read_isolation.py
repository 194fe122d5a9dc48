"""Reads never see the rows of a transaction still open on the shared connection, except its own.

The stores of one file share one writing connection; a retain holds a transaction on it while it
writes a memory's vector, document and graph rows. A recall running meanwhile (another thread here,
as a server's request would be) must see none of those rows until the commit, and the in-process
vector matrix must not take them in early either; the transaction's owner itself reads its own rows.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from astrocyte.stores.sqlite.documents import SqliteDocumentStore
from astrocyte.stores.sqlite.graph import SqliteGraphStore
from astrocyte.stores.sqlite.vectors import SqliteVectorStore
from astrocyte.types import Document, Entity, MemoryEntityAssociation, VectorItem

BANK = "isolation"
T = TypeVar("T")


def _in_another_thread(call: Callable[[], Awaitable[T]]) -> T:
    """Run ``call`` on its own event loop in another thread, as a concurrent request would."""
    results: list[T] = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(call())))  # type: ignore[arg-type]
    thread.start()
    thread.join(timeout=60)
    assert results, "the reader thread failed"
    return results[0]


async def _seen(vectors: SqliteVectorStore, documents: SqliteDocumentStore, graph: SqliteGraphStore) -> dict[str, int]:
    return {
        "vectors": len(await vectors.search_similar([1.0, 0.0, 0.0], BANK, limit=10)),
        "count": await vectors.count_vectors(BANK),
        "documents": len(await documents.search_fulltext("amber", BANK, limit=10)),
        "got": len(await documents.get_documents(["m1", "m2"], BANK)),
        "graph": len(await graph.rank_neighbors(["e1"], BANK, max_depth=0, limit=10)),
    }


async def test_an_open_transaction_is_invisible_to_other_readers_until_it_commits(tmp_path: Path) -> None:
    path = str(tmp_path / "astrocyte.db")
    vectors, documents, graph = SqliteVectorStore(path), SqliteDocumentStore(path), SqliteGraphStore(path)
    try:
        await vectors.store_vectors([VectorItem(id="m1", bank_id=BANK, vector=[1.0, 0.0, 0.0], text="amber one")])
        await documents.store_documents([Document(id="m1", text="amber one")], BANK)
        await graph.store_entities([Entity(id="e1", name="Amber", entity_type="name")], BANK)
        await graph.link_memories_to_entities([MemoryEntityAssociation(memory_id="m1", entity_id="e1")], BANK)
        before = {"vectors": 1, "count": 1, "documents": 1, "got": 1, "graph": 1}
        assert await _seen(vectors, documents, graph) == before  # also loads the bank's matrix

        async with vectors.transaction():
            await vectors.store_vectors([VectorItem(id="m2", bank_id=BANK, vector=[0.9, 0.1, 0.0], text="amber two")])
            await documents.store_documents([Document(id="m2", text="amber two")], BANK)
            await graph.link_memories_to_entities([MemoryEntityAssociation(memory_id="m2", entity_id="e1")], BANK)
            assert await _seen(vectors, documents, graph) == {key: 2 for key in before}  # the owner reads its rows
            assert _in_another_thread(lambda: _seen(vectors, documents, graph)) == before

        after = {key: 2 for key in before}
        assert _in_another_thread(lambda: _seen(vectors, documents, graph)) == after
        assert await _seen(vectors, documents, graph) == after
    finally:
        for store in (vectors, documents, graph):
            await store.close()


async def test_a_rolled_back_transaction_leaves_the_matrix_as_committed(tmp_path: Path) -> None:
    path = str(tmp_path / "astrocyte.db")
    vectors = SqliteVectorStore(path)
    try:
        await vectors.store_vectors([VectorItem(id="m1", bank_id=BANK, vector=[1.0, 0.0], text="kept")])
        assert len(await vectors.search_similar([1.0, 0.0], BANK)) == 1
        try:
            async with vectors.transaction():
                await vectors.store_vectors([VectorItem(id="m2", bank_id=BANK, vector=[1.0, 0.1], text="undone")])
                assert [hit.id for hit in await vectors.search_similar([1.0, 0.0], BANK)] == ["m1", "m2"]
                raise RuntimeError("abandon the transaction")
        except RuntimeError:
            pass
        assert [hit.id for hit in await vectors.search_similar([1.0, 0.0], BANK)] == ["m1"]
        assert _in_another_thread(lambda: vectors.search_similar([1.0, 0.0], BANK)) == await vectors.search_similar(
            [1.0, 0.0], BANK
        )
    finally:
        await vectors.close()


async def test_small_searches_run_inline_and_still_see_committed_rows_only(tmp_path: Path) -> None:
    """A vector search of a small bank runs in the caller's thread (no hand-off), on a read connection:
    from another thread it still misses the rows of a transaction open on the shared connection, as
    the keyword search (always in a worker thread) does."""
    path = str(tmp_path / "astrocyte.db")
    vectors, documents = SqliteVectorStore(path), SqliteDocumentStore(path)
    threads: list[int] = []
    read = vectors.database.read

    async def recording(work: Callable[..., T], *, inline: bool = False) -> T:
        if inline:
            threads.append(threading.get_ident())
        return await read(work, inline=inline)

    try:
        await vectors.store_vectors([VectorItem(id="m1", bank_id=BANK, vector=[1.0, 0.0], text="amber one")])
        await documents.store_documents([Document(id="m1", text="amber one")], BANK)
        # The first vector search runs in a thread: it loads the matrix.
        assert len(await vectors.search_similar([1.0, 0.0], BANK)) == 1
        assert len(await documents.search_fulltext("amber", BANK)) == 1
        vectors.database.read = recording  # type: ignore[method-assign]
        async with vectors.transaction():
            await vectors.store_vectors([VectorItem(id="m2", bank_id=BANK, vector=[0.9, 0.1], text="amber two")])
            await documents.store_documents([Document(id="m2", text="amber two")], BANK)

            async def both() -> list[int]:
                found = await vectors.search_similar([1.0, 0.0], BANK)
                return [len(found), len(await documents.search_fulltext("amber", BANK))]

            seen = _in_another_thread(both)
        assert seen == [1, 1]
        assert len(threads) == 1  # the vector search only
        assert threads[0] != threading.get_ident()
        assert len(await vectors.search_similar([1.0, 0.0], BANK)) == 2
    finally:
        vectors.database.read = read  # type: ignore[method-assign]
        for store in (vectors, documents):
            await store.close()
