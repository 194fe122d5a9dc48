"""A process killed inside ``Astrocyte.retain_many`` leaves each call's memories whole or absent.

The store-level test (``tests/stores/test_sqlite_crash_safety.py``) kills a writer of bare store
batches; this one kills the whole engine: a subprocess runs ``retain_many`` on the embedded default
(one SQLite file, hashing embedder) call after call, in several embedding batches per call, and says
so after each call returns. The test kills it with SIGKILL at a random moment and reads the file:
it must pass SQLite's and FTS5's integrity checks, hold every call reported, and hold only whole
calls, where the vector row, the document (with its full-text entry) and the graph mentions of
every memory agree.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from astrocyte.testing.killed_writer import run_writer_and_kill

CALL = 24  # memories per retain_many call, written in three embedding batches
BANK = "crash"

_WRITER = """
import asyncio, sys
from astrocyte.engine import Astrocyte

PATH, CALL, BANK = sys.argv[1], int(sys.argv[2]), sys.argv[3]
STORES = ("vector_store", "document_store", "graph_store")

def text(index):
    return f"Record {index}: Zelda{index} met Quark{index} in Town{index} about case {index * 7919}"

async def main():
    config = {"embedding_provider": "hashing", "engine": {"retain": {"embed_batch_size": 8}}}
    for kind in STORES:
        config[kind] = "sqlite"
        config[f"{kind}_config"] = {"path": PATH}
    async with Astrocyte.from_config_dict(config) as engine:
        for call in range(100_000):
            results = await engine.retain_many([text(call * CALL + i) for i in range(CALL)], BANK)
            assert all(result.stored for result in results), results
            print(f"committed {call + 1}", flush=True)

asyncio.run(main())
"""


def _killed(path: Path, rng: random.Random) -> int:
    """Run the writer on ``path`` and kill it at a random moment; returns the commits it reported."""
    return run_writer_and_kill(_WRITER, [str(path), str(CALL), BANK], rng, most_reports=4, longest_pause=0.03)


def _text(index: int) -> str:
    return f"Record {index}: Zelda{index} met Quark{index} in Town{index} about case {index * 7919}"


def _check_whole_calls(path: Path, committed: int) -> None:
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        connection.execute("INSERT INTO documents_fts (documents_fts, rank) VALUES ('integrity-check', 1)")
        vectors = dict(
            connection.execute(
                "SELECT v.id, c.text FROM vectors AS v JOIN vector_contents AS c USING (row_id) WHERE v.bank_id = ?",
                (BANK,),
            ).fetchall()
        )
        documents = dict(connection.execute("SELECT id, text FROM documents WHERE bank_id = ?", (BANK,)).fetchall())
        mentioned = {
            row[0]
            for row in connection.execute("SELECT DISTINCT memory_id FROM graph_mentions WHERE bank_id = ?", (BANK,))
        }
        indexed = connection.execute(
            "SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH 'Zelda*'"
        ).fetchone()[0]
    assert len(vectors) % CALL == 0, f"{len(vectors)} memories: a retain_many call landed in part"
    assert len(vectors) >= committed * CALL, f"{len(vectors)} memories, but {committed} calls returned"
    assert documents == vectors, "vector rows and documents disagree"
    assert mentioned == set(vectors), "graph mentions and memories disagree"
    assert indexed == len(vectors), "the full-text index and the documents disagree"
    assert sorted(documents.values()) == sorted(_text(index) for index in range(len(vectors)))


@pytest.mark.parametrize("seed", range(3))
def test_killed_engine_leaves_whole_retain_calls(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "astrocyte.db"
    committed = _killed(path, random.Random(seed))
    _check_whole_calls(path, committed)
