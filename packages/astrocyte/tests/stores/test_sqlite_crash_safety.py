"""A process killed while writing memories leaves each batch in the file whole or not at all.

A writer process stores batches of memories, each batch's vector rows and documents in one
transaction of the shared file, and says so after every commit; the test kills it with SIGKILL at
a random moment (after a random number of commits, then a random pause, so the kill lands inside a
batch as often as between two) and then reads the file: it must pass SQLite's and FTS5's integrity
checks, hold every batch the writer reported, and hold only whole batches, each memory with both
its vector and its document, and the right text in each.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

import pytest

from astrocyte.stores.sqlite.documents import SqliteDocumentStore
from astrocyte.stores.sqlite.vectors import SqliteVectorStore
from astrocyte.testing.killed_writer import run_writer_and_kill

BATCH = 50
BANK = "crash"

_WRITER = """
import asyncio, sys
from astrocyte.stores.sqlite.documents import SqliteDocumentStore
from astrocyte.stores.sqlite.vectors import SqliteVectorStore
from astrocyte.types import Document, VectorItem

PATH, BATCH, BANK = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def text(index):
    return f"memory {index} of the crash test, about amber and cobalt"

async def main():
    vectors, documents = SqliteVectorStore(PATH), SqliteDocumentStore(PATH)
    for batch in range(100_000):
        ids = range(batch * BATCH, (batch + 1) * BATCH)
        async with vectors.transaction():
            await vectors.store_vectors(
                [VectorItem(id=f"m{i}", bank_id=BANK, vector=[i % 7, 1.0, i % 3], text=text(i)) for i in ids]
            )
            await documents.store_documents([Document(id=f"m{i}", text=text(i)) for i in ids], BANK)
        print(f"committed {batch + 1}", flush=True)

asyncio.run(main())
"""


def _killed(path: Path, rng: random.Random) -> int:
    """Run the writer on ``path`` and kill it at a random moment; returns the commits it reported."""
    return run_writer_and_kill(_WRITER, [str(path), str(BATCH), BANK], rng, most_reports=6, longest_pause=0.05)


def _text(index: int) -> str:
    return f"memory {index} of the crash test, about amber and cobalt"


def _check_file_integrity(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        connection.execute("INSERT INTO documents_fts (documents_fts, rank) VALUES ('integrity-check', 1)")


async def _check_whole_batches(path: Path, committed: int) -> None:
    vectors, documents = SqliteVectorStore(str(path)), SqliteDocumentStore(str(path))
    try:
        count = await vectors.count_vectors(BANK)
        assert count % BATCH == 0, f"{count} memories: a batch landed in part"
        assert count >= committed * BATCH, f"{count} memories, but {committed} batches were reported committed"
        listed = await vectors.list_vectors(BANK, 0, count + BATCH)
        assert sorted(item.id for item in listed) == sorted(f"m{index}" for index in range(count))
        for item in listed:
            index = int(item.id[1:])
            assert item.text == _text(index)
            document = await documents.get_document(item.id, BANK)
            assert document is not None, f"{item.id} has its vector but not its document"
            assert document.text == _text(index)
        assert len(await documents.search_fulltext("amber", BANK, limit=count + BATCH)) == count
        if count:
            assert len(await vectors.search_similar([1.0, 1.0, 1.0], BANK, limit=count + BATCH)) == count
    finally:
        await vectors.close()
        await documents.close()


@pytest.mark.parametrize("seed", range(5))
def test_killed_writer_leaves_whole_batches(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "astrocyte.db"
    committed = _killed(path, random.Random(seed))
    _check_file_integrity(path)
    asyncio.run(_check_whole_batches(path, committed))


def test_a_killed_file_takes_more_writes(tmp_path: Path) -> None:
    """Killed twice in a row: the second writer starts on the first one's leftovers and keeps them whole."""
    path = tmp_path / "astrocyte.db"
    rng = random.Random(99)
    _killed(path, rng)
    committed = _killed(path, rng)  # it rewrites the same ids from m0: upserts over whole batches
    _check_file_integrity(path)
    asyncio.run(_check_whole_batches(path, committed))
